using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Snapconv.Core.Options;
using Snapconv.Delivery.Resilience;

namespace Snapconv.Delivery.Upload;

/// <summary>How the access token travels (spec §1).</summary>
public enum AuthMode
{
    /// <summary>The <c>access_token</c> query parameter (Snap's documented form; default).</summary>
    Query,
    /// <summary><c>Authorization: Bearer</c>.</summary>
    Header,
}

/// <summary>
/// Options of one upload run (issue #5), and a job file's <c>delivery:</c> section (<see cref="OptionBinder"/>: the keys
/// are the snake_case names of the properties not marked <see cref="NotInJobFileAttribute"/>). Validated once by
/// <see cref="Validate"/>; every error names its config path, which the CLI shows as the flag. The token is never
/// part of <see cref="ToString"/>.
/// </summary>
public sealed record UploadOptions
{
    /// <summary>Snap's production host.</summary>
    public const string DefaultEndpoint = "https://tr.snapchat.com";
    /// <summary>Environment variable read for the token unless another is named (<c>--token-env</c>, <c>token_env</c>).</summary>
    public const string DefaultTokenEnv = "SNAPCONV_ACCESS_TOKEN";
    /// <summary>Snap's limit of events per request.</summary>
    public const int SnapMaxEvents = 2_000;
    /// <summary>Client cap on a request body: 4 MiB.</summary>
    public const int DefaultMaxBodyBytes = 4 * 1024 * 1024;
    /// <summary>Requests in flight at once. Default 8.</summary>
    public const int DefaultConcurrency = 8;
    /// <summary>Most requests in flight at once.</summary>
    public const int MaxConcurrency = 256;
    /// <summary>Client pacing: half of Snap's recommended 1,000 req/s.</summary>
    public const double DefaultQps = 500;
    /// <summary>Slowest pacing, requests per second.</summary>
    public const double MinQps = 0.1;
    /// <summary>Fastest pacing, requests per second.</summary>
    public const double MaxQps = 100_000;
    /// <summary>Default ledger folder.</summary>
    public const string DefaultStateDir = ".snapconv";
    /// <summary>Smallest body cap: 1 KiB.</summary>
    public const int MinBodyBytes = 1024;
    /// <summary>Default per-request timeout: 60 s.</summary>
    public const int DefaultRequestTimeoutSecs = 60;

    /// <summary>Base URL; the client adds <c>/v3/{pixel}/events</c>. Default https://tr.snapchat.com.</summary>
    public Uri Endpoint { get; init; } = new(DefaultEndpoint);
    /// <summary>The Pixel ID the events are for. Required (a job's own <c>pixel_id</c>).</summary>
    [NotInJobFile] public string PixelId { get; init; } = "";
    /// <summary>The Conversions API token. Required; never logged.</summary>
    [NotInJobFile] public string Token { get; init; } = "";
    /// <summary>Query parameter (default) or Bearer header.</summary>
    public AuthMode Auth { get; init; } = AuthMode.Query;
    /// <summary>Events per request, 1..2,000. Default 2,000.</summary>
    [Range(1, SnapMaxEvents)] public int BatchSize { get; init; } = SnapMaxEvents;
    /// <summary>Body cap per request in bytes, at least 1 KiB. Default 4 MiB.</summary>
    [NotInJobFile, Range(MinBodyBytes, int.MaxValue)] public int MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;
    /// <summary>Requests in flight, 1..256. Default 8.</summary>
    [Range(1, MaxConcurrency)] public int Concurrency { get; init; } = DefaultConcurrency;
    /// <summary>Token-bucket rate, requests per second, 0.1..100,000. Default 500.</summary>
    [Range(MinQps, MaxQps)] public double Qps { get; init; } = DefaultQps;
    /// <summary>Send to <c>/events/validate</c>: nothing is recorded at Snap or in the ledger. Default false.</summary>
    public bool DryRun { get; init; }
    /// <summary>Sent at the request root; Snap keeps these events out of live data (so the ledger records nothing). Default none.</summary>
    public string? TestEventCode { get; init; }
    /// <summary>Folder of the SQLite ledger. Default <c>.snapconv</c>.</summary>
    [NotInJobFile] public string StateDir { get; init; } = DefaultStateDir;
    /// <summary>Apply the first-sample gate (<see cref="Snapconv.Core.Pipeline.SampleGate"/>). Default true.</summary>
    public bool SampleGate { get; init; } = true;
    /// <summary>Retries and backoff.</summary>
    public RetryOptions Retry { get; init; } = new();
    /// <summary>Per-request timeout. Default 60 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(DefaultRequestTimeoutSecs);
    /// <summary>Internal (benchmarks): false runs without a ledger, so re-runs resend everything. Default true.</summary>
    internal bool UseLedger { get; init; } = true;

