using Snapconv.Delivery.Ledger;
using Snapconv.Jobs;

namespace Snapconv.Cli.Tests.Jobs;

public sealed class JobLedgerLostTests
{
    /// <summary>A shared ledger whose store went away: every claim fails as the PostgreSQL ledger's cut session does.</summary>
    private sealed class LostLedger : IDeliveryLedger
    {
        public bool HasEvents => false;
        public void RecordFile(string path, long size, DateTimeOffset modified, ReadOnlySpan<byte> sha256) { }
        public void FindAcknowledged(IReadOnlyList<EventKey> keys, Span<bool> acknowledged) => acknowledged.Clear();
        public long BeginBatch(IReadOnlyList<EventKey> keys) => throw new LedgerUnavailableException("the ledger's store went away (test).", new IOException());
        public void AcknowledgeBatch(long batchId) { }
        public void SetEvents(long batchId, IReadOnlyList<EventKey> keys, LedgerState state) { }
        public void FailBatch(long batchId) { }
        public void Dispose() { }
    }

    [Fact]
    public async Task Run_LedgerStoreLostMidRun_IsRetriable_Exit4_WithTheLedgersMessage()
    {
        // #19: a node that loses PostgreSQL mid-run leaves its events pending for the next run (any node): exit 4, not 1.
        using var dir = new TempDir();
        await using var sandbox = await JobRunTests.Sandbox();
        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(tokenEnv, sandbox.Pixels[0].Token);
        Directory.CreateDirectory(dir.File("in"));
        JobRunTests.WriteRows(dir.File("in/a.csv"), 50, 1);
        File.WriteAllText(dir.File("jobs.yaml"), JobRunTests.JobYaml(sandbox, tokenEnv, ("shop", "in", null)));
        var job = JobFileLoader.Load(dir.File("jobs.yaml")).Jobs[0];
        var runner = new JobRunner(new RunLog(LogFormat.Json, TimeProvider.System, new StringWriter()), TimeProvider.System)
        {
            DeliveryLedgers = _ => new LostLedger(),
        };

        var result = await runner.RunAsync(job, CancellationToken.None);

        Assert.Equal(JobOutcome.PendingLeft, result.Outcome);
        Assert.Equal(ExitCode.Retriable, result.ExitCode);
        Assert.Equal("the ledger's store went away (test).", result.Message);
        Assert.Empty(JobRunTests.StoredIds(sandbox));
    }
}
