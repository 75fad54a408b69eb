using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Snapconv.Jobs;
using Snapconv.Sources.Ledger;

namespace Snapconv.Cli.Tests.Jobs;

public class JobContactsTests
{
    private static string Sample => RepoPaths.Sample(Path.Combine("jobs", "hubspot-contacts.yaml"));

    /// <summary>The sample job file pointed at the sandbox and a temporary state folder (the source stays the sample folder).</summary>
    private static string SampleFor(Snapconv.Sandbox.RunningSandbox sb, string tokenEnv, TempDir dir)
    {
        var text = File.ReadAllText(Sample);
        text = Regex.Replace(text, @"(?m)^(\s*endpoint:) \S+", $"$1 {sb.BaseAddress}");
        text = Regex.Replace(text, @"(?m)^(\s*token_env:) \S+", $"$1 {tokenEnv}");
        text = Regex.Replace(text, @"(?m)^(\s*state_dir:) \S+", $"$1 {dir.File("state")}");
        text = Regex.Replace(text, @"(?m)^(\s*pixel_id:) \S+", $"$1 \"{sb.Pixels[0].PixelId}\"");
        text = Regex.Replace(text, @"(?m)^(\s*path:) \S+", $"$1 {RepoPaths.Sample(Path.Combine("presets", "hubspot-deals"))}");
        // The sample's 1 rejected row in 4 would trip the first-sample gate (>10% rejected): off here, as the sample's comment says.
        text = text.Replace("    # delivery: {sample_gate: false}", "    delivery: {sample_gate: false}", StringComparison.Ordinal);
        File.WriteAllText(dir.File("jobs.yaml"), text);
        return dir.File("jobs.yaml");
    }

    [Fact]
    public void SampleJobFile_Loads_WithPresetCurrencyAndContacts()
    {
        var job = Assert.Single(JobFileLoader.Load(Sample).Jobs);
        Assert.Equal("hubspot-deals", job.Mapping.PresetName);
        Assert.Equal("*-all-contacts-*.csv", job.ContactsPattern);
        Assert.Equal("USD", job.Mapping.Constants[Snapconv.Core.Mapping.TargetField.Currency]);
    }

    [Fact]
    public async Task Run_HubspotDealsWithContacts_DeliversTheExpectedEvents_ContactsNeitherDeliveredNorRecorded()
    {
        using var dir = new TempDir();
        await using var sandbox = await JobRunTests.Sandbox();
        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(tokenEnv, sandbox.Pixels[0].Token);
        var file = SampleFor(sandbox, tokenEnv, dir);

        Assert.Equal(0, await CliApp.RunAsync(["run", file, "--log-format", "json"]));

        var expected = File.ReadAllLines(RepoPaths.Sample("presets/hubspot-deals/expected/hubspot.events.ndjson"))
            .Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!).ToDictionary(n => n["event_id"]!.GetValue<string>());
        var stored = sandbox.GetEvents(sandbox.Pixels[0].PixelId).Select(e =>
        {
            using var d = e.Parse();
            return JsonNode.Parse(d.RootElement.GetRawText())!;
        }).ToList();
        Assert.Equal(expected.Keys.Order(), stored.Select(s => s["event_id"]!.GetValue<string>()).Order());
        foreach (var s in stored)
        {
            var want = expected[s["event_id"]!.GetValue<string>()];
            // The joined contacts' hashed e-mails and phones, the value and the currency, as `upload --contacts`.
            Assert.True(JsonNode.DeepEquals(want["user_data"], s["user_data"]), $"user_data of {s["event_id"]}: {s["user_data"]}");
            Assert.True(JsonNode.DeepEquals(want["custom_data"], s["custom_data"]), $"custom_data of {s["event_id"]}: {s["custom_data"]}");
            Assert.Equal(want["event_time"]!.GetValue<long>(), s["event_time"]!.GetValue<long>());
        }

        // Only the deals export is recorded as delivered; the contacts export is not.
        using (var ledger = new SourceLedger(dir.File("state"), TimeProvider.System))
        {
            Assert.Equal(ObjectState.Delivered, ledger.Find("hubspot-won-deals", "hubspot-crm-exports-all-deals-2026-11-02.csv")?.State);
            Assert.Null(ledger.Find("hubspot-won-deals", "hubspot-crm-exports-all-contacts-2026-11-02.csv"));
        }
        var report = Directory.GetFiles(dir.File("state/runs/hubspot-won-deals"), "*-report.json").Single();
        using (var r = JsonDocument.Parse(File.ReadAllText(report)))
        {
            Assert.Equal(1, r.RootElement.GetProperty("source_objects_read").GetInt32());
            Assert.Equal("hubspot-deals", r.RootElement.GetProperty("preset").GetString());
        }

