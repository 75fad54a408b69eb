using Cronos;
using Snapconv.Core.Mapping;
using Snapconv.Delivery.Upload;
using Snapconv.Sources;

namespace Snapconv.Jobs;

/// <summary>
/// One job of a job file, validated: where rows come from (<see cref="Source"/>), how they map, where they go and
/// when. Paths are absolute (resolved against the job file's folder). Secrets are references only.
/// </summary>
public sealed record JobDefinition
{
    /// <summary>Unique name, <c>[a-z0-9_-]+</c>; names report and rejects files and metrics.</summary>
    public required string Name { get; init; }
    /// <summary>Pixel ID. Required.</summary>
    public required string PixelId { get; init; }
    /// <summary>Environment variable holding the token. Default <see cref="UploadOptions.DefaultTokenEnv"/>.</summary>
    public string TokenEnv { get; init; } = UploadOptions.DefaultTokenEnv;
    /// <summary>File holding the token (wins over <see cref="TokenEnv"/>).</summary>
    public string? TokenFile { get; init; }
    /// <summary>Base URL. Default <see cref="UploadOptions.DefaultEndpoint"/>.</summary>
    public Uri Endpoint { get; init; } = new(UploadOptions.DefaultEndpoint);
    /// <summary>Cron text (5 or 6 fields), or null: the job runs only with <c>snapconv run</c>.</summary>
    public string? Schedule { get; init; }
    /// <summary>The parsed schedule.</summary>
    public CronExpression? Cron { get; init; }
    /// <summary>Zone of the schedule and of naive event times. Default UTC.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;
    /// <summary>ISO alpha-2 for national phone numbers. Default none.</summary>
    public string? DefaultCountry { get; init; }
    /// <summary>Reject events older than N days. Default none.</summary>
    public int? MaxEventAgeDays { get; init; }
    /// <summary>Days serve keeps this job's run history (<c>history_days</c>, 1..3650). Default: serve's (90).</summary>
    public int? HistoryDays { get; init; }
    /// <summary>The mapping (from <c>mapping_file</c>, inline <c>mapping</c> or <c>preset</c>, with <c>currency</c>,
    /// <c>locale</c>, <c>sheet</c> and <c>encoding</c> applied). Default: auto-detect.</summary>
    public MappingSpec Mapping { get; init; } = MappingSpec.Empty;
    /// <summary>
    /// <c>contacts: {pattern: …}</c>: glob of the companion file the mapping joins (contacts, contact roles), read from
    /// the job's own source. Each run that delivers reads the newest matching object; it is never delivered itself
    /// nor recorded as delivered. Null: no join file.
    /// </summary>
    public string? ContactsPattern { get; init; }
    /// <summary>
    /// Delivery settings (<c>delivery:</c>: batch_size, concurrency, qps, sample_gate, dry_run, test_event_code, auth),
    /// bound straight to the options of <c>snapconv upload</c>, with their defaults. The run fills in the endpoint, pixel,
    /// token and state folder from the job.
    /// </summary>
    public UploadOptions Delivery { get; init; } = new();
    /// <summary>State folder (ledgers, reports, rejects, staging). Default <c>.snapconv</c> beside the job file.</summary>
    public required string StateDir { get; init; }
    /// <summary>The source.</summary>
    public required SourceOptions Source { get; init; }
}

/// <summary>A job file: its jobs, in file order.</summary>
public sealed record JobFile(string Path, IReadOnlyList<JobDefinition> Jobs);

/// <summary>A job file with problems; the message lists every one with its path (e.g. <c>jobs[1].source.bucket: required.</c>).</summary>
public sealed class JobFileException(string file, IReadOnlyList<string> errors)
    : Exception($"{file}: {errors.Count} problem(s):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors))
{
    /// <summary>Each problem, prefixed with its path.</summary>
    public IReadOnlyList<string> Errors { get; } = errors;
}
