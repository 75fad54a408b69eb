using System.Globalization;
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
/// Options of one upload run (issue #5). Validated once by <see cref="Validate"/>; every error names its option.
/// The token is never part of <see cref="ToString"/>.
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

    /// <summary>Base URL; the client adds <c>/v3/{pixel}/events</c>. Default https://tr.snapchat.com.</summary>
    public Uri Endpoint { get; init; } = new(DefaultEndpoint);
    /// <summary>The Pixel ID the events are for. Required.</summary>
    public string PixelId { get; init; } = "";
    /// <summary>The Conversions API token. Required; never logged.</summary>
    public string Token { get; init; } = "";
    /// <summary>Query parameter (default) or Bearer header.</summary>
    public AuthMode Auth { get; init; } = AuthMode.Query;
    /// <summary>Events per request, 1..2,000. Default 2,000.</summary>
    public int BatchSize { get; init; } = SnapMaxEvents;
    /// <summary>Body cap per request in bytes. Default 4 MiB.</summary>
    public int MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;
    /// <summary>Requests in flight. Default 8.</summary>
    public int Concurrency { get; init; } = DefaultConcurrency;
    /// <summary>Token-bucket rate, requests per second. Default 500.</summary>
    public double Qps { get; init; } = DefaultQps;
    /// <summary>Send to <c>/events/validate</c>: nothing is recorded at Snap or in the ledger. Default false.</summary>
    public bool DryRun { get; init; }
    /// <summary>Sent at the request root; Snap keeps these events out of live data (so the ledger records nothing). Default none.</summary>
    public string? TestEventCode { get; init; }
    /// <summary>Folder of the SQLite ledger. Default <c>.snapconv</c>.</summary>
    public string StateDir { get; init; } = DefaultStateDir;
    /// <summary>Apply the first-sample gate (<see cref="Snapconv.Core.Pipeline.SampleGate"/>). Default true.</summary>
    public bool SampleGate { get; init; } = true;
    /// <summary>Retries and backoff.</summary>
    public RetryOptions Retry { get; init; } = new();
    /// <summary>Per-request timeout. Default 60 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Internal (benchmarks): false runs without a ledger, so re-runs resend everything. Default true.</summary>
    internal bool UseLedger { get; init; } = true;
    /// <summary>Seed of the jitter random source; null = unseeded.</summary>
    public int? JitterSeed { get; init; }

    /// <summary>True when events are recorded as live at Snap (not dry run, no test code).</summary>
    public bool IsLive => !DryRun && string.IsNullOrEmpty(TestEventCode);

    /// <summary>Every problem, each naming its option; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Endpoint is null || !Endpoint.IsAbsoluteUri || (Endpoint.Scheme != "http" && Endpoint.Scheme != "https"))
            errors.Add($"--endpoint: must be an absolute http(s) URL, e.g. {DefaultEndpoint}.");
        else if (Endpoint.AbsolutePath.Contains("/v2", StringComparison.OrdinalIgnoreCase))
            errors.Add("--endpoint: Conversions API v2 is deprecated; give the base URL and snapconv uses POST /v3/{pixel_id}/events.");
        if (string.IsNullOrWhiteSpace(PixelId) || PixelId.Contains('/') || PixelId.Contains('?'))
            errors.Add("--pixel-id: required, a Pixel ID without '/' or '?'.");
        if (string.IsNullOrWhiteSpace(Token))
            errors.Add($"token: empty; set {DefaultTokenEnv} (or --token-env NAME) or give --token-file.");
        if (BatchSize is < 1 or > SnapMaxEvents) errors.Add($"--batch-size: must be 1..{SnapMaxEvents} (was {BatchSize}).");
        if (MaxBodyBytes < 1024) errors.Add("max_body_bytes: must be at least 1024.");
        if (Concurrency is < 1 or > MaxConcurrency) errors.Add($"--concurrency: must be 1..{MaxConcurrency} (was {Concurrency}).");
        if (!(Qps is >= MinQps and <= MaxQps)) errors.Add(string.Create(CultureInfo.InvariantCulture, $"--qps: must be {MinQps}..{MaxQps} (was {Qps})."));
        if (string.IsNullOrWhiteSpace(StateDir)) errors.Add("--state-dir: must not be empty.");
        if (RequestTimeout <= TimeSpan.Zero) errors.Add("request_timeout: must be positive.");
        errors.AddRange(Retry.Validate());
        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every error.</summary>
    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join(Environment.NewLine, errors));
    }

    /// <summary>Never prints the token.</summary>
    public override string ToString() =>
        $"UploadOptions {{ Endpoint = {(Endpoint is null ? "" : Snapconv.Core.Redaction.Redactor.Url(Endpoint.OriginalString))}, PixelId = {PixelId}, Token = ***, BatchSize = {BatchSize}, Concurrency = {Concurrency}, Qps = {Qps.ToString(CultureInfo.InvariantCulture)}, DryRun = {DryRun} }}";
}
