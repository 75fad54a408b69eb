using System.Net;
using System.Text;
using static Snapconv.Sandbox.Tests.SandboxHarness;

namespace Snapconv.Sandbox.Tests;

public sealed class SandboxAppTests
{
    [Fact]
    public void Options_Defaults_MatchTheIssue()
    {
        var o = new SandboxOptions();
        Assert.Equal("http://127.0.0.1:8787", o.Urls);
        Assert.Empty(o.Pixels);
        Assert.Null(o.DbPath);
        Assert.Null(o.Qps);
        Assert.Equal(0, o.FailRate);
        Assert.Equal(0, o.LatencyMs);
        Assert.Equal(0, o.LoseAckRate);
        Assert.Null(o.Seed);
        Assert.Equal(PartialBatchMode.Reject, o.PartialBatches);
        Assert.Equal(DedupClock.EventTime, o.DedupClock);
        Assert.True(o.LogRequests);
        Assert.Empty(o.Validate());
    }

    [Fact]
    public void Options_OutOfRange_ListsEveryError()
    {
        var o = new SandboxOptions
        {
            Urls = "ftp://x", Qps = 0, FailRate = 1.5, LoseAckRate = -0.1, LatencyMs = -1,
            Pixels = [new PixelCredential("p", "t"), new PixelCredential("p", "")],
        };
        // #17: the ranges are the record's [Range] attributes, first and in the one wording of range errors.
        var errors = o.Validate().Select(e => e.ToString());
        Assert.Equal(
        [
            "fail_rate: must be 0–1 (was 1.5).",
            "latency_ms: must be 0–60000 (was -1).",
            "lose_ack_rate: must be 0–1 (was -0.1).",
            "urls: 'ftp://x' is not an http(s) URL.",
            "qps: must be a positive number (was 0).",
            "pixels[1].pixel_id: 'p' is listed twice.",
            "pixels[1].token: must not be empty.",
        ], errors);
        var ex = Assert.Throws<ArgumentException>(() => SandboxApp.Build(o, TimeProvider.System));
        Assert.Contains("fail_rate", ex.Message);
    }

    [Fact]
    public void PixelCredential_Parse_SplitsAtFirstEquals()
    {
        Assert.Equal(new PixelCredential("abc", "t=1"), PixelCredential.Parse("abc=t=1"));
        Assert.Throws<FormatException>(() => PixelCredential.Parse("abc"));
        Assert.DoesNotContain("secret", new PixelCredential("p", "secret").ToString());
    }

    [Fact]
    public async Task StartAsync_NoPixelsPortZero_GeneratesDemoPixelAndServesLoopback()
    {
        var log = new StringWriter();
        await using var sandbox = await SandboxApp.StartAsync(new SandboxOptions { Urls = "http://127.0.0.1:0", Log = log }, TimeProvider.System);
        Assert.True(sandbox.PixelsGenerated);
        var pixel = Assert.Single(sandbox.Pixels);
        Assert.NotEqual(0, sandbox.BaseAddress.Port);
        using var client = new HttpClient { BaseAddress = sandbox.BaseAddress };
        var res = await client.PostAsync($"/v3/{pixel.PixelId}/events?access_token={pixel.Token}",
            new StringContent(Batch(Event()), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal(1, sandbox.Store.Count(pixel.PixelId));
        Assert.Equal(1, sandbox.GetCounters(pixel.PixelId).Stored);
        Assert.DoesNotContain(pixel.Token, log.ToString());
    }
}
