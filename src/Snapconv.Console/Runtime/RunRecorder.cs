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
    private readonly List<(long Id, RunFinish Finish)> _unwritten = [];
    private readonly Lock _gate = new();
    // Bounds what a long outage can hold in memory (one entry a run that ended meanwhile).
    private const int MaxUnwritten = 10_000;

    /// <summary>The node name written on every run.</summary>
    public string Node { get; } = node;

    /// <summary>Told a store failure's message (no secret in it). Default: nothing.</summary>
    public Action<string>? OnStoreError { get; init; }

    /// <summary>Starts recording a run of <paramref name="job"/>; null when the store failed (the run goes on unrecorded).</summary>
    public async Task<RecordedRun?> StartAsync(string job, string trigger, CancellationToken ct)
    {
        await FlushAsync(ct).ConfigureAwait(false);
        long id;
        try { id = await store.StartRunAsync(new RunStart { Job = job, Node = Node, StartedAt = clock.GetUtcNow(), Trigger = trigger }, ct).ConfigureAwait(false); }
        catch (StateStoreException e) { OnStoreError?.Invoke(e.Message); return null; }
        return Track(new RecordedRun(id, job, store, OnStoreError));
    }

    /// <summary>
    /// Records a run now when it is asked for, before the scheduler starts it on some node (which then
    /// <see cref="ClaimAsync"/>s it): the caller gets its id at once. Null when the store failed.
    /// </summary>
    public async Task<long?> RequestAsync(string job, CancellationToken ct)
    {
        try { return await store.StartRunAsync(new RunStart { Job = job, Node = Node, StartedAt = clock.GetUtcNow(), Trigger = RunTriggers.RunNow }, ct).ConfigureAwait(false); }
        catch (StateStoreException e) { OnStoreError?.Invoke(e.Message); return null; }
    }

    /// <summary>
    /// Starts recording run <paramref name="id"/> (asked for with <see cref="RequestAsync"/>, on any node) as this node's,
    /// from now. When it is no longer open (closed meanwhile) a new run-now record is started instead.
    /// </summary>
    public async Task<RecordedRun?> ClaimAsync(string job, long id, CancellationToken ct)
    {
        bool claimed;
        try { claimed = await store.ClaimRunAsync(id, Node, clock.GetUtcNow(), ct).ConfigureAwait(false); }
        catch (StateStoreException e) { OnStoreError?.Invoke(e.Message); return null; }
        return claimed ? Track(new RecordedRun(id, job, store, OnStoreError)) : await StartAsync(job, RunTriggers.RunNow, ct).ConfigureAwait(false);
    }

    /// <summary>Closes run <paramref name="id"/> that was asked for but will not run, with <paramref name="message"/>.</summary>
    public Task AbandonAsync(long id, string message) => FinishStoredAsync(id, new RunFinish
    {
        FinishedAt = clock.GetUtcNow(), Outcome = JobRunner.Snake(JobOutcome.Failed), ExitCode = ExitCode.Unexpected, Message = message,
    });

    private RecordedRun Track(RecordedRun run)
    {
        lock (_gate) _running[run.Job] = run;
        return run;
    }

    /// <summary>
    /// Writes the ends of runs that could not be written when they finished (the store was lost meanwhile); serve calls it
    /// when the store answers again, and every start tries too. Returns how many were written.
    /// </summary>
    public async Task<int> FlushAsync(CancellationToken ct)
    {
        List<(long Id, RunFinish Finish)> pending;
        lock (_gate)
        {
            if (_unwritten.Count == 0) return 0;
            pending = [.. _unwritten];
            _unwritten.Clear();
        }
        var written = 0;
        foreach (var (id, finish) in pending)
        {
            try
            {
                await store.FinishRunAsync(id, finish, ct).ConfigureAwait(false);
                written++;
            }
            catch (Exception e) when (e is StateStoreException or OperationCanceledException)
            {
                lock (_gate) _unwritten.Add((id, finish));
            }
        }
        return written;
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
        await FinishStoredAsync(run.Id, FinishOf(result)).ConfigureAwait(false);
    }

    // A run's end is kept until the store takes it: a run cut short by the loss of the store is closed with its counts
    // once the store is back (FlushAsync), not left open in the history.
    private async Task FinishStoredAsync(long id, RunFinish finish)
    {
        try
        {
            await store.FinishRunAsync(id, finish, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StateStoreException e)
        {
            OnStoreError?.Invoke(e.Message);
            lock (_gate) if (_unwritten.Count < MaxUnwritten) _unwritten.Add((id, finish));
        }
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
