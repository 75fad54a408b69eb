using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Mapping;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;
using Snapconv.Delivery.Ledger;
using Snapconv.Delivery.Resilience;
using Snapconv.Delivery.Upload;

namespace Snapconv.Delivery.Tests;

/// <summary>What a sink under test is built from: the destination (a fake Snap), the ledger, the clock and the options.</summary>
public sealed record SinkFixture(UploadOptions Options, HttpMessageHandler Snap, IDeliveryLedger Ledger, TimeProvider Clock, DeliveryStats Stats,
    CancellationToken Stop);

/// <summary>
/// The shared suite every <see cref="IAcceptedEventSink"/> runs (style rule 11, #17): the run pushes events, the
/// sink answers with its outcome. Every event is acknowledged exactly once, ids and order are kept, a 400 naming
/// events splits the batch, a 5xx is retried, a stop leaves pending events pending, and the ledger says so after.
/// Retries and pauses run on a <see cref="FakeTimeProvider"/>.
/// </summary>
public abstract class SinkConformance
{
    /// <summary>The sink under test, built from <paramref name="f"/>; disposed by the suite if disposable.</summary>
    internal abstract IAcceptedEventSink Create(SinkFixture f);

    /// <summary>The ledger the sink records into. Default: in memory, with the SQLite ledger's meaning.</summary>
    internal virtual IDeliveryLedger CreateLedger() => new MemoryLedger();

    /// <summary>An event's state as the next run would read it.</summary>
    internal virtual LedgerState StateOf(IDeliveryLedger ledger, EventKey key) => ((MemoryLedger)ledger).StateOf(key);

    private const string Pixel = "11111111-2222-3333-4444-555555555555";
    private static readonly string[] Headers = ["order_id", "email"];
    private static readonly InputFile File = new("crm.csv", Headers, BoundMapping.Bind(MappingSpec.Empty, Headers, "crm.csv"));

    /// <summary>A fake Snap: stores VALID events by id, rejects events older than 2000 with their index, can fail or hang first.</summary>
    private sealed class FakeSnap : HttpMessageHandler
    {
        public readonly List<string> Stored = [];
        public readonly List<int> BatchSizes = [];
        public int FailFirst;
        public bool Hang;
        public int Requests;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var n = Interlocked.Increment(ref Requests);
            if (Hang) await Task.Delay(Timeout.Infinite, ct);
            if (n <= FailFirst) return Json(503, """{"status":"INVALID","reason":"Service temporarily unavailable."}""");
            using var doc = JsonDocument.Parse(await request.Content!.ReadAsByteArrayAsync(ct));
            var data = doc.RootElement.GetProperty("data").EnumerateArray().ToList();
            var bad = data.Select((e, i) => (e, i)).Where(x => x.e.GetProperty("event_time").GetInt64() < 946684800).Select(x => x.i).ToList();
            lock (Stored)
            {
                BatchSizes.Add(data.Count);
                if (bad.Count == 0)
                {
                    Stored.AddRange(data.Select(e => e.GetProperty("event_id").GetString()!));
                    return Json(200, """{"status":"VALID","reason":"Events have been processed successfully."}""");
                }
            }
            var logs = string.Join(",", bad.Select(i => "{\"event\":" + i + ",\"status\":\"INVALID\",\"errors\":{\"codes\":[\"INVALID_EVENT_TIME\"],\"error_msgs\":[\"bad time\"]}}"));
            return Json(400, "{\"status\":\"INVALID\",\"event\":" + bad[0] + ",\"event_logs\":[" + logs + "]}");
        }

        private static HttpResponseMessage Json(int status, string body) =>
            new((HttpStatusCode)status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
    }

    private sealed record Run(SinkOutcome? Outcome, Exception? Error, IDeliveryLedger Ledger, List<AcceptedEvent> Events, FakeSnap Snap, DeliveryStats Stats);

