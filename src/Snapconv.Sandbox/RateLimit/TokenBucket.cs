namespace Snapconv.Sandbox.RateLimit;

/// <summary>
/// A token bucket on an injected <see cref="TimeProvider"/> (the BCL limiters read the system clock, so
/// tests could not advance them). Capacity is one second of tokens (at least 1). Thread-safe.
/// </summary>
internal sealed class TokenBucket
{
    private readonly TimeProvider _clock;
    private readonly double _rate;
    private readonly double _capacity;
    private readonly Lock _gate = new();
    private double _tokens;
    private long _last;

    public TokenBucket(double tokensPerSecond, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokensPerSecond);
        _clock = clock;
        _rate = tokensPerSecond;
        _capacity = Math.Max(1, tokensPerSecond);
        _tokens = _capacity;
        _last = clock.GetTimestamp();
    }

    /// <summary>Takes one token; when none is left, false with the whole seconds (≥ 1) until one is.</summary>
    public bool TryTake(out int retryAfterSeconds)
    {
        lock (_gate)
        {
            var now = _clock.GetTimestamp();
            var elapsed = _clock.GetElapsedTime(_last, now).TotalSeconds;
            _last = now;
            _tokens = Math.Min(_capacity, _tokens + elapsed * _rate);
            if (_tokens >= 1)
            {
                _tokens -= 1;
                retryAfterSeconds = 0;
                return true;
            }
            retryAfterSeconds = (int)Math.Max(1, Math.Ceiling((1 - _tokens) / _rate));
            return false;
        }
    }
}

/// <summary>One <see cref="TokenBucket"/> per pixel (spec §11.7), created on first use.</summary>
internal sealed class PixelRateLimiter(double qps, TimeProvider clock)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TokenBucket> _buckets = new(StringComparer.Ordinal);

    public bool TryAcquire(string key, out int retryAfterSeconds) =>
        _buckets.GetOrAdd(key, static (_, s) => new TokenBucket(s.qps, s.clock), (qps, clock)).TryTake(out retryAfterSeconds);
}
