using System.Net;
using Snapconv.Sandbox.RateLimit;
using Microsoft.Extensions.Time.Testing;
using static Snapconv.Sandbox.Tests.SandboxHarness;

namespace Snapconv.Sandbox.Tests.RateLimit;

public sealed class RateLimitTests
{
    [Fact]
    public async Task Events_OverQps_Returns429WithRetryAfterAndStoresNothing()
    {
        await using var h = await StartAsync(new SandboxOptions { Qps = 2 });
        Assert.Equal(HttpStatusCode.OK, (await h.PostEventsAsync(Event(id: "1"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await h.PostEventsAsync(Event(id: "2"))).StatusCode);
        var res = await h.PostEventsAsync(Event(id: "3"));
        Assert.Equal(HttpStatusCode.TooManyRequests, res.StatusCode);
        Assert.Equal("1", res.Headers.GetValues("Retry-After").Single());
        Assert.Equal("Too many requests.", (await ReadJsonAsync(res)).GetProperty("reason").GetString());
        Assert.Equal(2, h.Store.Count(Pixel));

        h.Clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(HttpStatusCode.OK, (await h.PostEventsAsync(Event(id: "4"))).StatusCode);
    }

    [Fact]
    public async Task Events_QpsPerPixel_OtherPixelUnaffected()
    {
        await using var h = await StartAsync(new SandboxOptions { Qps = 1 });
        await h.PostEventsAsync(Event(id: "1"));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await h.PostEventsAsync(Event(id: "2"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await h.PostAsync(Batch(Event()), pixel: Pixel2, token: Token2)).StatusCode);
    }

    [Fact]
    public async Task RateLimit_InspectionAndHealth_NeverLimited()
    {
        await using var h = await StartAsync(new SandboxOptions { Qps = 1 });
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await h.Client.GetAsync("/healthz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await h.Client.GetAsync($"/sandbox/pixels/{Pixel}/stats")).StatusCode);
        }
    }

    [Fact]
    public void TokenBucket_SlowRate_RetryAfterRoundsUpToWholeSeconds()
    {
        var clock = new FakeTimeProvider();
        var bucket = new TokenBucket(0.25, clock);
        Assert.True(bucket.TryTake(out _));
        Assert.False(bucket.TryTake(out var retry));
        Assert.Equal(4, retry);
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.True(bucket.TryTake(out _));
    }
}
