using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Snapconv.Delivery.Batching;
using Snapconv.Delivery.Capi;
using Snapconv.Delivery.RateLimit;
using Snapconv.Delivery.Resilience;
using Snapconv.Delivery.Sending;
using Snapconv.Delivery.Tests.Batching;
using Snapconv.Delivery.Upload;

namespace Snapconv.Delivery.Tests.Sending;

public class BatchSenderTests
{
    /// <summary>Answers from a script, one per request, and keeps each body.</summary>
    private sealed class ScriptedSnap(params (int Status, string Body, string? RetryAfter)[] answers) : HttpMessageHandler
    {
        public readonly List<string> Bodies = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var body = Encoding.UTF8.GetString(await request.Content!.ReadAsByteArrayAsync(ct));
            int n;
            lock (Bodies) { Bodies.Add(body); n = Bodies.Count; }
            var (status, json, retryAfter) = answers[Math.Min(n, answers.Length) - 1];
            var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            if (retryAfter is not null) response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
            return response;
        }
    }

    private const string Valid = """{"status":"VALID","reason":"ok"}""";
    private static readonly RetryOptions Retry = new() { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(8), MaxAttempts = 3 };

    private static (BatchSender Sender, DeliveryStats Stats, CapiClient Client) Create(ScriptedSnap snap, FakeTimeProvider clock, string? testCode = null)
    {
        var options = new UploadOptions { Endpoint = new Uri("http://snap.invalid"), PixelId = "p1", Token = "t", TestEventCode = testCode };
        var client = new CapiClient(options, clock, snap);
        var stats = new DeliveryStats();
        var sender = new BatchSender(client, new RequestEnvelope(testCode), new RequestPacer(1_000, clock), Retry, new Random(1), clock, stats);
        return (sender, stats, client);
    }

    [Fact]
    public async Task Send_ServerErrorThenValid_RetriedAfterBackoffOnTheClock()
    {
        var clock = new FakeTimeProvider();
        var snap = new ScriptedSnap((503, """{"status":"INVALID"}""", null), (200, Valid, null));
        var (sender, stats, client) = Create(snap, clock);
        using var _ = client;

        var r = await FakeClock.DriveAsync(clock, sender.SendAsync(Outgoing.Events(3), CancellationToken.None), TimeSpan.FromMilliseconds(100));

        Assert.Equal(ResponseKind.Acknowledged, r.Kind);
        Assert.Equal((2L, 1L, 0L), (stats.Requests, stats.Retries, stats.Throttled));
        Assert.Equal(snap.Bodies[0], snap.Bodies[1]);
        Assert.True(clock.GetUtcNow() > new FakeTimeProvider().GetUtcNow(), "the retry waited on the injected clock");
    }

    [Fact]
    public async Task Send_ServerErrorsPastTheBudget_LastAnswerReturned()
    {
        var clock = new FakeTimeProvider();
        var snap = new ScriptedSnap((500, "{}", null));
        var (sender, stats, client) = Create(snap, clock);
        using var _ = client;

        var r = await FakeClock.DriveAsync(clock, sender.SendAsync(Outgoing.Events(1), CancellationToken.None), TimeSpan.FromMilliseconds(250));

        Assert.Equal(ResponseKind.Transient, r.Kind);
        Assert.Equal(Retry.MaxAttempts, snap.Bodies.Count);
        Assert.Equal(Retry.MaxAttempts - 1, stats.Retries);
    }

    [Fact]
    public async Task Send_Throttled_WaitsRetryAfterThenSends()
    {
        var clock = new FakeTimeProvider();
        var start = clock.GetUtcNow();
        var snap = new ScriptedSnap((429, """{"status":"INVALID","reason":"Too many requests."}""", "3"), (200, Valid, null));
        var (sender, stats, client) = Create(snap, clock);
        using var _ = client;

        var r = await FakeClock.DriveAsync(clock, sender.SendAsync(Outgoing.Events(2), CancellationToken.None), TimeSpan.FromMilliseconds(500));

        Assert.Equal(ResponseKind.Acknowledged, r.Kind);
        Assert.Equal((2L, 1L), (stats.Requests, stats.Throttled));
        Assert.True(clock.GetUtcNow() - start >= TimeSpan.FromSeconds(3), $"waited {clock.GetUtcNow() - start}");
    }

    [Fact]
    public async Task Send_Body_IsTheEnvelopedEventsInOrder()
    {
        var clock = new FakeTimeProvider();
        var snap = new ScriptedSnap((200, Valid, null));
        var (sender, _, client) = Create(snap, clock, testCode: "TEST1");
        using var __ = client;

        await sender.SendAsync(Outgoing.Events(3), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        using var doc = JsonDocument.Parse(snap.Bodies[0]);
        Assert.Equal(["e0", "e1", "e2"], doc.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("event_id").GetString()));
        Assert.Equal("TEST1", doc.RootElement.GetProperty("test_event_code").GetString());
    }
}
