using System.Text;
using Snapconv.Core.Pipeline;
using Snapconv.Delivery.Ledger;
using Snapconv.Delivery.Upload;
using Snapconv.Sandbox;

namespace Snapconv.Delivery.Tests.Upload;

public class UploadEndToEndTests
{
    [Fact]
    public async Task Upload_HappyPath_SandboxStoresExactlyTheAcceptedIds_AndRerunSendsNothing()
    {
        await using var sandbox = await DeliveryHarness.StartSandboxAsync();
        var dir = DeliveryHarness.TempDir();
        var file = DeliveryHarness.WriteSample(dir, 3_000);
        var options = DeliveryHarness.Options(sandbox, Path.Combine(dir, "state")) with { BatchSize = 500 };
        var conversion = DeliveryHarness.Conversion(options.PixelId);
        var outputs = new ConversionOutputs { ReportPath = Path.Combine(dir, "report.json"), RejectsPath = Path.Combine(dir, "rejects.csv") };

        var first = await new UploadRun(options, TimeProvider.System).ExecuteAsync([file], conversion, outputs, CancellationToken.None);

        Assert.Equal(UploadOutcome.Completed, first.Outcome);
        var expected = await DeliveryHarness.AcceptedIdsAsync(file, conversion, dir);
        var stored = DeliveryHarness.StoredIds(sandbox);
        Assert.Equal(first.Report.Accepted, stored.Count);
        Assert.Equal(expected.Order(), stored.Order());
        Assert.Equal(first.Report.Accepted, first.Stats.Acknowledged);
        Assert.Equal(first.Report.Accepted, first.Report.Extra["acknowledged"]);
        Assert.Contains("\"acknowledged\"", File.ReadAllText(outputs.ReportPath!));

        var again = await new UploadRun(options, TimeProvider.System).ExecuteAsync([file], conversion, outputs, CancellationToken.None);
        Assert.Equal(0, again.Stats.Sent);
        Assert.Equal(again.Report.Accepted, again.Stats.SkippedAlreadyAcknowledged);
        Assert.Equal(stored.Count, sandbox.GetCounters(options.PixelId).Stored);
        Assert.Equal(0, sandbox.GetCounters(options.PixelId).Duplicates);
    }

