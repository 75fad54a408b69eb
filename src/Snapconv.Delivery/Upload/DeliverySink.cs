using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Polly;
using Snapconv.Core.Capi;
using Snapconv.Core.Output;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;
using Snapconv.Delivery.Capi;
using Snapconv.Delivery.Ledger;
using Snapconv.Delivery.RateLimit;
using Snapconv.Delivery.Resilience;

namespace Snapconv.Delivery.Upload;

/// <summary>An accepted event ready to send: serialized once (a slice of a shared chunk), with its ledger key and origin.</summary>
internal sealed record OutgoingEvent(EventKey Key, ReadOnlyMemory<byte> Json, RowRef Row, InputFile? File, string?[]? Fields);

/// <summary>A batch as recorded in the ledger.</summary>
internal sealed record OutgoingBatch(long LedgerId, OutgoingEvent[] Events);

/// <summary>
/// The delivery stage: batches accepted events (≤ batch size and the body cap), checks and records them in
/// the ledger, and sends them with bounded concurrency, pacing and retries; splits INVALID answers per
/// event (spec §6/§7). Rows Snap rejects are written to the rejects file at completion.
/// </summary>
internal sealed class DeliverySink : IAcceptedEventSink, IAsyncDisposable
{
    private static readonly byte[] Prefix = "{\"data\":["u8.ToArray();
    private readonly UploadOptions _o;
    private readonly IDeliveryLedger _ledger;
    private readonly CapiClient _client;
    private readonly TimeProvider _clock;
    private readonly DeliveryStats _stats;
    private readonly RequestPacer _pacer;
    private readonly ResiliencePipeline<CapiResponse> _retry;
    private readonly Channel<List<OutgoingEvent>> _queue;
    private readonly CancellationTokenSource _stop;
    private readonly ConcurrentQueue<(OutgoingEvent Event, string Code, string Message)> _apiRejects = new();
    private readonly byte[] _suffix;
    private readonly SampleGate _gate = new();
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;
    private byte[] _chunk = [];
    private int _chunkUsed;
    private List<OutgoingEvent>? _sample = [];
    private List<OutgoingEvent> _current = [];
    private long _currentBytes;
    private Task[]? _workers;
    private volatile string? _fatal;
    private int _fatalStatus;

    public DeliverySink(UploadOptions options, IDeliveryLedger ledger, CapiClient client, TimeProvider clock, DeliveryStats stats, CancellationToken ct)
    {
        _o = options;
        _ledger = ledger;
        _client = client;
        _clock = clock;
        _stats = stats;
        _pacer = new RequestPacer(options.Qps, clock);
        var jitter = options.JitterSeed is { } s ? new Random(s) : new Random();
        _retry = RetryPipelineFactory.Create(options.Retry, clock, jitter, _ => Interlocked.Increment(ref _stats.RetryCount));
        _queue = Channel.CreateBounded<List<OutgoingEvent>>(new BoundedChannelOptions(options.Concurrency)
        {
            SingleWriter = true, FullMode = BoundedChannelFullMode.Wait,
        });
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _suffix = string.IsNullOrEmpty(options.TestEventCode)
            ? "]}"u8.ToArray()
            : Encoding.UTF8.GetBytes("],\"test_event_code\":\"" + JsonEncodedText.Encode(options.TestEventCode).ToString() + "\"}");
        _writer = new Utf8JsonWriter(_buffer);
        if (!options.SampleGate) _sample = null;
        SampleRows = _sample is null ? 0 : _gate.SampleRows;
    }

    /// <summary>True when the first-sample gate stopped the upload.</summary>
    public bool GateTripped { get; private set; }

    /// <summary>Set when Snap refused the token or pixel.</summary>
    public string? FatalMessage => _fatal;

