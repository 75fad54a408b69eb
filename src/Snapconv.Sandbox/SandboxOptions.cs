using System.Globalization;

namespace Snapconv.Sandbox;

/// <summary>What <c>--partial-batches</c> does with a batch holding invalid events (spec §11.3).</summary>
public enum PartialBatchMode
{
    /// <summary>Store nothing and answer §6's 400 body (default).</summary>
    Reject,
    /// <summary>Store the valid events and answer §6's 400 body naming the invalid ones.</summary>
    Accept,
}

/// <summary>Which clock dedup windows compare (spec §8).</summary>
public enum DedupClock
{
    /// <summary>Compare <c>event_time</c> values, |Δ| ≤ window (default): every retry is idempotent.</summary>
    EventTime,
    /// <summary>Compare arrival times on the sandbox's injected <see cref="TimeProvider"/>.</summary>
    Arrival,
}

/// <summary>A pixel the sandbox serves and the token that owns it.</summary>
/// <param name="PixelId">The Pixel ID in the path <c>/v3/{pixel_id}/events</c>.</param>
/// <param name="Token">The access token owning the pixel. Never logged.</param>
public sealed record PixelCredential(string PixelId, string Token)
{
    /// <summary>Parses the CLI form <c>PIXEL_ID=TOKEN</c>.</summary>
    /// <exception cref="FormatException">No <c>=</c>, or an empty side.</exception>
    public static PixelCredential Parse(string text)
    {
        var i = text.IndexOf('=');
        if (i <= 0 || i == text.Length - 1)
            throw new FormatException("A pixel must be given as PIXEL_ID=TOKEN.");
        return new PixelCredential(text[..i].Trim(), text[(i + 1)..].Trim());
    }

    /// <summary>Never prints the token.</summary>
    public override string ToString() => $"PixelCredential {{ PixelId = {PixelId}, Token = *** }}";
}

/// <summary>
/// Options of the local CAPI v3 sandbox (issue #4, spec §11). Validated once by
/// <see cref="SandboxApp.Build"/>; <see cref="Validate"/> lists every error with its option name.
/// </summary>
public sealed record SandboxOptions
{
    /// <summary>Default listen address.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8787";
    /// <summary>The upper bound of <see cref="LatencyMs"/>: one minute.</summary>
    public const int MaxLatencyMs = 60_000;

    /// <summary>Listen URLs (<c>;</c>-separated). Default <c>http://127.0.0.1:8787</c>; use port 0 for a free port.</summary>
    public string Urls { get; init; } = DefaultUrls;
    /// <summary>
    /// Listen on addresses other than loopback (a LAN address, <c>0.0.0.0</c>, <c>*</c>, <c>+</c>). Default false: the
    /// inspection endpoints have no authentication, so anyone who can reach the port can read every stored event.
    /// </summary>
    public bool AllowRemote { get; init; }
    /// <summary>Pixels and their tokens. Default: empty, meaning one demo pixel and token are generated.</summary>
    public IReadOnlyList<PixelCredential> Pixels { get; init; } = [];
    /// <summary>SQLite file keeping received events. Default: null (in memory only).</summary>
    public string? DbPath { get; init; }
    /// <summary>Requests per second per pixel (token bucket). Default: null (unlimited). Must be &gt; 0.</summary>
    public double? Qps { get; init; }
    /// <summary>Share of requests answered 500/503 before processing, 0..1. Default 0.</summary>
    public double FailRate { get; init; }
    /// <summary>Delay added to each CAPI request, 0..60000 ms. Default 0.</summary>
    public int LatencyMs { get; init; }
    /// <summary>Share of stored batches whose answer is lost (connection aborted or 503), 0..1. Default 0.</summary>
    public double LoseAckRate { get; init; }
    /// <summary>Seed of the fault random source. Default: null (unseeded).</summary>
    public int? Seed { get; init; }
    /// <summary>Batches with invalid events: reject all (default) or store the valid ones.</summary>
    public PartialBatchMode PartialBatches { get; init; } = PartialBatchMode.Reject;
    /// <summary>Clock of dedup windows. Default: event_time.</summary>
    public DedupClock DedupClock { get; init; } = DedupClock.EventTime;
    /// <summary>Write one line per request (pixel, events, status, ms; never the token). Default true.</summary>
    public bool LogRequests { get; init; } = true;
    /// <summary>Where request lines go. Default: null, meaning standard output.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>Every problem with these options, each naming the option; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Urls)) errors.Add("urls: must not be empty.");
        else
        {
            foreach (var u in Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var wildcard = ListenAddresses.IsWildcard(u) && (u.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
                if (!wildcard && (!Uri.TryCreate(u, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https")))
                    errors.Add($"urls: '{u}' is not an http(s) URL.");
                else if (!AllowRemote && !ListenAddresses.IsLoopback(u))
                    errors.Add($"urls: '{u}' is not a loopback address; the sandbox's inspection endpoints have no authentication, so it listens on 127.0.0.1, [::1] or localhost only (--allow-remote to listen beyond this machine).");
            }
        }
        if (Qps is { } q && (!(q > 0) || double.IsInfinity(q)))
            errors.Add($"qps: must be a positive number (was {q.ToString(CultureInfo.InvariantCulture)}).");
        if (!(FailRate is >= 0 and <= 1))
            errors.Add($"fail_rate: must be between 0 and 1 (was {FailRate.ToString(CultureInfo.InvariantCulture)}).");
        if (!(LoseAckRate is >= 0 and <= 1))
            errors.Add($"lose_ack_rate: must be between 0 and 1 (was {LoseAckRate.ToString(CultureInfo.InvariantCulture)}).");
        if (LatencyMs is < 0 or > MaxLatencyMs)
            errors.Add($"latency_ms: must be between 0 and {MaxLatencyMs} (was {LatencyMs}).");
        if (DbPath is not null && string.IsNullOrWhiteSpace(DbPath)) errors.Add("db: must not be empty when given.");
        if (!Enum.IsDefined(PartialBatches)) errors.Add($"partial_batches: must be accept or reject (was {PartialBatches}).");
        if (!Enum.IsDefined(DedupClock)) errors.Add($"dedup_clock: must be event or arrival (was {DedupClock}).");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Pixels.Count; i++)
        {
            var p = Pixels[i];
            if (p is null) { errors.Add($"pixels[{i}]: must not be null."); continue; }
            if (string.IsNullOrWhiteSpace(p.PixelId) || p.PixelId.Contains('/'))
                errors.Add($"pixels[{i}].pixel_id: must be a non-empty id without '/'.");
            else if (!seen.Add(p.PixelId)) errors.Add($"pixels[{i}].pixel_id: '{p.PixelId}' is listed twice.");
            if (string.IsNullOrWhiteSpace(p.Token)) errors.Add($"pixels[{i}].token: must not be empty.");
        }
        return errors;
    }

    /// <summary>Throws when <see cref="Validate"/> finds problems.</summary>
    /// <exception cref="ArgumentException">Lists every error, one per line.</exception>
    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
            throw new ArgumentException("Invalid sandbox options:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
    }
}