    [Fact]
    public async Task Ledger_AfterUpload_HoldsNoRawEmailPhoneOrToken()
    {
        await using var sandbox = await DeliveryHarness.StartSandboxAsync();
        var dir = DeliveryHarness.TempDir();
        var file = DeliveryHarness.WriteSample(dir, 1_000);
        var options = DeliveryHarness.Options(sandbox, Path.Combine(dir, "state"));
        await new UploadRun(options, TimeProvider.System).ExecuteAsync([file], DeliveryHarness.Conversion(options.PixelId), new ConversionOutputs(), CancellationToken.None);

        var bytes = Directory.GetFiles(Path.Combine(dir, "state")).SelectMany(File.ReadAllBytes).ToArray();
        var text = Encoding.Latin1.GetString(bytes);
        Assert.DoesNotContain(options.Token, text, StringComparison.Ordinal);
        var lines = File.ReadLines(file).Skip(1).Take(300).Select(l => l.Split(',')).ToList();
        foreach (var cols in lines)
        {
            var email = cols[2].Trim().ToLowerInvariant();
            if (email.Length > 3) Assert.DoesNotContain(email, text, StringComparison.OrdinalIgnoreCase);
            var digits = new string(cols[3].Where(char.IsAsciiDigit).ToArray());
            if (digits.Length >= 10) Assert.DoesNotContain(digits, text, StringComparison.Ordinal);
            if (cols[0].Length > 4) Assert.DoesNotContain(cols[0], text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Upload_SandboxRejectsWhatClientAccepts_RowsInRejectsWithSnapCode_RestAcknowledged()
    {
        await using var sandbox = await DeliveryHarness.StartSandboxAsync();
        var dir = DeliveryHarness.TempDir();
        var options = DeliveryHarness.Options(sandbox, Path.Combine(dir, "state")) with { BatchSize = 100 };
        // Sent as crafted events: the core would never emit these, the sandbox rejects them.
        var bad = new HashSet<int> { 5, 150, 151, 299 };
        var events = Enumerable.Range(0, 300).Select(i =>
        {
            var e = DeliveryHarness.Event(i);
            if (bad.Contains(i)) e.UserData.Em = ["not-a-hash@example.com"];
            return e;
        });
        var run = new UploadRun(options, TimeProvider.System);
        var rejects = await run.SendEventsAsync(events, CancellationToken.None);

        Assert.Equal(bad.Select(i => (long)i + 1).Order(), rejects.Select(r => r.Row.Row).Order());
        Assert.All(rejects, r => Assert.Equal("UNHASHED_USER_DATA", r.Code));
        Assert.All(rejects, r => Assert.DoesNotContain(";", r.Code));
        Assert.All(rejects, r => Assert.Contains("user_data.em", r.Message));
        Assert.Equal(300 - bad.Count, run.Stats.Acknowledged);
        Assert.Equal(300 - bad.Count, sandbox.GetCounters(options.PixelId).Stored);
    }

    [Fact]
    public async Task Sink_ApiRejectedRows_LandInRejectsFileWithSnapsCodeFileAndRow()
    {
        await using var sandbox = await DeliveryHarness.StartSandboxAsync();
        var dir = DeliveryHarness.TempDir();
        var options = DeliveryHarness.Options(sandbox, Path.Combine(dir, "state")) with { BatchSize = 40, SampleGate = false };
        string[] headers = ["order_id", "email"];
        var file = new InputFile("crm.csv", headers, Snapconv.Core.Mapping.BoundMapping.Bind(Snapconv.Core.Mapping.MappingSpec.Empty, headers, "crm.csv"));
        var stats = new DeliveryStats();
        var rejectsPath = Path.Combine(dir, "rejects.csv");
        using var client = new Snapconv.Delivery.Capi.CapiClient(options, TimeProvider.System);
        using (var ledger = new SqliteDeliveryLedger(options.StateDir, TimeProvider.System))
        using (var rejects = new Snapconv.Core.Output.RejectsWriter(rejectsPath))
        {
            await using var sink = new DeliverySink(options, ledger, client, TimeProvider.System, stats, CancellationToken.None);
            var report = new RunReport();
            for (var i = 0; i < 100; i++)
            {
                var e = DeliveryHarness.Event(i);
                if (i is 7 or 60) e.UserData.Em = ["plain@example.com"];
                report.Rows++;
                await sink.AcceptAsync(new AcceptedEvent(e, new Snapconv.Core.Validation.RowRef("crm.csv", i + 1), file, [e.EventId, "x"]), report, CancellationToken.None);
            }
            // The sink answers with an outcome the run records (#17: the contract runs one way).
            (await sink.CompleteAsync(report, CancellationToken.None)).ApplyTo(report, rejects);
            rejects.Complete();
            Assert.Equal(98, report.Extra["acknowledged"]);
            Assert.Equal(2, report.Extra["rejected_by_api"]);
        }
        var lines = File.ReadAllLines(rejectsPath);
        Assert.Equal("order_id,email,row,file,reason,field,code,message", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("order-7,x,8,crm.csv,UNHASHED_USER_DATA,,UNHASHED_USER_DATA,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("order-60,x,61,crm.csv,", StringComparison.Ordinal));
        Assert.Equal(98, sandbox.GetCounters(options.PixelId).Stored);
    }

    [Fact]
    public async Task Upload_429Storm_AllAcknowledged_ThrottledCounted()
    {
        await using var sandbox = await DeliveryHarness.StartSandboxAsync(new SandboxOptions { Qps = 4 });
        var dir = DeliveryHarness.TempDir();
        var options = DeliveryHarness.Options(sandbox, Path.Combine(dir, "state")) with { BatchSize = 50, Concurrency = 8, Qps = 1000 };
        var run = new UploadRun(options, TimeProvider.System);
        var rejects = await run.SendEventsAsync(Enumerable.Range(0, 800).Select(i => DeliveryHarness.Event(i)), CancellationToken.None);

        Assert.Empty(rejects);
        Assert.True(run.Stats.Throttled > 0);
        Assert.Equal(800, run.Stats.Acknowledged);
        Assert.Equal(0, run.Stats.FailedPending);
        Assert.Equal(800, sandbox.GetCounters(options.PixelId).Stored);
    }

    [Fact]
    public async Task Upload_FailRateAndLostAcks_SandboxCountEqualsValidRowsExactly()
    {
        await using var sandbox = await DeliveryHarness.StartSandboxAsync(new SandboxOptions { FailRate = 0.3, LoseAckRate = 0.1, Seed = 1234 });
        var dir = DeliveryHarness.TempDir();
        var file = DeliveryHarness.WriteSample(dir, 4_000, seed: 7);
        var options = DeliveryHarness.Options(sandbox, Path.Combine(dir, "state")) with { BatchSize = 100, Concurrency = 4 };
        var conversion = DeliveryHarness.Conversion(options.PixelId);
        var result = await new UploadRun(options, TimeProvider.System).ExecuteAsync([file], conversion, new ConversionOutputs(), CancellationToken.None);

        Assert.Equal(UploadOutcome.Completed, result.Outcome);
        Assert.True(result.Stats.Retries > 0);
        var expected = await DeliveryHarness.AcceptedIdsAsync(file, conversion, dir);
        var stored = DeliveryHarness.StoredIds(sandbox);
        Assert.Equal(expected.Count, stored.Count);
        Assert.Equal(expected.Order(), stored.Order());
    }

    [Fact]
    public async Task Upload_MostRowsInvalid_SampleGateStopsBeforeSending()
    {
        await using var sandbox = await DeliveryHarness.StartSandboxAsync();
        var dir = DeliveryHarness.TempDir();
        var file = DeliveryHarness.WriteSample(dir, 1_500, invalidRate: 0.6);
        var options = DeliveryHarness.Options(sandbox, Path.Combine(dir, "state"));
        var outputs = new ConversionOutputs { ReportPath = Path.Combine(dir, "r.json"), RejectsPath = Path.Combine(dir, "rej.csv") };
        var r = await new UploadRun(options, TimeProvider.System).ExecuteAsync([file], DeliveryHarness.Conversion(options.PixelId), outputs, CancellationToken.None);

        Assert.Equal(UploadOutcome.SampleGateTripped, r.Outcome);
        Assert.Equal(0, r.Stats.Sent);
        Assert.Equal(0, sandbox.GetCounters(options.PixelId).Received);
        Assert.True(File.ReadAllLines(outputs.RejectsPath!).Length > 100);

        var forced = await new UploadRun(options with { SampleGate = false }, TimeProvider.System).ExecuteAsync([file], DeliveryHarness.Conversion(options.PixelId), outputs, CancellationToken.None);
        Assert.Equal(UploadOutcome.Completed, forced.Outcome);
        Assert.Equal(forced.Report.Accepted, sandbox.GetCounters(options.PixelId).Stored);
    }

    [Fact]
    public async Task Upload_WrongToken_FatalNamesPixelNeverToken_EventsStayPending()
    {
        await using var sandbox = await DeliveryHarness.StartSandboxAsync();
        var dir = DeliveryHarness.TempDir();
        var file = DeliveryHarness.WriteSample(dir, 500);
        var options = DeliveryHarness.Options(sandbox, Path.Combine(dir, "state")) with { Token = "wrong-token-value-123" };
        var e = await Assert.ThrowsAsync<DeliveryFatalException>(() =>
            new UploadRun(options, TimeProvider.System).ExecuteAsync([file], DeliveryHarness.Conversion(options.PixelId), new ConversionOutputs(), CancellationToken.None));
        Assert.Contains(options.PixelId, e.Message);
        Assert.DoesNotContain(options.Token, e.Message);
        Assert.Equal(401, e.HttpStatus);

        var ok = await new UploadRun(options with { Token = sandbox.Pixels[0].Token }, TimeProvider.System)
            .ExecuteAsync([file], DeliveryHarness.Conversion(options.PixelId), new ConversionOutputs(), CancellationToken.None);
        Assert.Equal(UploadOutcome.Completed, ok.Outcome);
        Assert.Equal(ok.Report.Accepted, sandbox.GetCounters(options.PixelId).Stored);
    }

    [Fact]
    public async Task Upload_DryRun_NothingStoredNothingInLedger()
    {
        await using var sandbox = await DeliveryHarness.StartSandboxAsync();
        var dir = DeliveryHarness.TempDir();
        var file = DeliveryHarness.WriteSample(dir, 300);
        var options = DeliveryHarness.Options(sandbox, Path.Combine(dir, "state")) with { DryRun = true };
        var r = await new UploadRun(options, TimeProvider.System).ExecuteAsync([file], DeliveryHarness.Conversion(options.PixelId), new ConversionOutputs(), CancellationToken.None);
        Assert.Equal(r.Report.Accepted, r.Stats.Acknowledged);
        Assert.Equal(0, sandbox.GetCounters(options.PixelId).Stored);
        Assert.False(File.Exists(Path.Combine(dir, "state", SqliteDeliveryLedger.FileName)));
    }

    [Fact]
    public void Options_Defaults_AndEveryErrorNamed()
    {
        var o = new UploadOptions();
        Assert.Equal(2_000, o.BatchSize);
        Assert.Equal(8, o.Concurrency);
        Assert.Equal(500, o.Qps);
        Assert.Equal(TimeSpan.FromSeconds(1), o.Retry.BaseDelay);
        Assert.Equal(8, o.Retry.MaxAttempts);
        // #17: errors carry the option's key (the CLI shows it as the flag, a job file under its path).
        var errors = (o with { BatchSize = 2_001, Concurrency = 0 }).Validate().Select(e => e.ToString()).ToList();
        Assert.Equal(
        [
            "batch_size: must be 1–2000 (was 2001).",
            "concurrency: must be 1–256 (was 0).",
            "pixel_id: required, a Pixel ID without '/' or '?'.",
            "token: empty; set SNAPCONV_ACCESS_TOKEN (or --token-env NAME) or give --token-file.",
        ], errors);
        Assert.DoesNotContain("secret", (o with { Token = "secret" }).ToString());
    }

    [Fact]
    public async Task Doctor_GoodAndBadPixel()
    {
        await using var sandbox = await DeliveryHarness.StartSandboxAsync();
        var options = DeliveryHarness.Options(sandbox, DeliveryHarness.TempDir());
        var good = await Snapconv.Delivery.Capi.Doctor.CheckAsync(options, TimeProvider.System, CancellationToken.None);
        Assert.True(good.Ok);
        var bad = await Snapconv.Delivery.Capi.Doctor.CheckAsync(options with { PixelId = "no-such-pixel" }, TimeProvider.System, CancellationToken.None);
        Assert.False(bad.Ok);
        Assert.True(bad.Fatal);
        Assert.Contains(bad.Checks, c => c.Name == "pixel" && !c.Ok);
    }
}
