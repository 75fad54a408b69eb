namespace Snapconv.State;

/// <summary>Limits of the store's queries.</summary>
public static class StateLimits
{
    /// <summary>Largest page of runs a query returns.</summary>
    public const int MaxPage = 500;
    /// <summary>Largest page of log lines a query returns.</summary>
    public const int MaxLogPage = 5_000;
    /// <summary>Days a run is kept by default.</summary>
    public const int DefaultRetentionDays = 90;
}

/// <summary>Outcome words of a run (as <c>JobRunner.Snake(outcome)</c> writes them), plus the store's own.</summary>
public static class RunOutcomes
{
    /// <summary>A run closed by <see cref="IStateStore.CloseOpenRunsAsync"/>: its process ended before it finished.</summary>
    public const string Interrupted = "interrupted";
}

/// <summary>
/// A job set up in the console. <see cref="Definition"/> is the job's keys as a JSON object (the job-file keys:
/// <c>name</c>, <c>pixel_id</c>, <c>token_env</c>, <c>source: {type, path, …}</c>, …), already validated by the job-file
/// loader; the other fields are copies of it for the lists.
/// </summary>
public sealed record ConsoleJobRecord
{
    /// <summary>Unique name, <c>[a-z0-9_-]+</c>.</summary>
    public required string Name { get; init; }
    /// <summary>The job's keys as a JSON object (secrets only as references).</summary>
    public required string Definition { get; init; }
    /// <summary>When it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>When it was last saved.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The start of a run.</summary>
public sealed record RunStart
{
    /// <summary>The job's name.</summary>
    public required string Job { get; init; }
    /// <summary>The node running it (host name and process id, or <c>--node-name</c>).</summary>
    public required string Node { get; init; }
    /// <summary>When it started.</summary>
    public required DateTimeOffset StartedAt { get; init; }
    /// <summary>What started it: <c>schedule</c> or <c>run_now</c>.</summary>
    public string Trigger { get; init; } = RunTriggers.Schedule;
}

/// <summary>Words of <see cref="RunStart.Trigger"/>.</summary>
public static class RunTriggers
{
    /// <summary>Fired by the job's schedule.</summary>
    public const string Schedule = "schedule";
    /// <summary>Run now (console or API).</summary>
    public const string RunNow = "run_now";
}

/// <summary>The counts of a run's report (zero when it has none).</summary>
public readonly record struct RunCounts(long Rows, long Accepted, long Rejected, long Duplicates, long Filtered, long Sent, long Acknowledged);

/// <summary>The end of a run.</summary>
public sealed record RunFinish
{
    /// <summary>When it ended.</summary>
    public required DateTimeOffset FinishedAt { get; init; }
    /// <summary>Outcome in snake case (<c>delivered</c>, <c>nothing_new</c>, <c>failed</c>, …).</summary>
    public required string Outcome { get; init; }
    /// <summary>The exit code <c>snapconv run</c> would have given.</summary>
    public required int ExitCode { get; init; }
    /// <summary>The report's counts.</summary>
    public RunCounts Counts { get; init; }
    /// <summary>The report.json path, or null.</summary>
    public string? ReportPath { get; init; }
    /// <summary>The rejects.csv path, or null.</summary>
    public string? RejectsPath { get; init; }
    /// <summary>One line of what happened (redacted), or null.</summary>
    public string? Message { get; init; }
}

/// <summary>A run as stored.</summary>
public sealed record RunRecord
{
    /// <summary>Id (positive, increasing).</summary>
    public required long Id { get; init; }
    /// <summary>The job's name.</summary>
    public required string Job { get; init; }
    /// <summary>The node that ran it.</summary>
    public required string Node { get; init; }
    /// <summary>What started it (<see cref="RunTriggers"/>).</summary>
    public required string Trigger { get; init; }
    /// <summary>When it started.</summary>
    public required DateTimeOffset StartedAt { get; init; }
    /// <summary>When it ended; null while running.</summary>
    public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>Outcome; null while running.</summary>
    public string? Outcome { get; init; }
    /// <summary>Exit code; null while running.</summary>
    public int? ExitCode { get; init; }
    /// <summary>The report's counts.</summary>
    public RunCounts Counts { get; init; }
    /// <summary>The report.json path, or null.</summary>
    public string? ReportPath { get; init; }
    /// <summary>The rejects.csv path, or null.</summary>
    public string? RejectsPath { get; init; }
    /// <summary>One line of what happened, or null.</summary>
    public string? Message { get; init; }
    /// <summary>True while running.</summary>
    public bool IsRunning => FinishedAt is null;
}

/// <summary>One log line to append (already redacted).</summary>
public readonly record struct RunLogEntry(DateTimeOffset At, string Level, string Step, string Message);

/// <summary>A stored log line; <see cref="Seq"/> counts from 1 within its run.</summary>
public sealed record RunLogLine(long RunId, long Seq, DateTimeOffset At, string Level, string Step, string Message);

/// <summary>A job's newest run and its acknowledged events since a time.</summary>
public sealed record JobRunSummary(string Job, RunRecord LastRun, long AcknowledgedSince);

/// <summary>Accepted and rejected events of one UTC day.</summary>
public readonly record struct DailyCounts(DateOnly Day, long Accepted, long Rejected);

/// <summary>How long runs are kept: <see cref="DefaultDays"/>, or a job's own number of days.</summary>
public sealed record RetentionPolicy
{
    /// <summary>Days for jobs without their own. Default 90.</summary>
    public int DefaultDays { get; init; } = StateLimits.DefaultRetentionDays;
    /// <summary>Per-job days (the job key <c>history_days</c>).</summary>
    public IReadOnlyDictionary<string, int> JobDays { get; init; } = new Dictionary<string, int>(StringComparer.Ordinal);
    /// <summary>The days of <paramref name="job"/>.</summary>
    public int DaysFor(string job) => JobDays.TryGetValue(job, out var d) ? d : DefaultDays;
}

/// <summary>The store failed (cannot open, corrupt, unreachable). The message names the store, never a secret.</summary>
public sealed class StateStoreException(string message, Exception? inner = null) : Exception(message, inner);
