using System.Text.Json;
using Snapconv.Cli.Console;

namespace Snapconv.Cli.Tests.Commands;

/// <summary>#15: a Shopify-like export with spreadsheet marks, through <c>validate</c>: events, rejects and the report.</summary>
public sealed class SpreadsheetQuirksCliTests
{
    // Yesterday: no event-time warning depends on the day the test runs.
    private static readonly string Day = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static readonly string Orders = $"""
        Name,Email,Created at,Total,Currency,Billing Phone,Billing Zip,Billing Country
        #1001,ann@example.com,{Day} 10:00:00 +0000,10.00,USD,'+14485003012,'4001,US
        #1002,bo@example.com,{Day} 11:00:00 +0000,12.00,USD,9.23228E+11,-,NA
        #1003,,{Day} 12:00:00 +0000,14.00,USD,"9,23228E+11",'97317,Narnia
        #1004,cy@example.com,{Day} 13:00:00 +0000,16.00,USD,1.4485E+10,N/A,Deutschland
        """;

    [Fact]
    public async Task Validate_ExportWithSpreadsheetMarks_HashesWithoutMarksAndCountsDestroyedPhonesOnce()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("orders.csv"), Orders);
        var mapping = tmp.File("m.yaml");
        File.WriteAllText(mapping, """
            columns: {Name: order_id, Email: em, Created at: event_time, Total: value, Currency: currency, Billing Phone: ph, Billing Zip: zp, Billing Country: country}
            constants: {event_name: PURCHASE}
            auto_detect: false
            """);

        var code = await CliApp.RunAsync(["validate", tmp.File("orders.csv"), "--mapping", mapping, "--default-country", "US",
            "--report", tmp.File("r.json"), "--rejects", tmp.File("rej.csv"), "--events-out", tmp.File("ev.ndjson")]);

        Assert.Equal(0, code);
        using var report = JsonDocument.Parse(File.ReadAllText(tmp.File("r.json")));
        var r = report.RootElement;
        Assert.Equal(3, r.GetProperty("accepted").GetInt64());
        Assert.Equal(1, r.GetProperty("rejected").GetInt64());
        Assert.Equal(3, r.GetProperty("phones_in_scientific_notation").GetInt64());
        Assert.Equal(2, r.GetProperty("warnings_by_reason").GetProperty("INVALID_PHONE").GetInt64());

        var events = File.ReadAllLines(tmp.File("ev.ndjson")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("user_data")).ToList();
        Assert.Equal(Snapconv.Core.Hashing.Sha256Hex.Hash("14485003012"), events[0].GetProperty("ph")[0].GetString());
        Assert.Equal(Snapconv.Core.Hashing.Sha256Hex.Hash("04001"), events[0].GetProperty("zp")[0].GetString());
        Assert.False(events[1].TryGetProperty("zp", out _));    // '-' is no value
        Assert.Equal(Snapconv.Core.Hashing.Sha256Hex.Hash("na"), events[1].GetProperty("country")[0].GetString());
        Assert.Equal(Snapconv.Core.Hashing.Sha256Hex.Hash("de"), events[2].GetProperty("country")[0].GetString());
        Assert.False(events[2].TryGetProperty("ph", out _));

        var rejects = File.ReadAllText(tmp.File("rej.csv"));
        Assert.Contains(",3,", rejects);
        Assert.Contains(",MISSING_USER_DATA,Email|Billing Phone,505,", rejects);
    }

    [Fact]
    public void SpreadsheetNote_SaysTheCountAndWhy()
    {
        Assert.StartsWith("1 row has a phone in scientific notation", RunSummary.SpreadsheetNote(1));
        var note = RunSummary.SpreadsheetNote(12_345);
        Assert.StartsWith("12,345 rows have phones in scientific notation", note);
        Assert.Contains("re-saved by a spreadsheet", note);
    }
}