    private async Task<Run> PushAsync(int count, FakeSnap snap, Func<int, bool>? invalid = null, int concurrency = 4,
        Func<FakeTimeProvider, CancellationTokenSource, Task>? during = null, Func<IDeliveryLedger, IDeliveryLedger>? wrap = null)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new UploadOptions
        {
            Endpoint = new Uri("http://snap.invalid"), PixelId = Pixel, Token = "t", BatchSize = 10, Concurrency = concurrency, SampleGate = false,
            JitterSeed = 1, Retry = new RetryOptions { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(4), MaxAttempts = 4 },
        };
        using var stop = new CancellationTokenSource();
        var ledger = wrap is null ? CreateLedger() : wrap(CreateLedger());
        var stats = new DeliveryStats();
        var sink = Create(new SinkFixture(options, snap, ledger, clock, stats, stop.Token));
        var events = new List<AcceptedEvent>();
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        for (var i = 0; i < count; i++)
        {
            var e = DeliveryHarness.Event(i, invalid?.Invoke(i) == true ? 5 : now - 3_600 - i);
            events.Add(new AcceptedEvent(e, new RowRef("crm.csv", i + 1), File, [e.EventId, "x"]));
        }
        var work = Task.Run(async () =>
        {
            var live = new RunReport();
            foreach (var a in events)
            {
                live.Rows++;
                await sink.AcceptAsync(a, live, CancellationToken.None);
            }
            return await sink.CompleteAsync(live, CancellationToken.None);
        });
        var side = during?.Invoke(clock, stop) ?? Task.CompletedTask;
        SinkOutcome? outcome = null;
        Exception? error = null;
        try { outcome = await FakeClock.DriveAsync(clock, work, TimeSpan.FromMilliseconds(250)); }
        catch (Exception e) { error = e; }
        finally
        {
            await side;
            if (sink is IAsyncDisposable d) await d.DisposeAsync();
        }
        return new Run(outcome, error, ledger, events, snap, stats);
    }

    private static long Count(SinkOutcome o, string key) => o.Counts.Single(c => c.Key == key).Value;

    /// <summary>A ledger whose database goes away after <paramref name="batches"/> acknowledged batches: every later write throws.</summary>
    private sealed class LostLedger(IDeliveryLedger inner, int batches) : IDeliveryLedger
    {
        private int _acked;
        private void ThrowIfLost()
        {
            if (Volatile.Read(ref _acked) >= batches) throw new InvalidOperationException("the ledger's database is gone");
        }
        public bool HasEvents => inner.HasEvents;
        public void RecordFile(string path, long size, DateTimeOffset modified, ReadOnlySpan<byte> sha256) => inner.RecordFile(path, size, modified, sha256);
        public void FindAcknowledged(IReadOnlyList<EventKey> keys, Span<bool> acknowledged) => inner.FindAcknowledged(keys, acknowledged);
        public long BeginBatch(IReadOnlyList<EventKey> keys)
        {
            ThrowIfLost();
            return inner.BeginBatch(keys);
        }
        public void AcknowledgeBatch(long batchId)
        {
            ThrowIfLost();
            inner.AcknowledgeBatch(batchId);
            Interlocked.Increment(ref _acked);
        }
        public void SetEvents(long batchId, IReadOnlyList<EventKey> keys, LedgerState state)
        {
            ThrowIfLost();
            inner.SetEvents(batchId, keys, state);
        }
        public void FailBatch(long batchId)
        {
            ThrowIfLost();
            inner.FailBatch(batchId);
        }
        public void Dispose() => inner.Dispose();
    }

    [Fact]
    public async Task Complete_LedgerLostMidRun_RunEndsWithTheLedgersError()
    {
        // #19: a serve node lost its PostgreSQL mid-run and the run hung: the send worker died on the ledger write while
        // the reader waited for room in the queue. Now the run ends with the ledger's error; nothing more is sent.
        var r = await PushAsync(200, new FakeSnap(), concurrency: 1, wrap: l => new LostLedger(l, 2));

        var e = Assert.IsType<InvalidOperationException>(r.Error);
        Assert.Equal("the ledger's database is gone", e.Message);
        Assert.Equal(r.Events.Take(20).Select(x => x.Event.EventId), r.Snap.Stored);
    }

    private EventKey Key(AcceptedEvent a) => EventKey.For(Pixel, a.Event);

    [Fact]
    public async Task Complete_AllValid_EveryEventAcknowledgedExactlyOnceInOrder()
    {
        var r = await PushAsync(95, new FakeSnap(), concurrency: 1);

        Assert.Null(r.Error);
        // One sender: the destination receives the events in the order the run pushed them, each once.
        Assert.Equal(r.Events.Select(e => e.Event.EventId), r.Snap.Stored);
        Assert.All(r.Snap.BatchSizes, n => Assert.InRange(n, 1, 10));
        Assert.Equal(95, Count(r.Outcome!, "acknowledged"));
        Assert.Equal(95, Count(r.Outcome!, "sent"));
        Assert.Empty(r.Outcome!.Rejections);
        Assert.Null(r.Outcome.Failure);
        Assert.All(r.Events, e => Assert.Equal(LedgerState.Acknowledged, StateOf(r.Ledger, Key(e))));
    }

    [Fact]
    public async Task Complete_ManySenders_EveryIdStoredOnce()
    {
        var r = await PushAsync(200, new FakeSnap(), concurrency: 4);

        Assert.Null(r.Error);
        Assert.Equal(r.Events.Select(e => e.Event.EventId).Order(), r.Snap.Stored.Order());
        Assert.Equal(200, Count(r.Outcome!, "acknowledged"));
    }

    [Fact]
    public async Task Complete_400NamingEvents_BatchSplit_OnlyTheBadRejected()
    {
        var bad = new HashSet<int> { 3, 4, 27, 60 };
        var r = await PushAsync(80, new FakeSnap(), bad.Contains);

        Assert.Null(r.Error);
        Assert.Equal(r.Events.Where((_, i) => !bad.Contains(i)).Select(e => e.Event.EventId).Order(), r.Snap.Stored.Order());
        Assert.Equal(bad.Select(i => (long)i + 1).Order(), r.Outcome!.Rejections.Select(x => x.Issue.Row.Row).Order());
        Assert.All(r.Outcome.Rejections, x => Assert.Equal(("INVALID_EVENT_TIME", "crm.csv"), (x.Code, x.File.Name)));
        Assert.Equal((76L, 4L, 0L), (Count(r.Outcome, "acknowledged"), Count(r.Outcome, "rejected_by_api"), Count(r.Outcome, "failed_pending")));
        for (var i = 0; i < r.Events.Count; i++)
            Assert.Equal(bad.Contains(i) ? LedgerState.Rejected : LedgerState.Acknowledged, StateOf(r.Ledger, Key(r.Events[i])));
    }

    [Fact]
    public async Task Complete_5xxAnswers_RetriedOnTheClock_AllAcknowledged()
    {
        var r = await PushAsync(30, new FakeSnap { FailFirst = 2 }, concurrency: 1);

        Assert.Null(r.Error);
        Assert.Equal(r.Events.Select(e => e.Event.EventId), r.Snap.Stored);
        Assert.Equal(2, Count(r.Outcome!, "retries"));
        Assert.Equal(5, Count(r.Outcome!, "requests"));
        Assert.All(r.Events, e => Assert.Equal(LedgerState.Acknowledged, StateOf(r.Ledger, Key(e))));
    }

    [Fact]
    public async Task Complete_5xxPastTheRetryBudget_EventsStayDueForTheNextRun()
    {
        var r = await PushAsync(20, new FakeSnap { FailFirst = int.MaxValue }, concurrency: 1);

        Assert.Null(r.Error);
        Assert.Empty(r.Snap.Stored);
        Assert.Equal((0L, 20L), (Count(r.Outcome!, "acknowledged"), Count(r.Outcome!, "failed_pending")));
        Assert.All(r.Events, e => Assert.Equal(LedgerState.Sent, StateOf(r.Ledger, Key(e))));
    }

    [Fact]
    public async Task Stop_RequestsUnanswered_CompleteThrows_PendingLeftPending()
    {
        var snap = new FakeSnap { Hang = true };
        var r = await PushAsync(40, snap, concurrency: 2, during: (_, stop) => Task.Run(async () =>
        {
            for (var i = 0; i < 1_000 && Volatile.Read(ref snap.Requests) < 2; i++) await Task.Delay(5);
            await stop.CancelAsync();
        }));

        Assert.IsAssignableFrom<OperationCanceledException>(r.Error);
        Assert.Empty(r.Snap.Stored);
        // Nothing is acknowledged: every event is due again (sent and unanswered, or never sent).
        Assert.All(r.Events, e => Assert.NotEqual(LedgerState.Acknowledged, StateOf(r.Ledger, Key(e))));
        Assert.All(r.Events, e => Assert.NotEqual(LedgerState.Rejected, StateOf(r.Ledger, Key(e))));
    }
}
