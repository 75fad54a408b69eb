using Microsoft.Extensions.Time.Testing;
using Snapconv.Delivery.Resilience;
using Snapconv.Delivery.Upload;
using Snapconv.Jobs;

namespace Snapconv.Cli.Tests.Jobs;

// #17: one options path, the clock from the composition root, exit codes and failure kinds in one place, one report writer.
public class JobOptionsClockTests
{
    [Fact]
    public void RunLog_TextLine_TakesItsTimeFromTheInjectedClock()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero));
        var w = new StringWriter();
        var log = new RunLog(LogFormat.Text, clock, w);
        log.Info("shop", "start", "run started");
        clock.Advance(TimeSpan.FromMinutes(2));
        log.Info("shop", "finish", "run finished");
        Assert.Equal(["05:06:07 INFO  [shop] run started", "05:08:07 INFO  [shop] run finished"],
            w.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void JobFile_Delivery_BindsToUploadOptions_OmittedKeysKeepTheirDefaults()
    {
        var file = JobFileLoader.Parse(
            "jobs:\n  - {name: a, pixel_id: p, source: {type: local, path: x}, delivery: {auth: header, concurrency: 3}}\n" +
            "  - {name: b, pixel_id: p, source: {type: local, path: x}}\n", "j.yaml", "/tmp");
        var a = file.Jobs[0].Delivery;
        Assert.Equal((AuthMode.Header, 3), (a.Auth, a.Concurrency));
        Assert.Equal((UploadOptions.SnapMaxEvents, UploadOptions.DefaultQps, true), (a.BatchSize, a.Qps, a.SampleGate));
        Assert.Equal(new UploadOptions(), file.Jobs[1].Delivery);
        Assert.Equal((UploadOptions.DefaultTokenEnv, new Uri(UploadOptions.DefaultEndpoint)), (file.Jobs[1].TokenEnv, file.Jobs[1].Endpoint));
    }

    [Fact]
    public void JobFile_DeliveryOutOfRange_NamesThePathAndTheUploadOptionsRange()
    {
        var e = Assert.Throws<JobFileException>(() => JobFileLoader.Parse(
            "jobs:\n  - {name: a, pixel_id: p, source: {type: local, path: x}, delivery: {concurrency: 257, qps: 0}}\n", "j.yaml", "/tmp"));
        // The range is UploadOptions' own [Range], in the one wording of range errors (#17).
        Assert.Equal(["jobs[0].delivery.concurrency: must be 1–256 (was 257).", "jobs[0].delivery.qps: must be 0.1–100000 (was 0)."], e.Errors);
    }

    [Theory]
    [InlineData(JobOutcome.Completed, 0, null)]
    [InlineData(JobOutcome.NothingNew, 0, null)]
    [InlineData(JobOutcome.PendingLeft, 4, FailureKind.Retriable)]
    [InlineData(JobOutcome.SourceUnavailable, 4, FailureKind.Retriable)]
    [InlineData(JobOutcome.Canceled, 130, FailureKind.Retriable)]
    [InlineData(JobOutcome.SampleGate, 3, FailureKind.Row)]
    [InlineData(JobOutcome.InvalidInput, 2, FailureKind.Fatal)]
    [InlineData(JobOutcome.Failed, 1, FailureKind.Fatal)]
    public void JobRunResult_EachOutcome_HasItsExitCodeAndFailureKind(JobOutcome outcome, int code, FailureKind? kind)
    {
        var r = new JobRunResult { Job = "j", StartedAt = DateTimeOffset.UnixEpoch, Outcome = outcome };
        Assert.Equal(code, r.ExitCode);
        Assert.Equal(kind, ExitCode.KindOf(r.ExitCode));
    }

    [Fact]
    public async Task Run_ReportOnDisk_IsTheRunsFinalReport_WithDeliveryAndSourceCounters()
    {
        using var dir = new TempDir();
        await using var sandbox = await JobRunTests.Sandbox();
        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(tokenEnv, sandbox.Pixels[0].Token);
        Directory.CreateDirectory(dir.File("in"));
        JobRunTests.WriteRows(dir.File("in/a.csv"), 120, 31);
        File.WriteAllText(dir.File("jobs.yaml"), JobRunTests.JobYaml(sandbox, tokenEnv, ("shop", "in", null)));
        var job = JobFileLoader.Load(dir.File("jobs.yaml")).Jobs[0] with { Delivery = new UploadOptions { SampleGate = false } };
        var runner = new JobRunner(new RunLog(LogFormat.Text, TimeProvider.System, new StringWriter()), TimeProvider.System)
        {
            Retry = new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(20) },
        };

        var r = await runner.RunAsync(job, CancellationToken.None);

        Assert.Equal(JobOutcome.Completed, r.Outcome);
        using var expected = new MemoryStream();
        r.Report!.WriteJson(expected);
        Assert.Equal(expected.ToArray(), File.ReadAllBytes(r.ReportPath!));
        Assert.Equal(1L, r.Report.Extra["source_objects_read"]);
        Assert.Equal((long)r.Report.Accepted, r.Report.Extra["acknowledged"]);
    }
}
