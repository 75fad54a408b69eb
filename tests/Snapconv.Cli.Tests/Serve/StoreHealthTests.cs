using Microsoft.Extensions.Time.Testing;
using Snapconv.Cli.Serve;

namespace Snapconv.Cli.Tests.Serve;

/// <summary>A node that loses its store stops starting jobs, backs off, and rejoins (#19).</summary>
public class StoreHealthTests
{
    private static async Task Until(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }

    [Fact]
    public async Task StoreHealth_StoreLost_UnhealthyOnce_BacksOffDoubling_ThenRejoins()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var down = false;
        var probes = new List<DateTimeOffset>();
        var (lost, back) = (0, 0);
        var health = new StoreHealth(_ =>
        {
            lock (probes) probes.Add(clock.GetUtcNow());
            return down ? Task.FromException(new TimeoutException()) : Task.CompletedTask;
        }, new StoreHealthOptions { Interval = TimeSpan.FromSeconds(2), MaxBackoff = TimeSpan.FromSeconds(8) }, clock,
            () => { Interlocked.Increment(ref lost); return Task.CompletedTask; },
            () => { Interlocked.Increment(ref back); return Task.CompletedTask; });
        using var cts = new CancellationTokenSource();
        var loop = health.RunAsync(cts.Token);
        int Probes() { lock (probes) return probes.Count; }
        await Until(() => Probes() == 1);
        Assert.True(health.Healthy);

        down = true;
        clock.Advance(TimeSpan.FromSeconds(2));
        await Until(() => Probes() == 2 && lost == 1);
        Assert.False(health.Healthy);
        Assert.Contains("TimeoutException", health.Problem);
        // Backoff while down: 2 s, then 4, then 8, capped at 8.
        foreach (var wait in new[] { 2, 4, 8, 8 })
        {
            var before = Probes();
            clock.Advance(TimeSpan.FromSeconds(wait) - TimeSpan.FromMilliseconds(1));
            await Task.Delay(50);
            Assert.Equal(before, Probes());
            clock.Advance(TimeSpan.FromMilliseconds(1));
            await Until(() => Probes() == before + 1);
        }
        Assert.Equal(1, lost); // told once, not at every probe

        down = false;
        var n = Probes();
        clock.Advance(TimeSpan.FromSeconds(8));
        await Until(() => Probes() == n + 1 && back == 1);
        Assert.True(health.Healthy);
        Assert.Null(health.Problem);
        await cts.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
