using System.Collections.Concurrent;
using System.Threading.Channels;
using Snapconv.Core.Capi;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;
using Snapconv.Delivery.Acknowledgement;
using Snapconv.Delivery.Batching;
using Snapconv.Delivery.Capi;
using Snapconv.Delivery.Ledger;
using Snapconv.Delivery.RateLimit;
using Snapconv.Delivery.Sending;
using Snapconv.Delivery.Splitting;

namespace Snapconv.Delivery.Upload;

/// <summary>
/// The delivery stage, composed of parts that each do one job: the <see cref="EventSerializer"/> keys and
/// serializes each accepted event once; the first-sample gate holds the first events until the sample is read;
/// the <see cref="EventBatcher"/> cuts batches by count and bytes; send workers (bounded concurrency) record each
/// batch in the ledger (<see cref="LedgerAcknowledger"/>), deliver it through the <see cref="BatchSplitter"/>
/// over the <see cref="BatchSender"/> (Polly retries, <see cref="RequestPacer"/> pacing), and acknowledge each
/// settled part per event. Rows Snap rejects are written to the rejects file at completion. Optionally tells, per
/// input file, when the reader finished it and all its events settled (<see cref="FileSettlement"/>).
/// </summary>
internal sealed class DeliverySink : IAcceptedEventSink, IAsyncDisposable
{
    private readonly UploadOptions _o;
    private readonly DeliveryStats _stats;
    private readonly EventSerializer _serializer;
    private readonly EventBatcher _batcher;
    private readonly RequestPacer _pacer;
    private readonly BatchSplitter _splitter;
    private readonly LedgerAcknowledger _ack;
    private readonly Channel<List<OutgoingEvent>> _queue;
    private readonly CancellationTokenSource _stop;
    private readonly SampleGate _gate = new();
    private List<OutgoingEvent>? _sample = [];
    private Task[]? _workers;
    private volatile string? _fatal;
    // What stopped a send worker that could not go on (its ledger's database lost, say), or null.
    private Exception? _failure;
    private int _fatalStatus;
    private readonly FileSettlement? _settlement;
    private readonly ConcurrentDictionary<InputFile, int> _fileIndex = new(ReferenceEqualityComparer.Instance);
    private InputFile? _lastFile;
    private int _filesRead;

    /// <param name="onFileSettled">
    /// Told the index (in the run's file list) of each input file read to its end whose every event settled —
    /// acknowledged or rejected by Snap, or acknowledged by an earlier run — once the sample gate let the run through;
    /// on a send worker or the reader's thread; must not throw. Null: not tracked.
    /// </param>
    public DeliverySink(UploadOptions options, IDeliveryLedger ledger, CapiClient client, TimeProvider clock, DeliveryStats stats, CancellationToken ct,
        Action<int>? onFileSettled = null)
    {
        _o = options;
        _stats = stats;
        var envelope = new RequestEnvelope(options.TestEventCode);
        _serializer = new EventSerializer(options.PixelId);
        _batcher = new EventBatcher(new BatchCaps(options.BatchSize, options.MaxBodyBytes), envelope);
        _pacer = new RequestPacer(options.Qps, clock);
        var jitter = options.JitterSeed is { } s ? new Random(s) : new Random();
        var sender = new BatchSender(client, envelope, _pacer, options.Retry, jitter, clock, stats);
        _splitter = new BatchSplitter(sender.SendAsync);
        _ack = new LedgerAcknowledger(ledger, options.IsLive, stats);
        _queue = Channel.CreateBounded<List<OutgoingEvent>>(new BoundedChannelOptions(options.Concurrency)
        {
            SingleWriter = true, FullMode = BoundedChannelFullMode.Wait,
        });
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (!options.SampleGate) _sample = null;
        _settlement = onFileSettled is null ? null : new FileSettlement(onFileSettled);
        if (_sample is null) _settlement?.Open();
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
        var item = _serializer.Serialize(accepted.Event, accepted.Row, accepted.File, accepted.Fields);
        if (_settlement is not null)
        {
            // Files are read in order: an event belongs to the file being read.
            if (!ReferenceEquals(accepted.File, _lastFile)) _fileIndex[_lastFile = accepted.File] = _filesRead;
            _settlement.Accepted(_filesRead);
        }
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

    /// <summary>The reader finished a file: once its events settled, it is told as settled.</summary>
    public ValueTask FileReadAsync(InputFile file, CancellationToken ct)
    {
        _settlement?.Read(_filesRead);
        _filesRead++;
        return ValueTask.CompletedTask;
    }

    /// <summary>Adds an event built outside the pipeline (tests, benchmarks).</summary>
    internal ValueTask AddEventAsync(CapiEvent e, RowRef row, CancellationToken ct) =>
        AddAsync(_serializer.Serialize(e, row, null, null), ct);

    public async ValueTask<SinkOutcome> CompleteAsync(RunReport live, CancellationToken ct)
    {
        Interlocked.Exchange(ref _stats.RowsRead, live.Rows);
        if (_sample is not null) await DecideAsync(live.Rows, live.Rejected, ct).ConfigureAwait(false);
        await FinishAsync(ct).ConfigureAwait(false);
        var rejections = new List<SinkRejection>();
        foreach (var (e, code, message) in _ack.Rejections)
        {
            if (e.File is null || e.Fields is null) continue;
            rejections.Add(new SinkRejection(e.File, e.Fields, new RowIssue(e.Row, "", ApiReason(code, message)), code, message));
        }
        var counts = new List<KeyValuePair<string, long>>(_stats.Counts());
        if (GateTripped) counts.Add(new("sample_gate_tripped", 1));
        return new SinkOutcome
        {
            Counts = counts, Rejections = rejections,
            Failure = _fatal is { } f ? new DeliveryFatalException(f, _fatalStatus) : null,
        };
    }

    /// <summary>Flushes the last batch and waits for every request to settle.</summary>
    internal async Task FinishAsync(CancellationToken ct)
    {
        if (!GateTripped && _fatal is null && _batcher.Flush() is { } last) await EnqueueAsync(last, ct).ConfigureAwait(false);
        _queue.Writer.TryComplete();
        if (_workers is not null) await Task.WhenAll(_workers).ConfigureAwait(false);
        // Workers also end when stopped (Ctrl+C) with requests unanswered: that is not a completed upload.
        if (_fatal is null && _stop.IsCancellationRequested)
            throw new OperationCanceledException("Stopped: unanswered batches stay pending for the next run.", _stop.Token);
    }

    /// <summary>Rows Snap rejected, for callers without a rejects writer.</summary>
    internal IEnumerable<(RowRef Row, string Code, string Message)> ApiRejects => _ack.Rejections.Select(x => (x.Event.Row, x.Code, x.Message));

    public async ValueTask DisposeAsync()
    {
        // Stops senders: a request in flight is abandoned and its batch stays 'sent' (resent by the next run).
        _queue.Writer.TryComplete();
        if (_workers is not null)
        {
            // Real time: the bound is for senders stuck in a socket call, or in a retry's wait on the injected clock (a
            // test's fake clock does not move by itself), so it cannot run on that clock.
            try { await Task.WhenAll(_workers).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false); }
            catch (Exception) { /* workers observe cancellation; nothing half-recorded */ }
        }
        await _pacer.DisposeAsync().ConfigureAwait(false);
        _serializer.Dispose();
        _stop.Dispose();
    }

