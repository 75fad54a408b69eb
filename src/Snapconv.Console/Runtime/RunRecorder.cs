using System.Threading.Channels;
using Snapconv.Jobs;
using Snapconv.State;

namespace Snapconv.Console.Runtime;

/// <summary>
/// Records runs in the store: the start (job, node, trigger), the log lines while it runs (written in small batches so a
/// running run's page can show them), and the end (outcome, exit code, the report's counts, report and rejects paths).
/// A store failure never fails the run: it is told on <see cref="OnStoreError"/> and the run goes on.
/// </summary>
public sealed class RunRecorder(IStateStore store, string node, TimeProvider clock)
{
    private readonly Dictionary<string, RecordedRun> _running = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>The node name written on every run.</summary>
    public string Node { get; } = node;

    /// <summary>Told a store failure's message (no secret in it). Default: nothing.</summary>
    public Action<string>? OnStoreError { get; init; }

    /// <summary>Starts recording a run of <paramref name="job"/>; null when the store failed (the run goes on unrecorded).</summary>
    public async Task<RecordedRun?> StartAsync(string job, string trigger, CancellationToken ct)
    {
        long id;
        try { id = await store.StartRunAsync(new RunStart { Job = job, Node = Node, StartedAt = clock.GetUtcNow(), Trigger = trigger }, ct).ConfigureAwait(false); }
        catch (StateStoreException e) { OnStoreError?.Invoke(e.Message); return null; }
        var run = new RecordedRun(id, job, store, OnStoreError);
        lock (_gate) _running[job] = run;
        return run;
    }

    /// <summary>A log line of the run log: kept with the job's open run on this node, if any.</summary>
    public void Observe(string level, string job, string step, string message)
    {
        RecordedRun? run;
        lock (_gate) _running.TryGetValue(job, out run);
        run?.Add(new RunLogEntry(clock.GetUtcNow(), level, step, message));
    }

    /// <summary>Records the end of the run from the runner's result.</summary>
    public async Task FinishAsync(RecordedRun run, JobRunResult result)
    {
        lock (_gate)
            if (_running.TryGetValue(run.Job, out var r) && r == run) _running.Remove(run.Job);
        await run.CompleteLogAsync().ConfigureAwait(false);
        try
        {
            await store.FinishRunAsync(run.Id, FinishOf(result), CancellationToken.None).ConfigureAwait(false);
        }
        catch (StateStoreException e) { OnStoreError?.Invoke(e.Message); }
    }

    /// <summary>The stored end of a runner's result.</summary>
    public static RunFinish FinishOf(JobRunResult r) => new()
    {
        FinishedAt = r.FinishedAt,
        Outcome = JobRunner.Snake(r.Outcome),
        ExitCode = r.ExitCode,
        Counts = new RunCounts(r.Report?.Rows ?? 0, r.Report?.Accepted ?? 0, r.Report?.Rejected ?? 0, r.Report?.Duplicates ?? 0, r.Report?.Filtered ?? 0,
            r.Stats?.Sent ?? 0, r.Stats?.Acknowledged ?? 0),
        ReportPath = r.ReportPath,
        RejectsPath = r.RejectsPath,
        Message = r.Message,
    };
}

/// <summary>A run being recorded: its id and its log lines on their way to the store.</summary>
public sealed class RecordedRun
{
    private const int BatchLines = 200;
    private readonly Channel<RunLogEntry> _lines = Channel.CreateUnbounded<RunLogEntry>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    internal RecordedRun(long id, string job, IStateStore store, Action<string>? onError)
    {
        Id = id;
        Job = job;
        _writer = Task.Run(async () =>
        {
            var batch = new List<RunLogEntry>(BatchLines);
            // Ends when the channel is completed and drained (the run finished).
            while (await _lines.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (batch.Count < BatchLines && _lines.Reader.TryRead(out var l)) batch.Add(l);
                try { await store.AppendLogAsync(id, batch).ConfigureAwait(false); }
                catch (StateStoreException e) { onError?.Invoke(e.Message); }
                batch.Clear();
            }
        });
    }

    /// <summary>The run's id in the store.</summary>
    public long Id { get; }
    /// <summary>The job's name.</summary>
    public string Job { get; }

    internal void Add(RunLogEntry line) => _lines.Writer.TryWrite(line);

    internal Task CompleteLogAsync()
    {
        _lines.Writer.TryComplete();
        return _writer;
    }
}
