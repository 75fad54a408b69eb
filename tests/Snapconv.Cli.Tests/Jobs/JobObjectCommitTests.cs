using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Samples;
using Snapconv.Delivery.Resilience;
using Snapconv.Jobs;
using Snapconv.Sources.Ledger;

namespace Snapconv.Cli.Tests.Jobs;

// #17: an object of a source is committed when its own events settled, not at the end of the whole run.
public class JobObjectCommitTests
{
    private const int Objects = 10;
    private const int SettledBeforeStop = 4;

    /// <summary>Releases <see cref="Committed"/> once per commit line of the run log.</summary>
    private sealed class CommitSignal : StringWriter
    {
        public SemaphoreSlim Committed { get; } = new(0);

        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value?.Contains("\"step\":\"commit\"", StringComparison.Ordinal) == true) Committed.Release();
        }
    }

    [Fact]
    public async Task Run_StoppedAfterSomeObjectsSettled_CommitsThose_NextRunReadsOnlyTheRest()
    {
        using var dir = new TempDir();
        await using var sandbox = await JobRunTests.Sandbox();
        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(tokenEnv, sandbox.Pixels[0].Token);
        Directory.CreateDirectory(dir.File("in"));
        var start = DateTimeOffset.UtcNow;
        for (var i = 0; i < Objects; i++)
        {
            // One valid purchase an object, a day old: Snap acknowledges each.
            var time = start.AddDays(-1).AddMinutes(i).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            File.WriteAllText(dir.File($"in/o{i:D2}.csv"),
                $"{SyntheticConversions.LeanHeader}\nORD-{i}-1,{time},buyer{i}@example.com,+1415555{i:D4},19.99,USD,PURCHASE\n");
        }
        // One event an object and one request a batch; at 1 request a second on a fake clock, a request goes out
        // only when the test moves the clock, so the run stops with exactly the first objects settled.
        File.WriteAllText(dir.File("jobs.yaml"), JobRunTests.JobYaml(sandbox, tokenEnv, ("shop", "in", null))
            .Replace("defaults:\n", "defaults:\n  delivery: {sample_gate: false, batch_size: 1, qps: 1, concurrency: 1}\n", StringComparison.Ordinal));
        var job = JobFileLoader.Load(dir.File("jobs.yaml")).Jobs[0];
        var clock = new FakeTimeProvider(start);
        var log = new CommitSignal();
        var retry = new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(20), MaxAttempts = 20 };
        var runner = new JobRunner(new RunLog(LogFormat.Json, clock, log), clock) { Retry = retry };

        using var stop = new CancellationTokenSource();
        var running = runner.RunAsync(job, stop.Token);
        // A retry's backoff (1-20 ms) waits on the fake clock too: while a commit is late the clock is nudged by 20 ms, at
        // most 10 times in the whole test (200 ms, well below the 1 s between two requests at qps 1).
        var nudges = 0;
        async Task<bool> CommittedAsync()
        {
            for (var waited = 0; waited < 30; waited++)
            {
                if (await log.Committed.WaitAsync(TimeSpan.FromSeconds(2))) return true;
                if (nudges++ < 10) clock.Advance(TimeSpan.FromMilliseconds(20));
            }
            return false;
        }
        for (var k = 1; k <= SettledBeforeStop; k++)
        {
            Assert.True(await CommittedAsync(), $"object {k} was not committed: {log}");
            if (k < SettledBeforeStop) clock.Advance(TimeSpan.FromSeconds(1));
        }
        await stop.CancelAsync();
        var first = await running;

        Assert.Equal(JobOutcome.Canceled, first.Outcome);
        using (var ledger = new SourceLedger(job.StateDir, TimeProvider.System))
        {
            var delivered = Enumerable.Range(0, Objects).Select(i => $"o{i:D2}.csv")
                .Where(k => ledger.Find(job.Name, k) is { State: ObjectState.Delivered }).ToList();
            Assert.Equal(Enumerable.Range(0, SettledBeforeStop).Select(i => $"o{i:D2}.csv"), delivered);
        }
        Assert.Equal(SettledBeforeStop, JobRunTests.StoredIds(sandbox).Count);

        var next = new JobRunner(new RunLog(LogFormat.Json, TimeProvider.System, new StringWriter()), TimeProvider.System) { Retry = retry };
        var second = await next.RunAsync(job with { Delivery = job.Delivery with { Qps = 1000 } }, CancellationToken.None);

        Assert.Equal(JobOutcome.Completed, second.Outcome);
        Assert.Equal(SettledBeforeStop, second.ObjectsSkipped);
        Assert.Equal(Objects - SettledBeforeStop, second.ObjectsRead);
        var ids = JobRunTests.StoredIds(sandbox);
        Assert.Equal(Objects, ids.Count);
        Assert.Equal(Objects, ids.Distinct().Count());
        Assert.Equal(0, sandbox.GetCounters(sandbox.Pixels[0].PixelId).Duplicates);
    }
}