    /// <summary>Cancels in-flight requests (Ctrl+C): their batches stay pending in the ledger.</summary>
    internal void Stop() => _stop.Cancel();

    private async ValueTask DecideAsync(long rows, long rejected, CancellationToken ct)
    {
        var sample = _sample!;
        _sample = null;
        if (_gate.Trips(rows, rejected))
        {
            GateTripped = true;
            return;
        }
        _settlement?.Open();
        foreach (var item in sample) await AddAsync(item, ct).ConfigureAwait(false);
    }

    private ValueTask AddAsync(OutgoingEvent item, CancellationToken ct) =>
        _batcher.Add(item) is { } ready ? EnqueueAsync(ready, ct) : ValueTask.CompletedTask;

    private async ValueTask EnqueueAsync(List<OutgoingEvent> items, CancellationToken ct)
    {
        ThrowIfFatal();
        ThrowIfFailed();
        _workers ??= Enumerable.Range(0, _o.Concurrency).Select(_ => Task.Run(WorkAsync)).ToArray();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
        try
        {
            await _queue.Writer.WriteAsync(items, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_fatal is not null || Volatile.Read(ref _failure) is not null)
        {
            ThrowIfFatal();
            ThrowIfFailed();
        }
    }

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } e) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e);
    }

    /// <summary>
    /// On a send worker, so the reader goes on meanwhile. A batch still queued when the run stops is not in the
    /// ledger at all, so its events are simply pending for the next run.
    /// </summary>
    private async Task WorkAsync()
    {
        var ct = _stop.Token;
        try
        {
            await foreach (var items in _queue.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                if (_fatal is not null || ct.IsCancellationRequested) continue;
                var batch = _ack.Begin(items);
                // Events earlier runs had acknowledged are settled already.
                if (batch is null) Settle(items, failed: false);
                else if (batch.Events.Length < items.Count) SettleSkipped(items, batch.Events);
                if (batch is null) continue;
                await foreach (var settled in _splitter.DeliverAsync(batch, ct).ConfigureAwait(false))
                {
                    if (settled.Kind == SettlementKind.Fatal) SetFatal(settled.Response);
                    else
                    {
                        _ack.Record(batch, settled);
                        Settle(settled.Events, failed: settled.Kind == SettlementKind.Failed);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopped: batches not answered stay 'sent' in the ledger and are resent by the next run.
        }
        catch (Exception e)
        {
            // A worker that cannot go on stops the run (#19: the ledger lost its PostgreSQL): the reader must not wait for
            // room in a queue no worker reads any more, and the other workers stop sending. The batch in flight stays
            // 'sent' in the ledger (resent by the next run with the same event ids).
            Interlocked.CompareExchange(ref _failure, e, null);
            _stop.Cancel();
            throw;
        }
    }

    private void SettleSkipped(List<OutgoingEvent> items, OutgoingEvent[] sent)
    {
        if (_settlement is null) return;
        var kept = new HashSet<OutgoingEvent>(sent, ReferenceEqualityComparer.Instance);
        Settle(items.FindAll(x => !kept.Contains(x)), failed: false);
    }

    /// <summary>Counts settled (or failed) events per file, a run of one file's events at a time.</summary>
    private void Settle(IReadOnlyList<OutgoingEvent> events, bool failed)
    {
        if (_settlement is null) return;
        InputFile? file = null;
        var n = 0;
        foreach (var e in events)
        {
            if (!ReferenceEquals(e.File, file))
            {
                SettleRun(file, n, failed);
                file = e.File;
                n = 0;
            }
            n++;
        }
        SettleRun(file, n, failed);
    }

    private void SettleRun(InputFile? file, int n, bool failed)
    {
        if (file is null || n == 0 || !_fileIndex.TryGetValue(file, out var i)) return;
        if (failed) _settlement!.Failed(i);
        else _settlement!.Settled(i, n);
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
