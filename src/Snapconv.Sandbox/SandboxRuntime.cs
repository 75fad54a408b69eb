using System.Collections.Frozen;
using Snapconv.Core.Capi;
using Snapconv.Sandbox.Faults;
using Snapconv.Sandbox.RateLimit;
using Snapconv.Sandbox.Store;

namespace Snapconv.Sandbox;

/// <summary>Everything one sandbox instance shares across requests, built once from validated options.</summary>
internal sealed class SandboxRuntime : IDisposable
{
    public SandboxRuntime(SandboxOptions options, TimeProvider clock)
    {
        options.EnsureValid();
        Options = options;
        Clock = clock;
        Pixels = options.Pixels.Count > 0 ? options.Pixels : [GenerateDemoPixel()];
        PixelsGenerated = options.Pixels.Count == 0;
        TokenOwners = Pixels.GroupBy(p => p.Token, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(p => p.PixelId).ToFrozenSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var journal = options.DbPath is { } path ? new SqliteEventJournal(path) : null;
        Store = new SandboxStore(Pixels.Select(p => p.PixelId), options.DedupClock, journal);
        TimeRules = new EventTimeRules(clock);
        Limiter = options.Qps is { } qps ? new PixelRateLimiter(qps, clock) : null;
        Faults = new FaultPipeline(FaultOptions.From(options), options.Seed, clock);
        Log = options.LogRequests ? (options.Log is { } w ? TextWriter.Synchronized(w) : Console.Out) : null;
    }

    public SandboxOptions Options { get; }
    public TimeProvider Clock { get; }
    public IReadOnlyList<PixelCredential> Pixels { get; }
    public bool PixelsGenerated { get; }
    public FrozenDictionary<string, FrozenSet<string>> TokenOwners { get; }
    public SandboxStore Store { get; }
    public EventTimeRules TimeRules { get; }
    public PixelRateLimiter? Limiter { get; }
    public FaultPipeline Faults { get; }
    public TextWriter? Log { get; }

    public long NowMs => Clock.GetUtcNow().ToUnixTimeMilliseconds();

    public void Dispose() => Store.Dispose();

    private static PixelCredential GenerateDemoPixel() =>
        new(Guid.NewGuid().ToString(), "sandbox-demo-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
}
