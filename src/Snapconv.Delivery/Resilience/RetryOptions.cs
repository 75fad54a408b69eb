using System.Globalization;

namespace Snapconv.Delivery.Resilience;

/// <summary>
/// Retries of one request (spec §7): exponential backoff with full jitter for network errors, timeouts
/// and 5xx; 429 waits for <c>Retry-After</c> (capped) and has its own, larger budget.
/// </summary>
public sealed record RetryOptions
{
    /// <summary>First backoff ceiling. Default 1 s.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Backoff cap. Default 60 s.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Attempts for network errors and 5xx, the first included. Default 8.</summary>
    public int MaxAttempts { get; init; } = 8;
    /// <summary>429 answers tolerated per request before it fails. Default 100.</summary>
    public int MaxThrottledAttempts { get; init; } = 100;
    /// <summary>Cap on a server's Retry-After. Default 10 min.</summary>
    public TimeSpan RetryAfterCap { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Every problem; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var e = new List<string>();
        if (BaseDelay < TimeSpan.Zero) e.Add("retry.base_delay: must not be negative.");
        if (MaxDelay < BaseDelay) e.Add("retry.max_delay: must be at least base_delay.");
        if (MaxAttempts is < 1 or > 100) e.Add($"retry.max_attempts: must be 1..100 (was {MaxAttempts.ToString(CultureInfo.InvariantCulture)}).");
        if (MaxThrottledAttempts is < 1 or > 100_000) e.Add("retry.max_throttled_attempts: must be 1..100000.");
        if (RetryAfterCap < TimeSpan.Zero) e.Add("retry.retry_after_cap: must not be negative.");
        return e;
    }

    /// <summary>Full jitter: uniform in [0, min(cap, base·2^retry)].</summary>
    internal TimeSpan Backoff(int retry, double unit)
    {
        var ceiling = BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 30));
        ceiling = Math.Min(ceiling, MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ceiling * unit);
    }
}