    public async ValueTask AcceptAsync(AcceptedEvent accepted, RunReport live, CancellationToken ct)
    {
        ThrowIfFatal();
        Interlocked.Exchange(ref _stats.RowsRead, live.Rows);
        if (GateTripped) return;
        var item = Serialize(accepted);
        if (_sample is not null)
        {
            // Held until the pipeline has counted exactly the first SampleRows rows (SampleReadAsync) or the input ends.
            _sample.Add(item);
            return;
        }
        await AddAsync(item, ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public long SampleRows { get; }

    /// <summary>The gate decides on exactly the first <see cref="SampleRows"/> rows: those read, rejected among them.</summary>
    public async ValueTask SampleReadAsync(RunReport live, CancellationToken ct)
    {
        if (_sample is not null) await DecideAsync(live.Rows, live.Rejected, ct).ConfigureAwait(false);
    }

    /// <summary>Adds an event built outside the pipeline (tests, benchmarks).</summary>
    internal ValueTask AddEventAsync(CapiEvent e, RowRef row, CancellationToken ct) =>
        AddAsync(Serialize(new AcceptedEvent(e, row, null!, null!)), ct);

    public async ValueTask CompleteAsync(RunReport report, RejectsWriter? rejects, CancellationToken ct)
    {
        Interlocked.Exchange(ref _stats.RowsRead, report.Rows);
        if (_sample is not null) await DecideAsync(report.Rows, report.Rejected, ct).ConfigureAwait(false);
        await FinishAsync(ct).ConfigureAwait(false);
        if (rejects is not null)
        {
            foreach (var (e, code, message) in _apiRejects)
            {
                if (e.File is null || e.Fields is null) continue;
                rejects.Add(e.File.Headers, e.Fields, new RowIssue(e.Row, "", ApiReason(code, message)), code, message);
            }
        }
        _stats.WriteTo(report);
        if (GateTripped) report.Extra["sample_gate_tripped"] = 1;
        ThrowIfFatal();
    }

    /// <summary>Flushes the last batch and waits for every request to settle.</summary>
    internal async Task FinishAsync(CancellationToken ct)
    {
        if (_current.Count > 0 && !GateTripped && _fatal is null) await FlushAsync(ct).ConfigureAwait(false);
        _queue.Writer.TryComplete();
        if (_workers is not null) await Task.WhenAll(_workers).ConfigureAwait(false);
        // Workers also end when stopped (Ctrl+C) with requests unanswered: that is not a completed upload.
        if (_fatal is null && _stop.IsCancellationRequested)
            throw new OperationCanceledException("Stopped: unanswered batches stay pending for the next run.", _stop.Token);
    }

    /// <summary>Rows Snap rejected, for callers without a rejects writer.</summary>
    internal IEnumerable<(RowRef Row, string Code, string Message)> ApiRejects => _apiRejects.Select(x => (x.Event.Row, x.Code, x.Message));

    public async ValueTask DisposeAsync()
    {
        // Stops senders: a request in flight is abandoned and its batch stays 'sent' (resent by the next run).
        _queue.Writer.TryComplete();
        if (_workers is not null)
        {
            try { await Task.WhenAll(_workers).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false); }
            catch (Exception) { /* workers observe cancellation; nothing half-recorded */ }
        }
        await _pacer.DisposeAsync().ConfigureAwait(false);
        _writer.Dispose();
        _stop.Dispose();
    }

    /// <summary>Cancels in-flight requests (Ctrl+C): their batches stay pending in the ledger.</summary>
    internal void Stop() => _stop.Cancel();

    private OutgoingEvent Serialize(AcceptedEvent a)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        CapiJsonWriter.Write(_writer, a.Event);
        _writer.Flush();
        return new OutgoingEvent(EventKey.For(_o.PixelId, a.Event), Store(_buffer.WrittenSpan), a.Row, a.File, a.Fields);
    }

    /// <summary>
    /// Copies an event's JSON into the current chunk (64 KiB, below the large-object heap) instead of an array
    /// per event. Chunks are never reused: the GC frees one when no event slices it any more, so a split or a
    /// bisection can hold slices as long as it needs.
    /// </summary>
    private ReadOnlyMemory<byte> Store(ReadOnlySpan<byte> json)
    {
        const int chunkSize = 64 * 1024;
        if (json.Length > _chunk.Length - _chunkUsed)
        {
            _chunk = new byte[Math.Max(chunkSize, json.Length)];
            _chunkUsed = 0;
        }
        json.CopyTo(_chunk.AsSpan(_chunkUsed));
        var slice = new ReadOnlyMemory<byte>(_chunk, _chunkUsed, json.Length);
        _chunkUsed += json.Length;
        return slice;
    }

    private async ValueTask DecideAsync(long rows, long rejected, CancellationToken ct)
    {
        var sample = _sample!;
        _sample = null;
        if (_gate.Trips(rows, rejected))
        {
            GateTripped = true;
            return;
        }
        foreach (var item in sample) await AddAsync(item, ct).ConfigureAwait(false);
    }

    private async ValueTask AddAsync(OutgoingEvent item, CancellationToken ct)
    {
        var cap = _o.MaxBodyBytes - Prefix.Length - _suffix.Length;
        if (_current.Count > 0 && _currentBytes + item.Json.Length + 1 > cap) await FlushAsync(ct).ConfigureAwait(false);
        _current.Add(item);
        _currentBytes += item.Json.Length + 1;
        if (_current.Count >= _o.BatchSize) await FlushAsync(ct).ConfigureAwait(false);
    }

