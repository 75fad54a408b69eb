using System.Threading.RateLimiting;

namespace Snapconv.Delivery.RateLimit;

/// <summary>
/// Client pacing (spec §7): a token bucket of <c>qps</c> requests per second, plus a shared pause after a
/// 429 so every sender slows down, not only the one that was throttled.
/// </summary>
internal sealed class RequestPacer : IAsyncDisposable
{
    private readonly TokenBucketRateLimiter _bucket;
    private readonly TimeProvider _clock;
    private long _pauseUntilTicks;

    public RequestPacer(double qps, TimeProvider clock)
    {
        _clock = clock;
        // Small periods keep bursts small: at most qps/10 requests (≥ 1) back to back.
        var period = qps >= 10 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1 / qps);
        var perPeriod = qps >= 10 ? (int)Math.Ceiling(qps / 10) : 1;
        _bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, perPeriod),
            TokensPerPeriod = perPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    /// <summary>Waits for a pause to end and for a token.</summary>
    public async ValueTask WaitAsync(CancellationToken ct)
    {
        while (true)
        {
            var until = Interlocked.Read(ref _pauseUntilTicks);
            var now = _clock.GetUtcNow().UtcTicks;
            if (until <= now) break;
            await Task.Delay(TimeSpan.FromTicks(until - now), _clock, ct).ConfigureAwait(false);
        }
        using var lease = await _bucket.AcquireAsync(1, ct).ConfigureAwait(false);
    }

    /// <summary>Every sender waits <paramref name="delay"/> from now (the longest pause wins).</summary>
    public void Pause(TimeSpan delay)
    {
        var until = _clock.GetUtcNow().UtcTicks + delay.Ticks;
        long seen;
        do
        {
            seen = Interlocked.Read(ref _pauseUntilTicks);
            if (seen >= until) return;
        } while (Interlocked.CompareExchange(ref _pauseUntilTicks, until, seen) != seen);
    }

    public ValueTask DisposeAsync() => _bucket.DisposeAsync();
}
