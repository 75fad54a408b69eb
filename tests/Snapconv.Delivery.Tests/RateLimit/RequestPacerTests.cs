using Microsoft.Extensions.Time.Testing;
using Snapconv.Delivery.RateLimit;

namespace Snapconv.Delivery.Tests.RateLimit;

public class RequestPacerTests
{
    [Fact]
    public async Task Throttled_HalvesRate_OncePerCooldown_DownToOnePerSecond()
    {
        var clock = new FakeTimeProvider();
        await using var pacer = new RequestPacer(500, clock);
        Assert.Equal(500, pacer.Rate);

        pacer.OnThrottled();
        Assert.Equal(250, pacer.Rate);
        // The other requests in flight answer 429 too: one decrease per cooldown, not one per answer.
        for (var i = 0; i < 7; i++) pacer.OnThrottled();
        Assert.Equal(250, pacer.Rate);

        clock.Advance(RequestPacer.DecreaseCooldown);
        pacer.OnThrottled();
        Assert.Equal(125, pacer.Rate);

        for (var i = 0; i < 20; i++)
        {
            clock.Advance(RequestPacer.DecreaseCooldown);
            pacer.OnThrottled();
        }
        Assert.Equal(RequestPacer.MinRate, pacer.Rate);
    }

    [Fact]
    public async Task Answered_RecoversAdditively_AfterARunOfSuccesses_UpToTheConfiguredRate()
    {
        var clock = new FakeTimeProvider();
        await using var pacer = new RequestPacer(500, clock);
        pacer.OnThrottled();
        Assert.Equal(250, pacer.Rate);
        Assert.Equal(25, pacer.IncreaseStep);

        for (var i = 0; i < RequestPacer.RecoverAfter - 1; i++) pacer.OnAnswered();
        Assert.Equal(250, pacer.Rate);
        pacer.OnAnswered();
        Assert.Equal(275, pacer.Rate);

        // A 429 resets the run: the next step needs RecoverAfter answers again (and the rate halves once the cooldown passed).
        for (var i = 0; i < RequestPacer.RecoverAfter - 1; i++) pacer.OnAnswered();
        pacer.OnThrottled(); // within the cooldown of the first decrease: no halving, but the run restarts
        Assert.Equal(275, pacer.Rate);
        pacer.OnAnswered();
        Assert.Equal(275, pacer.Rate);

        for (var i = 0; i < 1_000; i++) pacer.OnAnswered();
        Assert.Equal(500, pacer.Rate);
    }

    [Fact]
    public async Task WaitAsync_FollowsTheLoweredRate()
    {
        var clock = new FakeTimeProvider();
        await using var pacer = new RequestPacer(2, clock); // burst 1, one request per 500 ms

        Assert.True(pacer.WaitAsync(CancellationToken.None).IsCompleted);
        var second = pacer.WaitAsync(CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(500));
        await second.WaitAsync(TimeSpan.FromSeconds(5));

        pacer.OnThrottled();
        Assert.Equal(1, pacer.Rate);
        // The slot after the second one is reserved at the old interval; from then on, one per second.
        var third = pacer.WaitAsync(CancellationToken.None).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(500));
        await third.WaitAsync(TimeSpan.FromSeconds(5));
        var fourth = pacer.WaitAsync(CancellationToken.None).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(20);
        Assert.False(fourth.IsCompleted, "at 1 req/s the next request waits a full second");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await fourth.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task WaitAsync_AllowsABurstOfATenthOfTheRate()
    {
        var clock = new FakeTimeProvider();
        await using var pacer = new RequestPacer(100, clock); // burst 10, 10 ms apart after that
        for (var i = 0; i < 10; i++) Assert.True(pacer.WaitAsync(CancellationToken.None).IsCompleted, $"request {i} of the burst");
        var next = pacer.WaitAsync(CancellationToken.None).AsTask();
        Assert.False(next.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(10));
        await next.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Pause_HoldsEverySender()
    {
        var clock = new FakeTimeProvider();
        await using var pacer = new RequestPacer(100, clock);
        pacer.Pause(TimeSpan.FromSeconds(3));
        var w = pacer.WaitAsync(CancellationToken.None).AsTask();
        clock.Advance(TimeSpan.FromSeconds(2));
        await Task.Delay(20);
        Assert.False(w.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        await w.WaitAsync(TimeSpan.FromSeconds(5));
    }
}
