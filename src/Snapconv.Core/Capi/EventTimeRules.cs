namespace Snapconv.Core.Capi;

/// <summary>
/// The bounds and warnings of <c>event_time</c> (spec §4.3), shared by the client and the sandbox.
/// "Now" is the injected clock.
/// </summary>
public sealed class EventTimeRules(TimeProvider clock)
{
    /// <summary>2000-01-01T00:00:00Z: anything earlier is invalid (catches Excel serials).</summary>
    public const long MinSeconds = 946_684_800;
    /// <summary>Values from here up are milliseconds.</summary>
    public const long MillisecondsFrom = 100_000_000_000;
    /// <summary>Values from here up are invalid.</summary>
    public const long MaxExclusive = 100_000_000_000_000;

    public static readonly TimeSpan FutureTolerance = TimeSpan.FromSeconds(600);
    public static readonly TimeSpan NotAttributableAfter = TimeSpan.FromDays(37);
    public static readonly TimeSpan TooOldAfter = TimeSpan.FromDays(62);

    public TimeProvider Clock => clock;

    /// <summary>
    /// Reads a Unix timestamp in seconds or milliseconds as seconds (floored). False for anything
    /// ≤ 0, before 2000-01-01 or ≥ 10^14.
    /// </summary>
    public static bool TryToSeconds(long value, out long seconds)
    {
        seconds = value >= MillisecondsFrom ? value / 1000 : value;
        return value > 0 && value < MaxExclusive && seconds >= MinSeconds;
    }

    /// <summary>Adds the warnings that apply to <paramref name="seconds"/> (independent of each other).</summary>
    public void AddWarnings(long seconds, ICollection<Reason> warnings)
    {
        foreach (var w in WarningsFor(seconds)) warnings.Add(w);
    }

    private static readonly Reason[][] WarningSets =
    [
        [], [Reason.EventTimeInFuture], [Reason.EventTimeNotAttributable],
        [Reason.EventTimeNotAttributable, Reason.EventTimeTooOld],
    ];

    /// <summary>The warnings that apply to <paramref name="seconds"/>, in a shared array (no allocation).</summary>
    public ReadOnlySpan<Reason> WarningsFor(long seconds) => WarningsFor(seconds, NowSeconds());

    /// <summary>"Now" in Unix seconds, read once for a batch of rows (the clock is not free: a system call's worth).</summary>
    public long NowSeconds() => clock.GetUtcNow().ToUnixTimeSeconds();

    /// <summary><see cref="WarningsFor(long)"/> at the given <paramref name="nowSeconds"/>.</summary>
    public static ReadOnlySpan<Reason> WarningsFor(long seconds, long nowSeconds)
    {
        var age = nowSeconds - seconds;
        if (-age > (long)FutureTolerance.TotalSeconds) return WarningSets[1];
        if (age > (long)TooOldAfter.TotalSeconds) return WarningSets[3];
        if (age > (long)NotAttributableAfter.TotalSeconds) return WarningSets[2];
        return WarningSets[0];
    }

    /// <summary>True when the event is older than <paramref name="maxAgeDays"/> days.</summary>
    public bool IsOlderThan(long seconds, int maxAgeDays) => IsOlderThan(seconds, maxAgeDays, NowSeconds());

    /// <summary><see cref="IsOlderThan(long, int)"/> at the given <paramref name="nowSeconds"/>.</summary>
    public static bool IsOlderThan(long seconds, int maxAgeDays, long nowSeconds) => nowSeconds - seconds > maxAgeDays * 86_400L;
}
