using System.Text.Json;

namespace Snapconv.Console;

/// <summary>
/// What the console needs from the running <c>serve</c> beyond the store: the jobs of its job files, the job-file loader,
/// run now, the schedules, <c>doctor</c> and the preview. <c>serve</c> implements it (so the console holds no second copy
/// of the rules); tests may give a fake.
/// </summary>
public interface IConsoleRuntime
{
    /// <summary>serve's clock: "now" of the console's pages and queries (7 days, 30 days, next fire times).</summary>
    TimeProvider Clock { get; }

    /// <summary>Every job serve knows now: the job files' (read-only) and the console's, ordered by name.</summary>
    IReadOnlyList<JobView> Jobs();

    /// <summary>The job named <paramref name="name"/>, or null.</summary>
    JobView? Job(string name);

    /// <summary>
    /// Validates a console job's keys (a JSON object with the job-file keys) with the job-file loader, exactly as a job
    /// file would be: returns the errors in the loader's words (each prefixed with its key path, e.g.
    /// <c>source.bucket: required.</c>), none when valid.
    /// </summary>
    IReadOnlyList<FieldError> Validate(JsonElement keys);

    /// <summary>
    /// Saves a console job (validated first; a name used by a job file is refused). The schedule is (re)armed.
    /// </summary>
    Task<SaveResult> SaveAsync(JsonElement keys, CancellationToken ct);

    /// <summary>Deletes a console job (its schedule stops; its runs stay). False when no console job has that name.</summary>
    Task<bool> DeleteAsync(string name, CancellationToken ct);

    /// <summary>The console job as YAML in the job-file format (<c>jobs: [ … ]</c>), or null when no console job has that name.</summary>
    string? ExportYaml(string name);

    /// <summary>
    /// Starts the job now, outside its schedule; the run is recorded like a scheduled one, at once (its id is the answer).
    /// Refused (<see cref="RunNowStatus.AlreadyRunning"/>) while the job runs, on any node of a cluster.
    /// </summary>
    Task<RunNowResult> RunNowAsync(string name, CancellationToken ct);

    /// <summary>True while the job runs on this node (the store's open run says it for the other nodes of a cluster).</summary>
    bool IsRunning(string name);

    /// <summary>What <c>snapconv doctor</c> says for an endpoint, a pixel and a token reference.</summary>
    Task<ConnectionTestResult> TestConnectionAsync(ConnectionTestRequest request, CancellationToken ct);

    /// <summary>The first rows of the job's source as the events and rejects they would give; nothing sent or recorded.</summary>
    Task<PreviewResult> PreviewAsync(JsonElement keys, int rows, CancellationToken ct);
}

/// <summary>A job as the console shows it. No secret values: secrets only as their reference.</summary>
public sealed record JobView
{
    /// <summary>Name.</summary>
    public required string Name { get; init; }
    /// <summary>Pixel ID.</summary>
    public required string PixelId { get; init; }
    /// <summary>Source kind (<c>local</c>, <c>s3</c>, <c>sftp</c>, <c>ftp</c>, <c>http</c>, <c>sql</c>).</summary>
    public required string SourceType { get; init; }
    /// <summary>Where the source reads (a folder and pattern, a bucket and prefix, a host and path, a URL without its query, a driver).</summary>
    public required string SourceWhere { get; init; }
    /// <summary>Cron text, or null.</summary>
    public string? Schedule { get; init; }
    /// <summary>Time zone id of the schedule.</summary>
    public string TimeZone { get; init; } = "UTC";
    /// <summary>Next fire time (UTC), or null.</summary>
    public DateTimeOffset? NextFireAt { get; init; }
    /// <summary>The job file defining it (read-only in the console), or null for a console job.</summary>
    public string? DefinedIn { get; init; }
    /// <summary>
    /// The job's keys as a JSON object (console jobs: as saved; job-file jobs: rebuilt from the loaded job). Secrets
    /// appear only as references (<c>token_env</c>, <c>token_file</c>, <c>*_env</c>); URLs and connection strings are redacted.
    /// </summary>
    public required JsonElement Settings { get; init; }
    /// <summary>Days of run history kept (the job key <c>history_days</c>, or serve's default).</summary>
    public int HistoryDays { get; init; }
}

/// <summary>A problem of a job's keys: the key path (<c>source.bucket</c>, or empty for the whole job) and the loader's words.</summary>
public sealed record FieldError(string Field, string Message);

/// <summary>The result of <see cref="IConsoleRuntime.SaveAsync"/>.</summary>
public sealed record SaveResult(bool Saved, bool Created, IReadOnlyList<FieldError> Errors, JobView? Job);

/// <summary>The result of <see cref="IConsoleRuntime.RunNowAsync"/>.</summary>
public sealed record RunNowResult(RunNowStatus Status, long? RunId);

/// <summary>What happened to a run-now request.</summary>
public enum RunNowStatus
{
    /// <summary>Started; the run id is given.</summary>
    Started,
    /// <summary>The job is running already (HTTP 409).</summary>
    AlreadyRunning,
    /// <summary>No such job (HTTP 404).</summary>
    NotFound,
    /// <summary>Serve cannot hand it to its scheduler now (starting, stopping, or the cluster's store is lost) (HTTP 503).</summary>
    Unavailable,
}

/// <summary>The body of <c>POST /api/connection-test</c>.</summary>
public sealed record ConnectionTestRequest(string? Endpoint, string? PixelId, string? TokenEnv, string? TokenFile);

/// <summary>One line of <c>doctor</c>.</summary>
public sealed record ConnectionCheck(string Name, bool Ok, string Detail);

/// <summary>What <c>doctor</c> says: every check, and whether all passed.</summary>
public sealed record ConnectionTestResult(bool Ok, IReadOnlyList<ConnectionCheck> Checks, IReadOnlyList<FieldError> Errors);

/// <summary>
/// A preview: the first rows as events (as they would be sent: hashed identifiers; a user_data value that is not a
/// SHA-256 digest, such as an IP address or a mobile ad id, shown as <c>(set)</c>) and rejects (row, field, code,
/// plain-language fix; no raw values), or the errors that stopped it.
/// </summary>
public sealed record PreviewResult(IReadOnlyList<JsonElement> Events, IReadOnlyList<PreviewReject> Rejects, IReadOnlyList<FieldError> Errors)
{
    /// <summary>The object the rows came from, or null.</summary>
    public string? Object { get; init; }
    /// <summary>Rows read.</summary>
    public int Rows { get; init; }
}

/// <summary>
/// A rejected preview row: its row number, the column(s) at fault (names, never values), the reason's name
/// (<c>MISSING_USER_DATA</c>), Snap's code (<c>505</c>) and a plain-language fix.
/// </summary>
public sealed record PreviewReject(long Row, string Field, string Reason, string Code, string Fix);
