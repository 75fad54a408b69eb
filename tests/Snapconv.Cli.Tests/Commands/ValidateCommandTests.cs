using System.Diagnostics;
using System.Text.Json;

namespace Snapconv.Cli.Tests.Commands;

public class ValidateCommandTests
{
    private static readonly string Crm = RepoPaths.Sample("data/crm-export.csv");
    private static readonly string CrmMapping = RepoPaths.Sample("mappings/crm-export.yaml");

    [Fact]
    public async Task Validate_CrmSample_ReportCountsEveryRow()
    {
        using var tmp = new TempDir();
        var code = await CliApp.RunAsync(["validate", Crm, "--mapping", CrmMapping, "--report", tmp.File("r.json"), "--rejects", tmp.File("rej.csv"), "--events-out", tmp.File("ev.ndjson")]);
        Assert.Equal(0, code);
        using var report = JsonDocument.Parse(File.ReadAllText(tmp.File("r.json")));
        var r = report.RootElement;
        Assert.Equal(10, r.GetProperty("rows").GetInt64());
        Assert.Equal(3, r.GetProperty("accepted").GetInt64());
        Assert.Equal(6, r.GetProperty("rejected").GetInt64());
        Assert.Equal(1, r.GetProperty("duplicates").GetInt64());
        var reasons = r.GetProperty("rejected_by_reason");
        Assert.Equal(2, reasons.GetProperty("MISSING_USER_DATA").GetInt64());
        Assert.Equal(1, reasons.GetProperty("INVALID_EVENT_TIME").GetInt64());
        Assert.Equal(1, reasons.GetProperty("INVALID_VALUE").GetInt64());
        Assert.Equal(1, reasons.GetProperty("INVALID_CURRENCY").GetInt64());
        Assert.Equal(1, reasons.GetProperty("INVALID_EVENT_NAME").GetInt64());
        Assert.Equal(1.0, r.GetProperty("identifier_coverage").GetProperty("em").GetDouble(), 3);
        Assert.Equal(1.0, r.GetProperty("identifier_coverage").GetProperty("ph").GetDouble(), 3);
        Assert.Equal(3, r.GetProperty("warnings_by_reason").GetProperty("EVENT_TIME_TOO_OLD").GetInt64());
        Assert.True(r.GetProperty("duration_seconds").GetDouble() >= 0);
        Assert.Equal(Crm, r.GetProperty("input_files")[0].GetProperty("file").GetString());
    }

    [Fact]
    public async Task Validate_CrmSample_RejectsFileNamesFileRowReasonAndField()
    {
        using var tmp = new TempDir();
        Assert.Equal(0, await CliApp.RunAsync(["validate", Crm, "--mapping", CrmMapping, "--rejects", tmp.File("rej.csv")]));
        var lines = File.ReadAllLines(tmp.File("rej.csv"));
        Assert.StartsWith("Order ID,Sale Date,E-Mail,Mobile,", lines[0]);
        Assert.EndsWith(",row,file,reason,field,code,message", lines[0]);
        var text = File.ReadAllText(tmp.File("rej.csv"));
        Assert.Contains($"A-1004,2024-12-19T00:24:50Z,not-an-email,12,", text);
        Assert.Contains($",4,{Crm},MISSING_USER_DATA,E-Mail|Mobile,505,", text);
        Assert.Contains($",5,{Crm},INVALID_EVENT_TIME,Sale Date,", text);
        Assert.Contains($",8,{Crm},INVALID_EVENT_NAME,Event,516,", text);
        // The quoted multi-line note survives the round trip.
        Assert.Contains("\"multi\nline note\"", text.Replace("\r\n", "\n"));
    }

