namespace Snapconv.Sandbox.Faults;

/// <summary>
/// The sandbox's seeded random source, shared by every fault strategy so one seed reproduces a run
/// (for sequential requests). Thread-safe.
/// </summary>
internal sealed class FaultRandom(int? seed)
{
    private readonly Random _random = seed is { } s ? new Random(s) : new Random();
    private readonly Lock _gate = new();

    public double NextDouble()
    {
        lock (_gate) return _random.NextDouble();
    }

    public bool Chance(double rate) => rate > 0 && (rate >= 1 || NextDouble() < rate);
}

/// <summary>Options of the fault strategies (from <see cref="SandboxOptions"/>).</summary>
internal sealed record FaultOptions(double FailRate, int LatencyMs, double LoseAckRate)
{
    public static FaultOptions From(SandboxOptions o) => new(o.FailRate, o.LatencyMs, o.LoseAckRate);
}

/// <summary>What a fault decided before processing: go on, or answer with this status.</summary>
internal readonly record struct FaultVerdict(int? Status)
{
    public static readonly FaultVerdict Proceed = new(null);
}

/// <summary><c>--fail-rate F</c>: answers 500 or 503 before processing with probability F.</summary>
internal sealed class FailRateFault(double rate, FaultRandom random)
{
    public FaultVerdict Decide()
    {
        if (!random.Chance(rate)) return FaultVerdict.Proceed;
        return new FaultVerdict(random.NextDouble() < 0.5 ? StatusCodes.Status500InternalServerError : StatusCodes.Status503ServiceUnavailable);
    }
}

/// <summary><c>--latency-ms N</c>: delays each CAPI request on the injected clock.</summary>
internal sealed class LatencyFault(int latencyMs, TimeProvider clock)
{
    public Task DelayAsync(CancellationToken ct) =>
        latencyMs <= 0 ? Task.CompletedTask : Task.Delay(TimeSpan.FromMilliseconds(latencyMs), clock, ct);
}

/// <summary>How a lost acknowledgement shows to the client.</summary>
internal enum LostAck { None, Abort, ServiceUnavailable }

/// <summary>
/// <c>--lose-ack-rate F</c>: after the batch is stored, with probability F the answer is lost: the
/// connection is aborted or 503 is answered (each half the time).
/// </summary>
internal sealed class LostAckFault(double rate, FaultRandom random)
{
    public LostAck Decide()
    {
        if (!random.Chance(rate)) return LostAck.None;
        return random.NextDouble() < 0.5 ? LostAck.Abort : LostAck.ServiceUnavailable;
    }
}

/// <summary>The fault strategies of one sandbox, sharing one seeded random source.</summary>
internal sealed class FaultPipeline
{
    public FaultPipeline(FaultOptions options, int? seed, TimeProvider clock)
    {
        var random = new FaultRandom(seed);
        Fail = new FailRateFault(options.FailRate, random);
        Latency = new LatencyFault(options.LatencyMs, clock);
        LostAck = new LostAckFault(options.LoseAckRate, random);
    }

    public FailRateFault Fail { get; }
    public LatencyFault Latency { get; }
    public LostAckFault LostAck { get; }
}
