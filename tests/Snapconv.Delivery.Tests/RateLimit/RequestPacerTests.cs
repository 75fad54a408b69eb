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
        Assert.True(second.IsCompletedSuccessfully);

        pacer.OnThrottled();
        Assert.Equal(1, pacer.Rate);
        // The slot after the second one is reserved at the old interval; from then on, one per second.
        var third = pacer.WaitAsync(CancellationToken.None).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(third.IsCompletedSuccessfully);
        var fourth = pacer.WaitAsync(CancellationToken.None).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(fourth.IsCompleted, "at 1 req/s the next request waits a full second");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(fourth.IsCompletedSuccessfully);
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
        Assert.True(next.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Pause_HoldsEverySender()
    {
        var clock = new FakeTimeProvider();
        await using var pacer = new RequestPacer(100, clock);
        pacer.Pause(TimeSpan.FromSeconds(3));
        var w = pacer.WaitAsync(CancellationToken.None).AsTask();
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(w.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(w.IsCompletedSuccessfully);
        await w;
    }

    [Fact]
    public async Task Pause_ExtendedWhileWaiting_HoldsTheSenderToTheLaterEnd()
    {
        var clock = new FakeTimeProvider();
        await using var pacer = new RequestPacer(2, clock);
        pacer.Pause(TimeSpan.FromSeconds(1));
        var w = pacer.WaitAsync(CancellationToken.None).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(500));
        pacer.Pause(TimeSpan.FromSeconds(2)); // a second 429: until 2.5 s
        clock.Advance(TimeSpan.FromMilliseconds(1_999));
        Assert.False(w.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(w.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task WaitAsync_ManySendersAtAHighRate_NoneLeavesBeforeItsSlotNorLaterThanTheWakeSpacing()
    {
        var clock = new FakeTimeProvider();
        await using var pacer = new RequestPacer(500, clock); // burst 50, one slot every 2 ms after it
        for (var i = 0; i < 50; i++) Assert.True(pacer.WaitAsync(CancellationToken.None).IsCompleted, $"request {i} of the burst");
        var waiting = Enumerable.Range(0, 20).Select(_ => pacer.WaitAsync(CancellationToken.None).AsTask()).ToArray();
        var released = new long[waiting.Length];
        var spacing = (long)RequestPacer.MaxWakeSpacing.TotalMilliseconds;   // below the burst's tolerance (98 ms) at this rate
        var end = 2 * waiting.Length + spacing + 5;
        for (var ms = 1; ms <= end; ms++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(1));
            for (var i = 0; i < waiting.Length; i++)
                if (released[i] == 0 && waiting[i].IsCompletedSuccessfully) released[i] = ms;
        }
        for (var i = 0; i < waiting.Length; i++)
        {
            var slot = 2 * (i + 1);
            Assert.InRange(released[i], slot, slot + spacing);
        }
        // One wake-up releases every sender whose slot has come: at most one wake-up per spacing, not one per request.
        Assert.InRange(released.Distinct().Count(), 1, end / spacing + 1);
    }

    [Fact]
    public async Task WaitAsync_Cancelled_EndsThatWaitOnly()
    {
        var clock = new FakeTimeProvider();
        await using var pacer = new RequestPacer(2, clock);
        Assert.True(pacer.WaitAsync(CancellationToken.None).IsCompleted);
        using var cts = new CancellationTokenSource();
        var cancelled = pacer.WaitAsync(cts.Token).AsTask();
        var other = pacer.WaitAsync(CancellationToken.None).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        // The cancelled wait's slot (500 ms) is not given back: the other one keeps its own (1 s).
        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(other.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(other.IsCompletedSuccessfully);
    }
}
