using System.Net;
using static Snapconv.Sandbox.Tests.SandboxHarness;

namespace Snapconv.Sandbox.Tests.Faults;

public sealed class FaultTests
{
    private static async Task<List<int>> StatusesAsync(SandboxHarness h, int n)
    {
        var list = new List<int>();
        for (var i = 0; i < n; i++) list.Add((int)(await h.PostEventsAsync(Event(id: "f" + i))).StatusCode);
        return list;
    }

    [Fact]
    public async Task Faults_FailRateWithSeed_ReproducibleAndStoresOnlySuccesses()
    {
        var options = new SandboxOptions { FailRate = 0.5, Seed = 42 };
        await using var a = await StartAsync(options);
        await using var b = await StartAsync(options);
        var first = await StatusesAsync(a, 30);
        var second = await StatusesAsync(b, 30);
        Assert.Equal(first, second);
        Assert.Contains(200, first);
        Assert.Contains(first, s => s is 500 or 503);
        Assert.All(first, s => Assert.True(s is 200 or 500 or 503));
        Assert.Equal(first.Count(s => s == 200), a.Store.Count(Pixel));
    }

    [Fact]
    public async Task Faults_FailRateOne_AnswersBeforeValidation()
    {
        await using var h = await StartAsync(new SandboxOptions { FailRate = 1, Seed = 7 });
        var res = await h.PostAsync("not even json");
        Assert.True((int)res.StatusCode is 500 or 503);
        Assert.Equal(0, h.Store.GetCounters(Pixel).Received);
    }

    [Fact]
    public async Task Faults_LoseAckRateOne_StoresThenLosesTheAnswer()
    {
        await using var h = await StartAsync(new SandboxOptions { LoseAckRate = 1, Seed = 3 });
        int aborted = 0, unavailable = 0;
        for (var i = 0; i < 10; i++)
        {
            try
            {
                var res = await h.PostEventsAsync(Event(id: "l" + i));
                Assert.Equal(HttpStatusCode.ServiceUnavailable, res.StatusCode);
                unavailable++;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
            {
                aborted++;
            }
            Assert.Equal(i + 1, h.Store.Count(Pixel));
        }
        Assert.True(unavailable > 0, "expected some stored-then-503 answers");
        Assert.True(aborted > 0, "expected some aborted connections");
    }

    [Fact]
    public async Task Faults_LoseAckOnRejectedBatch_AnswersNormally()
    {
        await using var h = await StartAsync(new SandboxOptions { LoseAckRate = 1, Seed = 3 });
        var res = await h.PostEventsAsync(Event("REFUND"));
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
    }

    [Fact]
    public async Task Faults_Latency_WaitsOnInjectedClock()
    {
        await using var h = await StartAsync(new SandboxOptions { LatencyMs = 5_000 });
        var pending = h.PostEventsAsync(Event());
        await Task.Delay(50);
        Assert.False(pending.IsCompleted);
        Assert.Equal(0, h.Store.Count(Pixel));
        // On a busy machine the request may reach its delay only after a first advance: advance until it
        // answers (bounded), so the test waits on the injected clock and never on a race with the server.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!pending.IsCompleted && DateTime.UtcNow < deadline)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(5));
            await Task.WhenAny(pending, Task.Delay(20));
        }
        Assert.True(pending.IsCompleted, "the request did not finish after the clock passed its latency");
        Assert.Equal(HttpStatusCode.OK, (await pending).StatusCode);
        Assert.Equal(1, h.Store.Count(Pixel));
    }
}