    /// <summary>
    /// Opens the delivery ledger of a live run; null (default): the SQLite one in <see cref="StateDir"/>. A cluster's
    /// runs share one on PostgreSQL (#19).
    /// </summary>
    public Func<TimeProvider, Snapconv.Delivery.Ledger.IDeliveryLedger>? LedgerFactory { get; init; }
    /// <summary>Seed of the jitter random source; null = unseeded.</summary>
    [NotInJobFile] public int? JitterSeed { get; init; }

    /// <summary>True when events are recorded as live at Snap (not dry run, no test code).</summary>
    public bool IsLive => !DryRun && string.IsNullOrEmpty(TestEventCode);

    /// <summary>
    /// Every problem, each path under <paramref name="path"/> (<c>jobs[0].delivery.qps</c>); with no prefix the path is
    /// the bare key (<c>qps</c>), which the CLI shows as its flag (<c>--qps</c>). Empty when valid.
    /// </summary>
    public IReadOnlyList<OptionError> Validate(string path = "")
    {
        var errors = OptionValidator.Check(this, path);
        string P(string key) => OptionNames.Join(path, key);
        if (Endpoint is null || !Endpoint.IsAbsoluteUri || (Endpoint.Scheme != "http" && Endpoint.Scheme != "https"))
            errors.Add(new(P("endpoint"), $"must be an absolute http(s) URL, e.g. {DefaultEndpoint}."));
        else if (Endpoint.AbsolutePath.Contains("/v2", StringComparison.OrdinalIgnoreCase))
            errors.Add(new(P("endpoint"), "Conversions API v2 is deprecated; give the base URL and snapconv uses POST /v3/{pixel_id}/events."));
        if (string.IsNullOrWhiteSpace(PixelId) || PixelId.Contains('/') || PixelId.Contains('?'))
            errors.Add(new(P("pixel_id"), "required, a Pixel ID without '/' or '?'."));
        if (string.IsNullOrWhiteSpace(Token))
            errors.Add(new(P("token"), $"empty; set {DefaultTokenEnv} (or --token-env NAME) or give --token-file."));
        if (string.IsNullOrWhiteSpace(StateDir)) errors.Add(new(P("state_dir"), "must not be empty."));
        if (RequestTimeout <= TimeSpan.Zero) errors.Add(new(P("request_timeout"), "must be positive."));
        errors.AddRange(Retry.Validate(P("retry")));
        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every error.</summary>
    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join(Environment.NewLine, errors.Select(e => e.ToString())));
    }

    /// <summary>Never prints the token.</summary>
    public override string ToString() =>
        $"UploadOptions {{ Endpoint = {(Endpoint is null ? "" : Snapconv.Core.Redaction.Redactor.Url(Endpoint.OriginalString))}, PixelId = {PixelId}, Token = ***, BatchSize = {BatchSize}, Concurrency = {Concurrency}, Qps = {Qps.ToString(CultureInfo.InvariantCulture)}, DryRun = {DryRun} }}";
}
