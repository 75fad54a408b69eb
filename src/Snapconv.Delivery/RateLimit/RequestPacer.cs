namespace Snapconv.Delivery.RateLimit;

/// <summary>
/// Client pacing (spec §7): a token bucket of <c>qps</c> requests per second that slows down after a 429
/// (multiplicative decrease: the rate halves, at most once per <see cref="DecreaseCooldown"/>, never below
/// <see cref="MinRate"/>) and recovers gradually (additive increase: <see cref="IncreaseStep"/> per
/// <see cref="RecoverAfter"/> answers in a row without a 429, up to the configured rate). A 429 also sets a
/// shared pause (Retry-After) so every sender waits, not only the one that was throttled.
/// </summary>
/// <remarks>
/// Why our own and not <c>System.Threading.RateLimiting</c>'s token bucket (measured with the bench's <c>pacer</c>
/// command, which runs both): the library's bucket refills on the system clock (a real timer, or elapsed ticks
/// when refilled by hand), so it cannot wait on the injected <see cref="TimeProvider"/> tests advance; its rate is
/// fixed per instance, where this one halves after a 429 and recovers; and it has no shared Retry-After pause.
/// The library costs less CPU when every sender waits on it (it wakes a burst of waiters per refill, this one a
/// timer per request), which an upload does not reach: requests wait on Snap, not on the pacer.
/// The bucket is kept in its GCRA form: a theoretical arrival time advanced by 1/rate per request, with a
/// burst of rate/10 requests (≥ 1) back to back. Each caller reserves its slot, so concurrent senders queue
/// in order; a new rate applies from the next reservation.
/// </remarks>
internal sealed class RequestPacer : IAsyncDisposable
{
    /// <summary>The lowest rate a run slows down to.</summary>
    public const double MinRate = 1;
    /// <summary>Answers without a 429, in a row, before the rate steps up again.</summary>
    public const int RecoverAfter = 20;
    /// <summary>Further 429s within this time of a decrease (answers to requests already in flight) do not halve again.</summary>
    public static readonly TimeSpan DecreaseCooldown = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();
    private readonly double _maxRate;
    private double _rate;
    private long _tat;
    private long _lastDecrease = long.MinValue;
    private int _successes;
    private long _pauseUntilTicks;

    public RequestPacer(double qps, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(qps, 0);
        _clock = clock;
        _maxRate = qps;
        _rate = qps;
        IncreaseStep = Math.Max(1, qps / 20);
    }

    /// <summary>The current rate in requests per second.</summary>
    public double Rate { get { lock (_lock) return _rate; } }

    /// <summary>How much the rate rises after <see cref="RecoverAfter"/> answers without a 429.</summary>
    public double IncreaseStep { get; }

    /// <summary>Waits for a pause to end and for a token.</summary>
    public async ValueTask WaitAsync(CancellationToken ct)
    {
        for (var i = 0; i < 1_000; i++)
        {
            var until = Interlocked.Read(ref _pauseUntilTicks);
            var now = Now;
            if (until <= now) break;
            await Task.Delay(TimeSpan.FromTicks(until - now), _clock, ct).ConfigureAwait(false);
        }
        long wait;
        lock (_lock)
        {
            var now = Now;
            var interval = (long)(TimeSpan.TicksPerSecond / _rate);
            var burst = Math.Max(1, (long)Math.Ceiling(_rate / 10));
            var tolerance = (burst - 1) * interval;
            if (_tat < now) _tat = now;
            var slot = Math.Max(now, _tat - tolerance);
            _tat += interval;
            wait = slot - now;
        }
        if (wait > 0) await Task.Delay(TimeSpan.FromTicks(wait), _clock, ct).ConfigureAwait(false);
    }

    /// <summary>Snap answered 429: halve the rate (once per cooldown, floor <see cref="MinRate"/>).</summary>
    public void OnThrottled()
    {
        lock (_lock)
        {
            _successes = 0;
            var now = Now;
            if (_lastDecrease != long.MinValue && now - _lastDecrease < DecreaseCooldown.Ticks) return;
            _lastDecrease = now;
            _rate = Math.Max(MinRate, _rate / 2);
        }
    }

    /// <summary>Snap answered without throttling: after <see cref="RecoverAfter"/> in a row, step the rate up.</summary>
    public void OnAnswered()
    {
        lock (_lock)
        {
            if (_rate >= _maxRate) return;
            if (++_successes < RecoverAfter) return;
            _successes = 0;
            _rate = Math.Min(_maxRate, _rate + IncreaseStep);
        }
    }

    /// <summary>Every sender waits <paramref name="delay"/> from now (the longest pause wins).</summary>
    public void Pause(TimeSpan delay)
    {
        var until = Now + delay.Ticks;
        long seen;
        do
        {
            seen = Interlocked.Read(ref _pauseUntilTicks);
            if (seen >= until) return;
        } while (Interlocked.CompareExchange(ref _pauseUntilTicks, until, seen) != seen);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private long Now => _clock.GetUtcNow().UtcTicks;
}