        // Second run: nothing new (the contacts export alone delivers nothing).
        Assert.Equal(0, await CliApp.RunAsync(["run", file]));
        Assert.Equal(3, sandbox.GetEvents(sandbox.Pixels[0].PixelId).Count);
    }

    [Fact]
    public async Task Run_ContactsPatternMatchesNothing_IsSourceUnavailable_NothingDelivered()
    {
        using var dir = new TempDir();
        await using var sandbox = await JobRunTests.Sandbox();
        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(tokenEnv, sandbox.Pixels[0].Token);
        var file = SampleFor(sandbox, tokenEnv, dir);
        File.WriteAllText(file, File.ReadAllText(file).Replace("*-all-contacts-*.csv", "*-no-such-*.csv", StringComparison.Ordinal));
        var job = JobFileLoader.Load(file).Jobs[0];
        var r = await new JobRunner(new RunLog(LogFormat.Text, TimeProvider.System, new StringWriter()), TimeProvider.System).RunAsync(job, CancellationToken.None);
        Assert.Equal((JobOutcome.SourceUnavailable, 4), (r.Outcome, r.ExitCode));
        Assert.Contains("contacts.pattern", r.Message);
        Assert.Empty(sandbox.GetEvents(sandbox.Pixels[0].PixelId));
        using var ledger = new SourceLedger(dir.File("state"), TimeProvider.System);
        Assert.NotEqual(ObjectState.Delivered, ledger.Find("hubspot-won-deals", "hubspot-crm-exports-all-deals-2026-11-02.csv")?.State);
    }

    [Theory]
    [InlineData("preset: hubspot-deals\n    contacts: {pattern: \"*c*.csv\", folder: x}", "jobs[0].contacts.folder: unknown key")]
    [InlineData("preset: hubspot-deals\n    contacts: {}", "jobs[0].contacts.pattern: required")]
    [InlineData("preset: hubspot-deals\n    contacts: \"*c*.csv\"", "jobs[0].contacts: expected an object")]
    [InlineData("preset: pipedrive", "jobs[0].preset: 'pipedrive' is not a preset")]
    [InlineData("preset: hubspot-deals\n    mapping: {columns: {email: Email}}", "jobs[0].preset: preset and mapping are alternatives")]
    [InlineData("contacts: {pattern: \"*c*.csv\"}", "jobs[0].contacts: needs a preset or mapping with joins")]
    [InlineData("currency: Doubloons", "jobs[0].currency: 'Doubloons' is not an ISO 4217")]
    [InlineData("locale: xx-nowhere-1", "jobs[0].locale: 'xx-nowhere-1' is not a culture")]
    [InlineData("sheet: [a]", "jobs[0].sheet: expected a text value")]
    public void Loader_PresetKeys_ProblemsNameTheirPath(string keys, string error)
    {
        var yaml = $"jobs:\n  - name: j\n    pixel_id: p\n    {keys}\n    source: {{type: local, path: x}}\n";
        var e = Assert.Throws<JobFileException>(() => JobFileLoader.Parse(yaml, "j.yaml", "/tmp"));
        Assert.Contains(e.Errors, m => m.StartsWith(error, StringComparison.Ordinal));
    }

    [Fact]
    public void Loader_ContactsOnAnHttpSource_IsAnError_LocaleSheetCurrencyApplied()
    {
        var e = Assert.Throws<JobFileException>(() => JobFileLoader.Parse(
            "jobs:\n  - {name: j, pixel_id: p, preset: hubspot-deals, contacts: {pattern: x}, source: {type: http, url: \"http://127.0.0.1:1/x.csv\"}}\n", "j.yaml", "/tmp"));
        Assert.Contains(e.Errors, m => m.StartsWith("jobs[0].contacts: a http source offers one object", StringComparison.Ordinal));

        var job = JobFileLoader.Parse("defaults: {currency: eur, locale: de-DE}\njobs:\n  - {name: j, pixel_id: p, preset: zoho-deals, sheet: Deals, source: {type: local, path: x}}\n", "j.yaml", "/tmp").Jobs[0];
        Assert.Equal(("de-DE", "Deals", "EUR"), (job.Mapping.Locale, job.Mapping.Sheet, job.Mapping.Constants[Snapconv.Core.Mapping.TargetField.Currency]));
        Assert.Null(job.ContactsPattern);
    }
}
