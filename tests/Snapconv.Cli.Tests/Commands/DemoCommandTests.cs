using System.Text.Json;

namespace Snapconv.Cli.Tests.Commands;

/// <summary><c>snapconv demo</c>, the README's main command: generated export → in-process sandbox → what arrived.</summary>
public class DemoCommandTests
{
    [Fact]
    public async Task Demo_GeneratedSample_EveryAcceptedEventAcknowledged_RejectsAndDuplicatesReported()
    {
        using var tmp = new TempDir();
        Assert.Equal(0, await CliApp.RunAsync(["demo", "--rows", "1500", "--dir", tmp.Path]));

        using var report = JsonDocument.Parse(File.ReadAllBytes(tmp.File("report.json")));
        var r = report.RootElement;
        var accepted = r.GetProperty("accepted").GetInt64();
        var rejected = r.GetProperty("rejected").GetInt64();
        Assert.Equal(1500, r.GetProperty("rows").GetInt64());
        Assert.False(r.TryGetProperty("filtered", out _), "no filter rule applies to the generated export");
        Assert.Equal(1500, accepted + rejected + r.GetProperty("duplicates").GetInt64());
        Assert.True(rejected > 0, "the generated export carries invalid rows");
        Assert.True(r.GetProperty("duplicates").GetInt64() > 0, "the generated export repeats rows");
        Assert.Equal(accepted, r.GetProperty("sent").GetInt64());
        Assert.Equal(accepted, r.GetProperty("acknowledged").GetInt64());
        Assert.Equal(0, r.GetProperty("failed_pending").GetInt64());
        // Every rejected row is in the rejects file (the generated rows hold no line breaks): header + one line each.
        Assert.Equal(rejected + 1, File.ReadAllLines(tmp.File("rejects.csv")).Length);
    }

    [Fact]
    public async Task Demo_RunTwiceInOneDir_SendsEverythingAgainToTheNewSandbox()
    {
        using var tmp = new TempDir();
        Assert.Equal(0, await CliApp.RunAsync(["demo", "--rows", "300", "--dir", tmp.Path]));
        // A new sandbox each time: the demo's own ledger is reset, or the second run would skip every event.
        Assert.Equal(0, await CliApp.RunAsync(["demo", "--rows", "300", "--dir", tmp.Path]));
        using var report = JsonDocument.Parse(File.ReadAllBytes(tmp.File("report.json")));
        var r = report.RootElement;
        Assert.Equal(0, r.GetProperty("skipped_already_acknowledged").GetInt64());
        Assert.Equal(r.GetProperty("accepted").GetInt64(), r.GetProperty("acknowledged").GetInt64());
    }

    [Fact]
    public async Task Demo_MissingInput_ExitsUsageNamingTheFile()
    {
        using var tmp = new TempDir();
        Assert.Equal(2, await CliApp.RunAsync(["demo", "--input", tmp.File("nope.csv"), "--dir", tmp.Path]));
    }

    [Fact]
    public async Task Demo_InputWithEncodingOption_ReadsTheFileInThatEncoding()
    {
        // #15: demo --input reads a file as upload does, --encoding too. C3 A9 is "é" in UTF-8 (what detection would
        // say) and "Ã©" in windows-1252 (what the user says).
        using var tmp = new TempDir();
        var input = tmp.File("in.csv");
        var time = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds();
        File.WriteAllBytes(input, [.. System.Text.Encoding.ASCII.GetBytes("email,external_id,event_name,event_time,currency,value\nm@example.com,K"),
            0xC3, 0xA9, .. System.Text.Encoding.ASCII.GetBytes($"7,PURCHASE,{time},EUR,10\n")]);

        var code = await CliApp.RunAsync(["demo", "--input", input, "--encoding", "windows-1252", "--dir", tmp.Path, "--events-out", tmp.File("ev.ndjson")]);

        Assert.Equal(0, code);
        var user = JsonDocument.Parse(File.ReadAllLines(tmp.File("ev.ndjson")).Single()).RootElement.GetProperty("user_data");
        Assert.Equal(EncodingCommandTests.Sha256("k\u00e3\u00a97"), user.GetProperty("external_id").GetString());
        using var report = JsonDocument.Parse(File.ReadAllBytes(tmp.File("report.json")));
        Assert.Equal(1, report.RootElement.GetProperty("acknowledged").GetInt64());
        Assert.Equal("windows-1252", report.RootElement.GetProperty("input_files")[0].GetProperty("encoding").GetString());
    }
}
