using System.Text.Json;
using Snapconv.Cli.Console;
using Spectre.Console;

namespace Snapconv.Cli.Tests.Commands;

/// <summary>#15 §3: a plain export works without a mapping file; usage errors exit 2 everywhere; the summary shows the mapping.</summary>
[Collection("console")]
public class PlainExportTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var (oldOut, oldErr) = (System.Console.Out, System.Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        System.Console.SetOut(o);
        System.Console.SetError(e);
        try { return (await CliApp.RunAsync(args), o.ToString(), e.ToString()); }
        finally { System.Console.SetOut(oldOut); System.Console.SetError(oldErr); }
    }

    /// <summary>A store's sales export as a point-of-sale system writes it: no event-name column.</summary>
    private static string WriteSales(TempDir tmp, int rows = 20)
    {
        var lines = new List<string> { "Order ID,Order Date,Customer Email,Billing Phone,Shipping Phone,Billing Zip,Device ID,Order Total,Currency" };
        var day = DateTimeOffset.UtcNow.AddDays(-3).ToString("yyyy-MM-dd HH:mm:ss");
        for (var i = 0; i < rows; i++)
            lines.Add($"S-{1000 + i},{day},shopper{i}@example.com,+1 415 555 {2000 + i:0000},,9410{i % 10},pos-device-7,{10 + i}.50,USD");
        var path = tmp.File("sales.csv");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public async Task Validate_SquareLikeFileWithoutPresetAndEventName_GivesThatEvent() // #15
    {
        // Square's Event Type (Payment, Refund) is found by its header but names no Snap event: --event-name decides.
        using var tmp = new TempDir();
        var day = DateTimeOffset.UtcNow.AddDays(-2).ToString("yyyy-MM-dd");
        var path = tmp.File("transactions.csv");
        File.WriteAllLines(path, ["Date,Time,Transaction ID,Event Type,Total Collected,Customer Email",
            $"{day},10:00:00,T1,Payment,12.50,ann@example.com", $"{day},11:00:00,T2,Payment,8.00,bo@example.com"]);

        var (code, _, _) = await Run("validate", path, "--event-name", "PURCHASE", "--currency", "USD",
            "--events-out", tmp.File("ev.ndjson"), "--report", tmp.File("r.json"));

        Assert.Equal(0, code);
        var names = File.ReadAllLines(tmp.File("ev.ndjson")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event_name").GetString());
        Assert.Equal(["PURCHASE", "PURCHASE"], names);
    }

    [Fact]
    public async Task Validate_CurrencyOfAnOldExport_WithdrawnCode_KeptForEventsBeforeItsReplacement()
    {
        // ISO withdrew ANG when XCG came on 2025-03-31: --currency ANG is an old export's, checked row by row.
        using var tmp = new TempDir();
        var path = tmp.File("sales.csv");
        File.WriteAllLines(path, ["order_id,transaction_date,email,amount", "A1,2025-01-10T10:00:00Z,ann@example.com,12.50",
            "A2,2025-06-10T10:00:00Z,bo@example.com,8.00"]);

        var (code, _, _) = await Run("validate", path, "--event-name", "PURCHASE", "--currency", "ang",
            "--events-out", tmp.File("ev.ndjson"), "--rejects", tmp.File("rejects.csv"), "--report", tmp.File("r.json"));

        Assert.Equal(0, code);
        var ev = JsonDocument.Parse(Assert.Single(File.ReadAllLines(tmp.File("ev.ndjson")))).RootElement;
        Assert.Equal("A1", ev.GetProperty("event_id").GetString());
        Assert.Equal("ANG", ev.GetProperty("custom_data").GetProperty("currency").GetString());
        var rejects = File.ReadAllText(tmp.File("rejects.csv"));
        Assert.Contains("INVALID_CURRENCY", rejects);
        Assert.Contains("XCG replaced it on 2025-03-31", rejects);
    }

    public static TheoryData<string[]> EveryCommand() => new()
    {
        new[] { "demo" }, new[] { "validate", "x.csv" }, new[] { "preprocess", "x.csv", "-o", "y.csv" },
        new[] { "upload", "x.csv", "--pixel-id", "p" }, new[] { "doctor", "--pixel-id", "p" }, new[] { "run", "jobs.yaml" },
        new[] { "serve", "jobs.yaml" }, new[] { "presets" }, new[] { "presets", "show", "salesforce" }, new[] { "sandbox" },
    };

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task Command_UnknownOption_ExitsTwoWithOneLine(string[] command) // #15
    {
        var (code, output, err) = await Run([.. command, "--bogus"]);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains("'--bogus'", line);
        Assert.Contains($"See `snapconv {string.Join(' ', command.TakeWhile(a => a is "presets" or "show" || command[0] == a))} --help`.", line);
        Assert.DoesNotContain("Usage:", err);
    }

    [Fact]
    public async Task Upload_WithoutPixelId_ExitsTwoNamingTheOption() // #15
    {
        var (code, _, err) = await Run("upload", "x.csv");
        Assert.Equal(2, code);
        Assert.Contains("--pixel-id", err);
        Assert.StartsWith("error: ", err);
    }

    [Fact]
    public async Task NoCommand_PrintsTheCommandsExitsTwo()
    {
        var (code, output, _) = await Run();
        Assert.Equal(2, code);
        Assert.Contains("validate", output);
        Assert.Contains("upload", output);
    }

    [Fact]
    public async Task Upload_HelpWithoutRequiredOption_ShowsHelpExitsZero()
    {
        var (code, output, _) = await Run("upload", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--pixel-id", output);
    }

    [Fact]
    public async Task Validate_PlainSalesWithoutEventName_EveryRowRejectedAndSummaryNamesEventNameFlag() // #15
    {
        using var tmp = new TempDir();
        var sales = WriteSales(tmp);
        var (code, _, err) = await Run("validate", sales, "--report", tmp.File("r.json"));
        Assert.Equal(0, code);
        using var report = JsonDocument.Parse(File.ReadAllBytes(tmp.File("r.json")));
        Assert.Equal(20, report.RootElement.GetProperty("rejected_by_reason").GetProperty("MISSING_EVENT_NAME").GetInt64());
        var hint = Assert.Single(err.Split('\n'), l => l.Contains("MISSING_EVENT_NAME (the file names no event)", StringComparison.Ordinal));
        Assert.Contains($"{sales}: all 20 rows were rejected", hint);
        Assert.Contains("pass --event-name PURCHASE", hint);
    }

    [Fact]
    public async Task Validate_PlainSalesWithEventName_EveryRowAPurchaseAndSummaryShowsTheMapping() // #15
    {
        using var tmp = new TempDir();
        var sales = WriteSales(tmp);
        var (code, _, err) = await Run("validate", sales, "--event-name", "purchase", "--report", tmp.File("r.json"), "--events-out", tmp.File("e.ndjson"));
        Assert.True(code == 0, err);
        using var report = JsonDocument.Parse(File.ReadAllBytes(tmp.File("r.json")));
        Assert.Equal(20, report.RootElement.GetProperty("accepted").GetInt64());
        var events = File.ReadAllLines(tmp.File("e.ndjson")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(events, e => Assert.Equal("PURCHASE", e.GetProperty("event_name").GetString()));
        Assert.All(events, e => Assert.False(e.GetProperty("user_data").TryGetProperty("madid", out _), "Device ID is not an advertising id"));
        Assert.DoesNotContain("--event-name PURCHASE", err);
        // This file's line only: a CLI run of another test class may write its own summary to the captured stderr meanwhile.
        var mapping = Assert.Single(err.Split('\n'), l => l.StartsWith($"mapping: {sales}:", StringComparison.Ordinal));
        Assert.Equal($"mapping: {sales}: Order ID → order_id, Order Date → event_time, Customer Email → em, Billing Phone → ph, Shipping Phone → ph, " +
            "Billing Zip → zp, Order Total → value, Currency → currency", mapping.TrimEnd('\r'));
    }

    [Fact]
    public async Task Validate_InvalidEventName_ExitsTwo() // #15
    {
        using var tmp = new TempDir();
        var (code, _, err) = await Run("validate", WriteSales(tmp), "--event-name", "SALE");
        Assert.Equal(2, code);
        Assert.Contains("error: --event-name 'SALE' is not one of Snap's event names", err);
    }

    [Fact]
    public void Recognised_ManyColumns_ShortenedAndSecondFileWithSameColumnsNotRepeated() // #15
    {
        var report = new Core.Pipeline.RunReport();
        var columns = Enumerable.Range(1, 13).Select(i => $"Phone {i} → ph").ToList();
        report.InputFiles.Add(new Core.Pipeline.FileReport("a.csv") { MappedColumns = columns });
        report.InputFiles.Add(new Core.Pipeline.FileReport("b.csv") { MappedColumns = columns });
        report.InputFiles.Add(new Core.Pipeline.FileReport("c.csv"));
        var lines = RunSummary.Recognised(report).ToList();
        Assert.Equal(3, lines.Count);
        Assert.StartsWith("a.csv: Phone 1 → ph, ", lines[0]);
        Assert.EndsWith("Phone 10 → ph, … +3 more (all in the report)", lines[0]);
        Assert.Equal("b.csv: as a.csv", lines[1]);
        Assert.StartsWith("c.csv: no column recognised", lines[2]);
        report.InputFiles[0].MappedColumns = columns[..11];
        Assert.EndsWith("Phone 10 → ph, Phone 11 → ph", RunSummary.Recognised(report).First());
        report.Preset = "shopify-orders";
        Assert.Equal(["preset shopify-orders"], RunSummary.Recognised(report));
    }

    [Fact]
    public void Terminal_Redirected_WideTableRowStaysOnOneLine() // #15: logs and CI used to wrap at 80 columns
    {
        var w = new StringWriter();
        var console = Terminal.Create(w, redirected: true);
        var cell = string.Join(" ", Enumerable.Range(0, 30).Select(i => $"col{i:00}"));
        console.Write(new Table().AddColumn("k").AddColumn("v").AddRow("mapped", cell));
        var rows = w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(rows, r => r.Contains("col00", StringComparison.Ordinal) && r.Contains("col29", StringComparison.Ordinal));
        Assert.True(cell.Length > 80);
    }

    [Fact]
    public async Task Demo_InputPlainSalesWithEventName_ReadAsUploadAndEveryEventArrives() // #15
    {
        using var tmp = new TempDir();
        var sales = WriteSales(tmp, rows: 30);
        var (code, _, err) = await Run("demo", "--input", sales, "--event-name", "PURCHASE", "--dir", tmp.File("demo"));
        Assert.True(code == 0, err);
        using var report = JsonDocument.Parse(File.ReadAllBytes(tmp.File("demo/report.json")));
        Assert.Equal(30, report.RootElement.GetProperty("acknowledged").GetInt64());
        Assert.Contains("every accepted event arrived once", err);
    }

    [Fact]
    public async Task Demo_InputStoppedBySampleGate_SaysSoAndClaimsNoArrival() // #15
    {
        using var tmp = new TempDir();
        var (code, _, err) = await Run("demo", "--input", WriteSales(tmp), "--dir", tmp.File("demo"));
        Assert.Equal(3, code);
        Assert.Contains("the demo stopped before sending", err);
        Assert.Contains("--event-name PURCHASE", err);
        Assert.DoesNotContain("every accepted event arrived once", err);
    }

    [Fact]
    public async Task Demo_InputStoppedBySampleGate_NoSampleGateSendsTheRest() // #15
    {
        using var tmp = new TempDir();
        var (code, _, err) = await Run("demo", "--input", WriteSales(tmp), "--dir", tmp.File("demo"), "--no-sample-gate");
        Assert.True(code == 0, err);
        Assert.Contains("every accepted event arrived once", err);
    }

    [Fact]
    public async Task Demo_InputWithPreset_RecognisesItAsUploadDoes() // #15
    {
        using var tmp = new TempDir();
        var deals = RepoPaths.Sample("presets/zoho-deals/Deals_2026_11_02.csv");
        var (code, _, err) = await Run("demo", "--input", deals, "--dir", tmp.File("demo"), "--contacts", RepoPaths.Sample("presets/zoho-deals/Contacts_2026_11_02.csv"), "--no-sample-gate");
        Assert.True(code == 0, err);
        Assert.Contains("mapping: preset zoho-deals", err);
        using var report = JsonDocument.Parse(File.ReadAllBytes(tmp.File("demo/report.json")));
        Assert.Equal("zoho-deals", report.RootElement.GetProperty("preset").GetString());
        Assert.True(report.RootElement.GetProperty("acknowledged").GetInt64() > 0);
    }
}
