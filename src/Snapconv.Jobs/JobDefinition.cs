using Cronos;
using Snapconv.Core.Mapping;
using Snapconv.Sources;

namespace Snapconv.Jobs;

/// <summary>Delivery settings of a job (<c>delivery:</c>); defaults as <c>snapconv upload</c>.</summary>
public sealed record JobDeliveryOptions
{
    /// <summary>Events per request, 1..2,000. Default 2,000.</summary>
    public int BatchSize { get; init; } = 2_000;
    /// <summary>Requests in flight. Default 8.</summary>
    public int Concurrency { get; init; } = 8;
    /// <summary>Requests per second. Default 500.</summary>
    public double Qps { get; init; } = 500;
    /// <summary>First-sample gate. Default true.</summary>
    public bool SampleGate { get; init; } = true;
    /// <summary>Validate only (<c>/events/validate</c>). Default false.</summary>
    public bool DryRun { get; init; }
    /// <summary>Send as test events. Default none.</summary>
    public string? TestEventCode { get; init; }
    /// <summary>Query parameter (default) or Bearer header.</summary>
    public string Auth { get; init; } = "query";
}

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
    /// <summary>Environment variable holding the token. Default SNAPCONV_ACCESS_TOKEN.</summary>
    public string TokenEnv { get; init; } = "SNAPCONV_ACCESS_TOKEN";
    /// <summary>File holding the token (wins over <see cref="TokenEnv"/>).</summary>
    public string? TokenFile { get; init; }
    /// <summary>Base URL. Default https://tr.snapchat.com.</summary>
    public Uri Endpoint { get; init; } = new("https://tr.snapchat.com");
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
    /// <summary>Delivery settings.</summary>
    public JobDeliveryOptions Delivery { get; init; } = new();
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
