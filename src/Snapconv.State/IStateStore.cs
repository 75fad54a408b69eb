namespace Snapconv.State;

/// <summary>
/// The console's state: the jobs set up in the console and the run history of every job (scheduled or run now), with
/// each run's log lines. One interface for every backing database (SQLite for one node, PostgreSQL for a cluster):
/// callers use only these methods, never SQL. Times are UTC; every method is safe to call from several threads.
/// </summary>
/// <remarks>
/// Contract shared by every implementation (the conformance suite <c>StateStoreConformance</c> checks it):
/// <list type="bullet">
/// <item>Run ids are positive, unique and increase with <see cref="StartRunAsync"/> calls on one store.</item>
/// <item>"Newest first" orders by <see cref="RunRecord.StartedAt"/> descending, then id descending.</item>
/// <item>A run is running while <see cref="RunRecord.FinishedAt"/> is null.</item>
/// <item>Nothing stored holds raw PII or a secret's value: callers store counts, paths, redacted log text and secret
/// references (<c>token_env</c>, <c>token_file</c>) only.</item>
/// </list>
/// Methods throw <see cref="StateStoreException"/> when the database cannot be reached or is corrupt.
/// </remarks>
public interface IStateStore : IAsyncDisposable
{
    // ---- console jobs ----

    /// <summary>Every console job, ordered by name (ordinal).</summary>
    Task<IReadOnlyList<ConsoleJobRecord>> ListJobsAsync(CancellationToken ct = default);

    /// <summary>The console job named <paramref name="name"/>, or null.</summary>
    Task<ConsoleJobRecord?> GetJobAsync(string name, CancellationToken ct = default);

    /// <summary>
    /// Creates or replaces the console job <see cref="ConsoleJobRecord.Name"/>. On create <see cref="ConsoleJobRecord.CreatedAt"/>
    /// is kept as given; on replace the stored creation time is kept and the rest is replaced. Returns true when created.
    /// </summary>
    Task<bool> UpsertJobAsync(ConsoleJobRecord job, CancellationToken ct = default);

    /// <summary>Deletes the console job; its runs stay (history). Returns false when there was none.</summary>
    Task<bool> DeleteJobAsync(string name, CancellationToken ct = default);

    // ---- runs ----

    /// <summary>Records a run that starts now (<see cref="RunRecord.FinishedAt"/> null) and returns its id.</summary>
    Task<long> StartRunAsync(RunStart start, CancellationToken ct = default);

    /// <summary>Records the end of run <paramref name="id"/>. Returns false when no such run is open.</summary>
    Task<bool> FinishRunAsync(long id, RunFinish finish, CancellationToken ct = default);

    /// <summary>
    /// Hands open run <paramref name="id"/> to <paramref name="node"/>, started at <paramref name="startedAt"/>: a run now
    /// is recorded when it is asked for, then run by whichever node the scheduler picks (#19). Returns false when no such
    /// run is open.
    /// </summary>
    Task<bool> ClaimRunAsync(long id, string node, DateTimeOffset startedAt, CancellationToken ct = default);

    /// <summary>
    /// Closes every run of <paramref name="node"/> still open (a previous process on that node died) as outcome
    /// <see cref="RunOutcomes.Interrupted"/>, finished at <paramref name="at"/>. Returns how many it closed.
    /// </summary>
    Task<int> CloseOpenRunsAsync(string node, DateTimeOffset at, CancellationToken ct = default);

    /// <summary>The run, or null.</summary>
    Task<RunRecord?> GetRunAsync(long id, CancellationToken ct = default);

    /// <summary>
    /// Runs of <paramref name="job"/>, newest first, at most <paramref name="limit"/> (1..<see cref="StateLimits.MaxPage"/>),
    /// only those older than run <paramref name="beforeId"/> when given (the next page starts after the last id seen).
    /// </summary>
    Task<IReadOnlyList<RunRecord>> ListRunsAsync(string job, int limit, long? beforeId = null, CancellationToken ct = default);

    /// <summary>Every open run (all jobs, all nodes), newest first.</summary>
    Task<IReadOnlyList<RunRecord>> ListOpenRunsAsync(CancellationToken ct = default);

    /// <summary>
    /// Per job that has runs: its newest run and the sum of <see cref="RunRecord.Acknowledged"/> over runs started at or
    /// after <paramref name="acknowledgedSince"/> (the jobs page: last run, events acknowledged in 7 days).
    /// </summary>
    Task<IReadOnlyDictionary<string, JobRunSummary>> SummarizeJobsAsync(DateTimeOffset acknowledgedSince, CancellationToken ct = default);

    /// <summary>
    /// Accepted and rejected events of <paramref name="job"/> per UTC day, for runs started in [<paramref name="from"/>,
    /// <paramref name="to"/>), ordered by day; days without runs are absent.
    /// </summary>
    Task<IReadOnlyList<DailyCounts>> DailyCountsAsync(string job, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default);

    // ---- log lines ----

    /// <summary>Appends lines to run <paramref name="runId"/>'s log; their <see cref="RunLogLine.Seq"/> is assigned in order.</summary>
    Task AppendLogAsync(long runId, IReadOnlyList<RunLogEntry> lines, CancellationToken ct = default);

    /// <summary>Log lines of the run in order, those with <see cref="RunLogLine.Seq"/> &gt; <paramref name="afterSeq"/>, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<RunLogLine>> ReadLogAsync(long runId, long afterSeq = 0, int limit = StateLimits.MaxLogPage, CancellationToken ct = default);

    // ---- retention ----

    /// <summary>
    /// Deletes finished runs (and their log lines) started before now minus their job's retention
    /// (<see cref="RetentionPolicy.DaysFor"/>). Open runs are never deleted. Returns how many runs it deleted.
    /// </summary>
    Task<int> PurgeAsync(RetentionPolicy policy, DateTimeOffset now, CancellationToken ct = default);
}