    private async ValueTask FlushAsync(CancellationToken ct)
    {
        ThrowIfFatal();
        var items = _current;
        _current = new List<OutgoingEvent>(Math.Min(_o.BatchSize, 4096));
        _currentBytes = 0;
        _workers ??= Enumerable.Range(0, _o.Concurrency).Select(_ => Task.Run(WorkAsync)).ToArray();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
        try
        {
            await _queue.Writer.WriteAsync(items, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_fatal is not null)
        {
            ThrowIfFatal();
        }
    }

    /// <summary>
    /// On a send worker, so the reader goes on meanwhile: claims the events in the ledger as a batch 'sent' —
    /// before its request — skipping those acknowledged by earlier runs. An event another process is sending
    /// (a shared ledger) is left to it and counted pending here. A batch still queued when the run stops is not
    /// in the ledger at all, so its events are simply pending for the next run.
    /// </summary>
    private OutgoingBatch? Begin(List<OutgoingEvent> items)
    {
        var outcomes = new ClaimOutcome[items.Count];
        var id = _ledger.ClaimBatch(Keys(items), outcomes);
        if (Array.IndexOf(outcomes, ClaimOutcome.Acknowledged) >= 0 || Array.IndexOf(outcomes, ClaimOutcome.HeldElsewhere) >= 0)
        {
            var kept = new List<OutgoingEvent>(items.Count);
            for (var i = 0; i < items.Count; i++)
            {
                if (outcomes[i] == ClaimOutcome.Acknowledged) Interlocked.Increment(ref _stats.SkippedCount);
                else if (outcomes[i] == ClaimOutcome.HeldElsewhere) Interlocked.Increment(ref _stats.FailedCount);
                else kept.Add(items[i]);
            }
            items = kept;
        }
        if (id is not { } batchId || items.Count == 0) return null;
        Interlocked.Add(ref _stats.SentCount, items.Count);
        return new OutgoingBatch(batchId, items.ToArray());
    }

    private async Task WorkAsync()
    {
        var ct = _stop.Token;
        try
        {
            await foreach (var items in _queue.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                if (_fatal is not null || ct.IsCancellationRequested) continue;
                if (Begin(items) is { } batch) await DeliverAsync(batch, batch.Events, distrustIndex: false, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped: batches not answered stay 'sent' in the ledger and are resent by the next run.
        }
    }

    private async Task DeliverAsync(OutgoingBatch batch, IReadOnlyList<OutgoingEvent> items, bool distrustIndex, CancellationToken ct)
    {
        if (_fatal is not null) return;
        var r = await SendAsync(items, ct).ConfigureAwait(false);
        var whole = ReferenceEquals(items, batch.Events);
        switch (r.Kind)
        {
            case ResponseKind.Acknowledged:
                if (_o.IsLive)
                {
                    if (whole) _ledger.AcknowledgeBatch(batch.LedgerId);
                    else _ledger.SetEvents(batch.LedgerId, Keys(items), LedgerState.Acknowledged);
                }
                Interlocked.Add(ref _stats.AcknowledgedCount, items.Count);
                return;
            case ResponseKind.Fatal:
                SetFatal(r);
                return;
            case ResponseKind.TooLarge when items.Count > 1:
                await BisectAsync(batch, items, ct).ConfigureAwait(false);
                return;
            case ResponseKind.Invalid:
                await SplitAsync(batch, items, r, distrustIndex, ct).ConfigureAwait(false);
                return;
            default:
                // Retries exhausted, other 4xx, request-level 400, or one event too large: pending for the next run.
                Interlocked.Add(ref _stats.FailedCount, items.Count);
                if (whole) _ledger.FailBatch(batch.LedgerId);
                return;
        }
    }

    private async Task SplitAsync(OutgoingBatch batch, IReadOnlyList<OutgoingEvent> items, CapiResponse r, bool distrustIndex, CancellationToken ct)
    {
        var n = items.Count;
        var errors = new Dictionary<int, EventError>();
        foreach (var e in r.Errors)
            if (e.Index >= 0 && e.Index < n) errors.TryAdd(e.Index, e);
        if (n == 1)
        {
            var e = errors.GetValueOrDefault(0);
            Reject(batch, items, [(items[0], e?.Code is { Length: > 0 } c ? c : r.Code ?? "400", e?.Message is { Length: > 0 } m ? m : r.Message ?? "event rejected")]);
            return;
        }
        if (errors.Count == n)
        {
            // Every position is named: no event can be misattributed.
            Reject(batch, items, errors.Values.Select(e => (items[e.Index], e.Code, e.Message)).ToList());
            return;
        }
        if (errors.Count == 0 || distrustIndex)
        {
            await BisectAsync(batch, items, ct).ConfigureAwait(false);
            return;
        }
        var good = new List<OutgoingEvent>(n - errors.Count);
        var bad = new List<OutgoingEvent>(errors.Count);
        for (var i = 0; i < n; i++) (errors.ContainsKey(i) ? bad : good).Add(items[i]);
        // The remainder is only presumed valid: if it fails again, it is bisected down to single events.
        await DeliverAsync(batch, good, distrustIndex: true, ct).ConfigureAwait(false);
        // Confirm the named events on their own, so a wrong index never drops a valid event.
        await DeliverAsync(batch, bad, distrustIndex: false, ct).ConfigureAwait(false);
    }

    private async Task BisectAsync(OutgoingBatch batch, IReadOnlyList<OutgoingEvent> items, CancellationToken ct)
    {
        var half = items.Count / 2;
        await DeliverAsync(batch, items.Take(half).ToArray(), false, ct).ConfigureAwait(false);
        await DeliverAsync(batch, items.Skip(half).ToArray(), false, ct).ConfigureAwait(false);
    }

    private void Reject(OutgoingBatch batch, IReadOnlyList<OutgoingEvent> items, IReadOnlyList<(OutgoingEvent Event, string Code, string Message)> rejected)
    {
        foreach (var x in rejected) _apiRejects.Enqueue(x);
        Interlocked.Add(ref _stats.RejectedCount, rejected.Count);
        if (_o.IsLive) _ledger.SetEvents(batch.LedgerId, rejected.Select(x => x.Event.Key).ToList(), LedgerState.Rejected);
    }

    private async Task<CapiResponse> SendAsync(IReadOnlyList<OutgoingEvent> items, CancellationToken ct)
    {
        var size = Prefix.Length + _suffix.Length;
        foreach (var e in items) size += e.Json.Length + 1;
        var body = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var pos = 0;
            Prefix.CopyTo(body, 0);
            pos += Prefix.Length;
            for (var i = 0; i < items.Count; i++)
            {
                if (i > 0) body[pos++] = (byte)',';
                items[i].Json.Span.CopyTo(body.AsSpan(pos));
                pos += items[i].Json.Length;
            }
            _suffix.CopyTo(body, pos);
            pos += _suffix.Length;
            var memory = new ReadOnlyMemory<byte>(body, 0, pos);
            var context = ResilienceContextPool.Shared.Get(ct);
            try
            {
                return await _retry.ExecuteAsync(static async (ctx, s) =>
                {
                    await s.Self._pacer.WaitAsync(ctx.CancellationToken).ConfigureAwait(false);
                    var started = Stopwatch.GetTimestamp();
                    var r = await s.Self._client.PostAsync(s.Body, ctx.CancellationToken).ConfigureAwait(false);
                    s.Self._stats.AddLatency(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    Interlocked.Increment(ref s.Self._stats.RequestCount);
                    if (r.Kind == ResponseKind.Throttled)
                    {
                        Interlocked.Increment(ref s.Self._stats.ThrottledCount);
                        s.Self._pacer.OnThrottled();
                        var pause = r.RetryAfter ?? s.Self._o.Retry.BaseDelay;
                        s.Self._pacer.Pause(pause > s.Self._o.Retry.RetryAfterCap ? s.Self._o.Retry.RetryAfterCap : pause);
                    }
                    else if (r.Kind != ResponseKind.Transient)
                    {
                        // Answered without throttling (5xx and timeouts say nothing about the rate).
                        s.Self._pacer.OnAnswered();
                    }
                    return r;
                }, context, (Self: this, Body: memory)).ConfigureAwait(false);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    private void SetFatal(CapiResponse r)
    {
        var what = r.HttpStatus == 403 ? "does not accept this Pixel ID" : "did not accept the access token";
        _fatalStatus = r.HttpStatus;
        _fatal ??= $"Snap {what} for pixel {_o.PixelId} (HTTP {r.HttpStatus}{(r.Message is { } m ? ": " + m : "")}). " +
                   "Nothing more was sent; unsent events stay pending for the next run.";
        _stop.Cancel();
    }

    private void ThrowIfFatal()
    {
        if (_fatal is { } f) throw new DeliveryFatalException(f, _fatalStatus);
    }

    private static List<EventKey> Keys(IReadOnlyList<OutgoingEvent> items)
    {
        var keys = new List<EventKey>(items.Count);
        foreach (var e in items) keys.Add(e.Key);
        return keys;
    }

    private static Reason ApiReason(string code, string message)
    {
        foreach (var r in KnownReasons)
            if (string.Equals(r.Code, code, StringComparison.OrdinalIgnoreCase) || string.Equals(r.Name, code, StringComparison.OrdinalIgnoreCase))
                return r;
        return new Reason("REJECTED_BY_SNAP", code, message);
    }

    private static readonly Reason[] KnownReasons =
    [
        Reason.MissingEventName, Reason.InvalidEventName, Reason.MissingEventTime, Reason.InvalidEventTime,
        Reason.InvalidActionSource, Reason.MissingUserData, Reason.MissingCurrency, Reason.MissingValue,
        Reason.InvalidCurrency, Reason.InvalidValue, Reason.UnhashedUserData,
    ];
}