    [Fact]
    public async Task Validate_CrmSample_EventsAreExactCapiObjects()
    {
        using var tmp = new TempDir();
        Assert.Equal(0, await CliApp.RunAsync(["validate", Crm, "--mapping", CrmMapping, "--events-out", tmp.File("ev.ndjson")]));
        var events = File.ReadAllLines(tmp.File("ev.ndjson")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, events.Count);
        var first = events[0];
        Assert.Equal("PURCHASE", first.GetProperty("event_name").GetString());
        Assert.Equal(1734567890, first.GetProperty("event_time").GetInt64());
        Assert.Equal("OFFLINE", first.GetProperty("action_source").GetString());
        Assert.Equal("A-1001", first.GetProperty("event_id").GetString());
        Assert.Equal("542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345", first.GetProperty("user_data").GetProperty("em")[0].GetString());
        Assert.Equal("dc008fda46e2e64002cf2f82a4906236282d431c4f75e5b60bfe79fc48546383", first.GetProperty("user_data").GetProperty("ph")[0].GetString());
        Assert.Equal("in-store", first.GetProperty("custom_data").GetProperty("event_tag").GetString());
        var second = events[1];
        Assert.Equal("7dbf37be869d2b8bd63dd2360d139614283796d7d561f8e98c6f581a63d295c2", second.GetProperty("user_data").GetProperty("em")[0].GetString());
        Assert.Equal("34053b331d29734f081bf74160cd33bc2f621b3b6f8ec991500bebf49f14e014", second.GetProperty("user_data").GetProperty("ph")[0].GetString());
        Assert.Equal("1b5b9ccb3e8d006a5230de9bda23ff91edc794d4f56410560830b418528e446c", second.GetProperty("user_data").GetProperty("st")[0].GetString());
        Assert.Equal("f5f325affe6d349af0f5ddd37020813e7c46211e900b5a3afdbdcb867a19de5c", second.GetProperty("user_data").GetProperty("zp")[0].GetString());
        Assert.Equal(1250.50m, second.GetProperty("custom_data").GetProperty("value").GetDecimal());
        Assert.Equal("USD", second.GetProperty("custom_data").GetProperty("currency").GetString());
        var third = events[2];
        Assert.Equal("c03f76216358b07b09a300613908002987efc1ae9a2ef2a85d57d5a971bf821a", third.GetProperty("user_data").GetProperty("ph")[0].GetString());
    }

    [Fact]
    public async Task Preprocess_ToCsv_HoldsHashesAndNoRawIdentifiers()
    {
        using var tmp = new TempDir();
        Assert.Equal(0, await CliApp.RunAsync(["preprocess", Crm, "--mapping", CrmMapping, "--output", tmp.File("out.csv")]));
        var text = File.ReadAllText(tmp.File("out.csv"));
        Assert.StartsWith("event_id,event_name,event_time,action_source,em,ph,", text);
        Assert.Contains("542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345", text);
        Assert.DoesNotContain("example.com", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("844 412", text);
        Assert.Equal(4, File.ReadAllLines(tmp.File("out.csv")).Length);
    }

    [Fact]
    public async Task Preprocess_ToNdjson_WritesEvents()
    {
        using var tmp = new TempDir();
        Assert.Equal(0, await CliApp.RunAsync(["preprocess", Crm, "--mapping", CrmMapping, "-o", tmp.File("out.ndjson")]));
        Assert.Equal(3, File.ReadAllLines(tmp.File("out.ndjson")).Length);
    }

    [Fact]
    public async Task Validate_MissingFile_ExitsTwo()
    {
        Assert.Equal(2, await CliApp.RunAsync(["validate", "/nonexistent/sales.csv"]));
    }

    [Fact]
    public async Task Validate_BadMapping_ExitsTwo()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("m.yaml"), "columns: {Order ID: orderid}");
        Assert.Equal(2, await CliApp.RunAsync(["validate", Crm, "--mapping", tmp.File("m.yaml")]));
    }

    [Theory]
    [InlineData("--timezone", "Mars/Olympus")]
    [InlineData("--default-country", "Atlantis")]
    public async Task Validate_BadOption_ExitsTwo(string option, string value)
    {
        Assert.Equal(2, await CliApp.RunAsync(["validate", Crm, option, value]));
    }

    [Fact]
    public async Task Validate_AsProcess_PrintsNoRawIdentifiers()
    {
        using var tmp = new TempDir();
        var input = tmp.File("in.csv");
        File.WriteAllText(input, "email,phone,event_name,event_time\nsecret.person@example.com,+1 202 555 0123,SIGN_UP,1734567890\nnot-an-email-secret,,SIGN_UP,bad\n");
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "snapconv.dll"), "validate", input, "--rejects", tmp.File("rej.csv")])
        {
            RedirectStandardError = true, RedirectStandardOutput = true,
        };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(60_000));
        var all = await stdout + await stderr;
        Assert.Equal(0, p.ExitCode);
        Assert.Contains("rejected", all);
        Assert.DoesNotContain("secret", all);
        Assert.DoesNotContain("555", all);
    }
}
