namespace Snapconv.Delivery.RateLimit;

// Why our own pacer and not System.Threading.RateLimiting's token bucket: the library refills on the system clock,
// so it cannot wait on the injected TimeProvider tests advance; its rate is fixed per instance, where this one halves
// after a 429 and recovers; and it has no shared Retry-After pause. Its CPU cost was the reason to look again: waiting
// senders now sit in one queue woken by one timer, at most every 50 ms (before: a timer per request, each sender
// waking alone). `dotnet run -c Release --project bench/Snapconv.Bench -- pacer 500` (8 senders, 5 alternating runs
// old/new on 2 shared cores, load 13-18, 2026-12-05): 45-67 CPU-us a slot (medians of the warm and the first round)
// against 266-313 before, and the library's bucket 22-30 in the same processes; the rate held (498-513 req/s).
// A 100 ms spacing reached the library's cost (20-27) but would delay a request up to 100 ms after its slot.

/// <summary>
/// Client pacing (spec §7): a token bucket of <c>qps</c> requests per second that slows down after a 429
/// (multiplicative decrease: the rate halves, at most once per <see cref="DecreaseCooldown"/>, never below
/// <see cref="MinRate"/>) and recovers gradually (additive increase: <see cref="IncreaseStep"/> per
/// <see cref="RecoverAfter"/> answers in a row without a 429, up to the configured rate). A 429 also sets a
/// shared pause (Retry-After) so every sender waits, not only the one that was throttled.
/// </summary>
/// <remarks>
/// The bucket is kept in its GCRA form: a theoretical arrival time advanced by 1/rate per request, with a
/// burst of rate/10 requests (≥ 1) back to back. Each caller reserves its slot, so concurrent senders queue
/// in order; a new rate applies from the next reservation. A sender waiting for a pause reserves its slot when
/// the pause ends. No request leaves before its slot. Waiting senders share one timer, which wakes at most once
/// per <see cref="MaxWakeSpacing"/> (and never more coarsely than the burst allows): a wake-up releases every
/// sender whose slot has come, so at high rates a request may leave up to that spacing after its slot, in a
/// group no larger than the burst.
/// </remarks>
internal sealed class RequestPacer : IAsyncDisposable
{
    /// <summary>The lowest rate a run slows down to.</summary>
    public const double MinRate = 1;
    /// <summary>Answers without a 429, in a row, before the rate steps up again.</summary>
    public const int RecoverAfter = 20;
    /// <summary>Further 429s within this time of a decrease (answers to requests already in flight) do not halve again.</summary>
    public static readonly TimeSpan DecreaseCooldown = TimeSpan.FromSeconds(1);
    /// <summary>
    /// The shortest time between two wake-ups of the waiting senders' timer (capped by the burst's tolerance, so at
    /// rates of 10/s or less every request leaves exactly at its slot).
    /// </summary>
    public static readonly TimeSpan MaxWakeSpacing = TimeSpan.FromMilliseconds(50);

    private readonly TimeProvider _clock;
    private readonly Lock _lock = new();
    private readonly double _maxRate;
    private readonly List<Waiter> _waiting = [];
    private readonly ITimer _timer;
    private double _rate;
    private long _tat;
    private long _lastDecrease = long.MinValue;
    private int _successes;
    private long _pauseUntilTicks;
    private long _timerDue = long.MaxValue;      // when the timer is set to fire (MaxValue: not set)
    private long _lastWake = long.MinValue;
    private bool _disposed;

