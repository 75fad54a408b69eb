using System.Net;
using System.Text;
using System.Text.Json;
using Snapconv.Core.Validation;
using Snapconv.Delivery.Capi;
using Snapconv.Delivery.Ledger;
using Snapconv.Delivery.Upload;

namespace Snapconv.Delivery.Tests.Upload;

/// <summary>A fake Snap whose indices may be wrong: the client must never drop a valid event.</summary>
public class SplitTests
{
    private sealed class FakeSnap(Func<int, int> reportIndex, bool noIndex = false) : HttpMessageHandler
    {
        public readonly HashSet<string> Stored = [];
        public int Requests;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Interlocked.Increment(ref Requests);
            using var doc = JsonDocument.Parse(await request.Content!.ReadAsByteArrayAsync(ct));
            var data = doc.RootElement.GetProperty("data").EnumerateArray().ToList();
            var bad = data.Select((e, i) => (e, i)).Where(x => x.e.GetProperty("event_time").GetInt64() < 946684800).Select(x => x.i).ToList();
            lock (Stored)
            {
                if (bad.Count == 0)
                {
                    foreach (var e in data) Stored.Add(e.GetProperty("event_id").GetString()!);
                    return Json(200, """{"status":"VALID","reason":"ok"}""");
                }
            }
            if (noIndex) return Json(400, """{"status":"INVALID","error_msgs":["Param data['event_time'] is an invalid Unix timestamp."]}""");
            var logs = string.Join(",", bad.Select(i => "{\"event\":" + reportIndex(i) + ",\"status\":\"INVALID\",\"errors\":{\"codes\":[\"INVALID_EVENT_TIME\"],\"error_msgs\":[\"bad time\"]}}"));
            return Json(400, "{\"status\":\"INVALID\",\"event_logs\":[" + logs + "]}");
        }

        private static HttpResponseMessage Json(int status, string body) =>
            new((HttpStatusCode)status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
    }

    [Theory]
    [InlineData("zero-based")]
    [InlineData("one-based")]
    [InlineData("no-index")]
    public async Task Deliver_InvalidEventsWithAnyIndexing_OnlyTrulyInvalidRejected(string mode)
    {
        var snap = new FakeSnap(mode == "one-based" ? i => i + 1 : i => i, noIndex: mode == "no-index");
        var options = new UploadOptions
        {
            Endpoint = new Uri("http://snap.invalid"), PixelId = "p1", Token = "t", BatchSize = 50, Concurrency = 2,
            Retry = DeliveryHarness.FastRetry, SampleGate = false,
        };
        var stats = new DeliveryStats();
        using var client = new CapiClient(options, TimeProvider.System, snap);
        await using var sink = new DeliverySink(options, new NullLedger(), client, TimeProvider.System, stats, CancellationToken.None);
        var invalid = new HashSet<int> { 3, 17, 18, 49, 77, 140 };
        for (var i = 0; i < 200; i++)
            await sink.AddEventAsync(DeliveryHarness.Event(i, invalid.Contains(i) ? 5 : null), new RowRef("f", i + 1), CancellationToken.None);
        await sink.FinishAsync(CancellationToken.None);

        Assert.Equal(200 - invalid.Count, snap.Stored.Count);
        Assert.Equal(invalid.Select(i => (long)i + 1).Order(), sink.ApiRejects.Select(r => r.Row.Row).Order());
        Assert.Equal(invalid.Count, stats.RejectedByApi);
        Assert.Equal(200 - invalid.Count, stats.Acknowledged);
        Assert.Equal(0, stats.FailedPending);
    }
}
