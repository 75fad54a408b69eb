using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Snapconv.Core.Options;

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
    [Range(0.0, 1.0)] public double FailRate { get; init; }
    /// <summary>Delay added to each CAPI request, 0..60000 ms. Default 0.</summary>
    [Range(0, MaxLatencyMs)] public int LatencyMs { get; init; }
    /// <summary>Share of stored batches whose answer is lost (connection aborted or 503), 0..1. Default 0.</summary>
    [Range(0.0, 1.0)] public double LoseAckRate { get; init; }
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

    /// <summary>
    /// Every problem with these options, each path under <paramref name="path"/> (the bare key such as <c>fail_rate</c>
    /// when blank; the CLI shows it as the flag); empty when valid.
    /// </summary>
    public IReadOnlyList<OptionError> Validate(string path = "")
    {
        var errors = OptionValidator.Check(this, path);
        string P(string key) => OptionNames.Join(path, key);
        if (string.IsNullOrWhiteSpace(Urls)) errors.Add(new(P("urls"), "must not be empty."));
        else
        {
            foreach (var u in Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var wildcard = ListenAddresses.IsWildcard(u) && (u.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
                if (!wildcard && (!Uri.TryCreate(u, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https")))
                    errors.Add(new(P("urls"), $"'{u}' is not an http(s) URL."));
                else if (!AllowRemote && !ListenAddresses.IsLoopback(u))
                    errors.Add(new(P("urls"), $"'{u}' is not a loopback address; the sandbox's inspection endpoints have no authentication, so it listens on 127.0.0.1, [::1] or localhost only (--allow-remote to listen beyond this machine)."));
            }
        }
        if (Qps is { } q && (!(q > 0) || double.IsInfinity(q)))
            errors.Add(new(P("qps"), $"must be a positive number (was {q.ToString(CultureInfo.InvariantCulture)})."));
        if (DbPath is not null && string.IsNullOrWhiteSpace(DbPath)) errors.Add(new(P("db"), $"must not be empty when given."));
        if (!Enum.IsDefined(PartialBatches)) errors.Add(new(P("partial_batches"), $"must be accept or reject (was {PartialBatches})."));
        if (!Enum.IsDefined(DedupClock)) errors.Add(new(P("dedup_clock"), $"must be event or arrival (was {DedupClock})."));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Pixels.Count; i++)
        {
            var p = Pixels[i];
            if (p is null) { errors.Add(new(P($"pixels[{i}]"), $"must not be null.")); continue; }
            if (string.IsNullOrWhiteSpace(p.PixelId) || p.PixelId.Contains('/'))
                errors.Add(new(P($"pixels[{i}].pixel_id"), $"must be a non-empty id without '/'."));
            else if (!seen.Add(p.PixelId)) errors.Add(new(P($"pixels[{i}].pixel_id"), $"'{p.PixelId}' is listed twice."));
            if (string.IsNullOrWhiteSpace(p.Token)) errors.Add(new(P($"pixels[{i}].token"), $"must not be empty."));
        }
        return errors;
    }

    /// <summary>Throws when <see cref="Validate"/> finds problems.</summary>
    /// <exception cref="ArgumentException">Lists every error, one per line.</exception>
    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
            throw new ArgumentException("Invalid sandbox options:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => e.ToString())));
    }
}