    public RequestPacer(double qps, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(qps, 0);
        _clock = clock;
        _maxRate = qps;
        _rate = qps;
        IncreaseStep = Math.Max(1, qps / 20);
        _timer = clock.CreateTimer(static s => ((RequestPacer)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The current rate in requests per second.</summary>
    public double Rate { get { lock (_lock) return _rate; } }

    /// <summary>How much the rate rises after <see cref="RecoverAfter"/> answers without a 429.</summary>
    public double IncreaseStep { get; }

    /// <summary>Waits for a pause to end and for a token.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled while waiting (the slot is not given back).</exception>
    public ValueTask WaitAsync(CancellationToken ct)
    {
        if (ct.IsCancellationRequested) return ValueTask.FromCanceled(ct);
        Waiter waiter;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var now = Now;
            var until = Interlocked.Read(ref _pauseUntilTicks);
            if (until > now)
            {
                waiter = new Waiter(this, due: until, reserved: false);
            }
            else
            {
                var slot = Reserve(now);
                if (slot <= now) return ValueTask.CompletedTask;
                waiter = new Waiter(this, due: slot, reserved: true);
            }
            // Registered before it is queued: a token cancelled meanwhile completes it here, and it is never queued.
            if (ct.CanBeCanceled) waiter.Registration = ct.UnsafeRegister(static (s, t) => ((Waiter)s!).Cancel(t), waiter);
            if (!waiter.Task.IsCompleted)
            {
                _waiting.Add(waiter);
                ArmTimer(now);
            }
        }
        return new ValueTask(waiter.Task);
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
    /// <remarks>A sender that has already reserved its slot keeps it; one waiting for an earlier pause waits for this one.</remarks>
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

    public ValueTask DisposeAsync()
    {
        Waiter[] left;
        lock (_lock)
        {
            if (_disposed) return ValueTask.CompletedTask;
            _disposed = true;
            left = [.. _waiting];
            _waiting.Clear();
        }
        _timer.Dispose();
        foreach (var w in left) w.Fail(new ObjectDisposedException(nameof(RequestPacer)));
        return ValueTask.CompletedTask;
    }

    private long Now => _clock.GetUtcNow().UtcTicks;

    /// <summary>Takes the next slot of the bucket (GCRA); under <see cref="_lock"/>.</summary>
    private long Reserve(long now)
    {
        var interval = (long)(TimeSpan.TicksPerSecond / _rate);
        var tolerance = Tolerance(interval);
        if (_tat < now) _tat = now;
        var slot = Math.Max(now, _tat - tolerance);
        _tat += interval;
        return slot;
    }

    private long Tolerance(long interval) => (Math.Max(1, (long)Math.Ceiling(_rate / 10)) - 1) * interval;

    /// <summary>Sets the timer to the earliest due waiter, no sooner than the wake spacing after the last wake-up; under <see cref="_lock"/>.</summary>
    private void ArmTimer(long now)
    {
        if (_waiting.Count == 0) return;
        var due = long.MaxValue;
        foreach (var w in _waiting) due = Math.Min(due, w.Due);
        if (_lastWake != long.MinValue)
            due = Math.Max(due, _lastWake + Math.Min(MaxWakeSpacing.Ticks, Tolerance((long)(TimeSpan.TicksPerSecond / _rate))));
        if (due >= _timerDue && _timerDue > now) return;   // already set to fire in time
        _timerDue = due;
        _timer.Change(TimeSpan.FromTicks(Math.Max(0, due - now)), Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        List<Waiter>? released = null;
        lock (_lock)
        {
            if (_disposed) return;
            var now = Now;
            _timerDue = long.MaxValue;
            _lastWake = now;
            var pause = Interlocked.Read(ref _pauseUntilTicks);
            for (var i = 0; i < _waiting.Count; i++)
            {
                var w = _waiting[i];
                if (w.Due > now) continue;
                if (!w.Reserved)
                {
                    // Its pause ended (or was extended: wait for the new end), then it takes its slot in the bucket.
                    if (pause > now) { w.Due = pause; continue; }
                    w.Reserved = true;
                    w.Due = Reserve(now);
                    if (w.Due > now) continue;
                }
                (released ??= []).Add(w);
                _waiting.RemoveAt(i--);
            }
            ArmTimer(now);
        }
        if (released is not null)
            foreach (var w in released) w.Release();
    }

    private void Remove(Waiter waiter)
    {
        lock (_lock) _waiting.Remove(waiter);
    }

    /// <summary>A sender waiting for its slot (or for a pause to end, before it reserves one).</summary>
    private sealed class Waiter(RequestPacer pacer, long due, bool reserved) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public long Due = due;
        public bool Reserved = reserved;
        public CancellationTokenRegistration Registration;

        public void Release()
        {
            Registration.Unregister();
            TrySetResult();
        }

        public void Fail(Exception e)
        {
            Registration.Unregister();
            TrySetException(e);
        }

        public void Cancel(CancellationToken ct)
        {
            pacer.Remove(this);
            TrySetCanceled(ct);
        }
    }
}
