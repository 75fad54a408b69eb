using System.Security.Cryptography;
using Snapconv.Core.Capi;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;
using Snapconv.Delivery.Capi;
using Snapconv.Delivery.Ledger;

namespace Snapconv.Delivery.Upload;

/// <summary>How an upload ended (maps to the CLI's exit codes).</summary>
public enum UploadOutcome
{
    /// <summary>Every accepted event was acknowledged, rejected by Snap, or already acknowledged (exit 0).</summary>
    Completed,
    /// <summary>Some batches failed after retries; they stay pending for the next run (exit 4).</summary>
    PendingLeft,
    /// <summary>The first-sample gate stopped the upload; nothing was sent (exit 3).</summary>
    SampleGateTripped,
}

/// <summary>The result of <see cref="UploadRun.ExecuteAsync"/>.</summary>
public sealed record UploadResult(RunReport Report, ConversionOutputs Outputs, UploadOutcome Outcome, DeliveryStats Stats);

/// <summary>
/// <c>snapconv upload</c> as a library: the core pipeline (read → validate → dedup) feeding the delivery
/// stage, with the ledger in <see cref="UploadOptions.StateDir"/>. Create one per run.
/// </summary>
public sealed class UploadRun(UploadOptions options, TimeProvider clock)
{
    private readonly TimeProvider _clock = clock;

    /// <summary>Live counters, e.g. for a progress display.</summary>
    public DeliveryStats Stats { get; } = new();

    /// <summary>
    /// Told the index (in <c>files</c>) of each input file the reader finished and whose every accepted event settled —
    /// acknowledged or rejected by Snap, or acknowledged by an earlier run — as soon as it did, not at the end of the
    /// run; never for a file with an event left pending, nor when the sample gate stopped the run. Called on a send
    /// worker (or the reader's thread); must not throw or block. Default: not tracked.
    /// </summary>
    public Action<int>? OnFileSettled { get; init; }

    /// <summary>Benchmarks: the HTTP handler the client uses (null = sockets to <see cref="UploadOptions.Endpoint"/>).</summary>
    internal Func<HttpMessageHandler>? HandlerFactory { get; init; }

    /// <summary>Runs the upload.</summary>
    /// <exception cref="ArgumentException">Invalid options (every error listed).</exception>
    /// <exception cref="DeliveryFatalException">Snap refused the token or the pixel (401/403).</exception>
    /// <exception cref="Snapconv.Core.Formats.InputException">An input could not be read.</exception>
    /// <exception cref="OperationCanceledException">Stopped; unanswered batches stay pending.</exception>
    public async Task<UploadResult> ExecuteAsync(IReadOnlyList<string> files, ConversionOptions conversion, ConversionOutputs outputs,
        CancellationToken ct, PipelineOptions? pipeline = null)
    {
        options.EnsureValid();
        conversion = conversion with { PixelId = options.PixelId };
        using var ledger = OpenLedger();
        foreach (var f in files) await FingerprintAsync(ledger, f, ct).ConfigureAwait(false);
        using var client = new CapiClient(options, _clock, HandlerFactory?.Invoke());
        await using var sink = new DeliverySink(options, ledger, client, _clock, Stats, ct, OnFileSettled);
        var progress = new Progress(Stats);
        // The report on disk carries this run's delivery counters, also when the run stopped early; the caller's own
        // counters follow them (the report is written once, by the conversion run).
        var callerCompletes = outputs.CompleteReport;
        var runOutputs = outputs with
        {
            CompleteReport = r =>
            {
                Stats.WriteTo(r);
                callerCompletes?.Invoke(r);
            },
        };
        try
        {
            var result = await ConversionRun.ExecuteAsync(files, conversion, runOutputs, _clock, ct, sink, progress, pipeline).ConfigureAwait(false);
            var outcome = sink.GateTripped ? UploadOutcome.SampleGateTripped
                : Stats.FailedPending > 0 ? UploadOutcome.PendingLeft : UploadOutcome.Completed;
            return new UploadResult(result.Report, outputs, outcome, Stats);
        }
        catch (Exception)
        {
            sink.Stop();
            throw;
        }
    }

    /// <summary>Sends already built events (benchmarks and tests): no reader, no sample gate, no rejects file.</summary>
    internal async Task<IReadOnlyList<(RowRef Row, string Code, string Message)>> SendEventsAsync(IEnumerable<CapiEvent> events, CancellationToken ct)
    {
        options.EnsureValid();
        using var ledger = OpenLedger();
        using var client = new CapiClient(options, _clock, HandlerFactory?.Invoke());
        await using var sink = new DeliverySink(options with { SampleGate = false }, ledger, client, _clock, Stats, ct);
        long row = 0;
        foreach (var e in events) await sink.AddEventAsync(e, new RowRef("events", ++row), ct).ConfigureAwait(false);
        await sink.FinishAsync(ct).ConfigureAwait(false);
        return sink.ApiRejects.ToList();
    }

    private IDeliveryLedger OpenLedger() =>
        options.UseLedger && options.IsLive ? options.LedgerFactory?.Invoke(_clock) ?? new SqliteDeliveryLedger(options.StateDir, _clock) : new NullLedger();

    private static async Task FingerprintAsync(IDeliveryLedger ledger, string path, CancellationToken ct)
    {
        if (ledger is NullLedger) return;
        var info = new FileInfo(path);
        if (!info.Exists) return;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan);
        // Hashing a large input takes seconds: the first signal must stop it too (#16).
        var hash = await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false);
        ledger.RecordFile(Path.GetFullPath(path), info.Length, info.LastWriteTimeUtc, hash);
    }

    private sealed class Progress(DeliveryStats stats) : IProgress<RunReport>
    {
        public void Report(RunReport value)
        {
            Interlocked.Exchange(ref stats.RowsRead, value.Rows);
        }
    }
}
