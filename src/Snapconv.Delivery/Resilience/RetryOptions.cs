using System.ComponentModel.DataAnnotations;
using Snapconv.Core.Options;

namespace Snapconv.Delivery.Resilience;

/// <summary>
/// Retries of one request (spec §7): exponential backoff with full jitter for network errors, timeouts
/// and 5xx; 429 waits for <c>Retry-After</c> (capped) and has its own, larger budget.
/// </summary>
public sealed record RetryOptions
{
    /// <summary>Default attempts for network errors and 5xx: 8.</summary>
    public const int DefaultMaxAttempts = 8;
    /// <summary>Default 429 answers tolerated per request: 100.</summary>
    public const int DefaultMaxThrottledAttempts = 100;

    /// <summary>First backoff ceiling. Default 1 s.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Backoff cap. Default 60 s.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Attempts for network errors and 5xx, the first included. Default 8.</summary>
    [Range(1, 100)] public int MaxAttempts { get; init; } = DefaultMaxAttempts;
    /// <summary>429 answers tolerated per request before it fails. Default 100.</summary>
    [Range(1, 100_000)] public int MaxThrottledAttempts { get; init; } = DefaultMaxThrottledAttempts;
    /// <summary>Cap on a server's Retry-After. Default 10 min.</summary>
    public TimeSpan RetryAfterCap { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Every problem, each path under <paramref name="path"/> (e.g. <c>retry.max_attempts</c>); empty when valid.</summary>
    public IReadOnlyList<OptionError> Validate(string path = "retry")
    {
        var e = OptionValidator.Check(this, path);
        if (BaseDelay < TimeSpan.Zero) e.Add(new(OptionNames.Join(path, "base_delay"), "must not be negative."));
        if (MaxDelay < BaseDelay) e.Add(new(OptionNames.Join(path, "max_delay"), "must be at least base_delay."));
        if (RetryAfterCap < TimeSpan.Zero) e.Add(new(OptionNames.Join(path, "retry_after_cap"), "must not be negative."));
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
