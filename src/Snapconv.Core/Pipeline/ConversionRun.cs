using Snapconv.Core.Capi;
using Snapconv.Core.Output;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Pipeline;

/// <summary>Where a run writes its files; null = not written.</summary>
public sealed record ConversionOutputs
{
    public string? ReportPath { get; init; }
    public string? RejectsPath { get; init; }
    public string? EventsPath { get; init; }
    public string? PreprocessCsvPath { get; init; }
    /// <summary>
    /// Called once with the finished report right before it is written, also when the run failed: callers add their
    /// own counters (delivery, source objects) here, so the report is written once, by the run. Must not throw.
    /// </summary>
    public Action<RunReport>? CompleteReport { get; init; }
}

/// <summary>An event the run accepted (first of its id), with its origin.</summary>
public readonly record struct AcceptedEvent(CapiEvent Event, RowRef Row, InputFile File, string?[] Fields);

/// <summary>
/// Receives accepted events in file order (delivery batches and sends them). One direction: the run pushes
/// events and counts in; the sink answers through its return values (<see cref="SinkOutcome"/>), never by
/// writing into the run's report or files.
/// </summary>
public interface IAcceptedEventSink
{
    /// <param name="live">The run's counts so far (rows read, rejected …), e.g. for a sample gate.</param>
    ValueTask AcceptAsync(AcceptedEvent accepted, RunReport live, CancellationToken ct);
    /// <summary>
    /// Called once after the last event, before the report is written; returns what the run records for the sink.
    /// </summary>
    /// <param name="live">The run's final counts (read only).</param>
    /// <exception cref="OperationCanceledException">Stopped before every event settled.</exception>
    ValueTask<SinkOutcome> CompleteAsync(RunReport live, CancellationToken ct);
    /// <summary>Rows (over all inputs, any disposition) after which <see cref="SampleReadAsync"/> is called once; 0 = never.</summary>
    long SampleRows => 0;
    /// <summary>
    /// Called once right after row <see cref="SampleRows"/> was counted (and, if accepted, passed to
    /// <see cref="AcceptAsync"/>): <paramref name="live"/> then counts exactly the first rows, e.g. for a sample gate.
    /// </summary>
    ValueTask SampleReadAsync(RunReport live, CancellationToken ct) => ValueTask.CompletedTask;
    /// <summary>
    /// Called once per input file, in file order, after its last row was counted (and, if accepted, passed to
    /// <see cref="AcceptAsync"/>), also for a file with no accepted row: e.g. to finalise a source object once its own
    /// events settled.
    /// </summary>
    ValueTask FileReadAsync(InputFile file, CancellationToken ct) => ValueTask.CompletedTask;
}

/// <summary>A row the sink's destination rejected, as the rejects file records it.</summary>
public readonly record struct SinkRejection(InputFile File, string?[] Fields, RowIssue Issue, string Code, string Message);

/// <summary>What a sink reports at the end of a run; the run records it (report keys, rejects rows), then throws <see cref="Failure"/>.</summary>
public sealed record SinkOutcome
{
    /// <summary>Nothing to record.</summary>
    public static readonly SinkOutcome None = new();

    /// <summary>Counters for the report's extra keys, in the order written.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Counts { get; init; } = [];
    /// <summary>Rows the destination rejected, appended to the rejects file after the run's own.</summary>
    public IReadOnlyList<SinkRejection> Rejections { get; init; } = [];
    /// <summary>Set when the destination refused the run: the run records the rest, then throws it.</summary>
    public Exception? Failure { get; init; }

    /// <summary>Writes <see cref="Counts"/> into <paramref name="report"/> and <see cref="Rejections"/> into <paramref name="rejects"/>.</summary>
    public void ApplyTo(RunReport report, RejectsWriter? rejects)
    {
        foreach (var (key, value) in Counts) report.Extra[key] = value;
        if (rejects is null) return;
        foreach (var r in Rejections) rejects.Add(r.File.Headers, r.Fields, r.Issue, r.Code, r.Message);
    }
}

/// <summary>The outcome of a run.</summary>
public sealed record ConversionResult(RunReport Report, ConversionOutputs Outputs);

/// <summary>
/// One run of the read → validate → dedup pipeline: counts every row, writes the report, rejects and
/// events files, and hands accepted events to an optional sink.
/// </summary>
public static class ConversionRun
{
    public static async Task<ConversionResult> ExecuteAsync(
        IReadOnlyList<string> files, ConversionOptions options, ConversionOutputs outputs, TimeProvider clock,
        CancellationToken ct, IAcceptedEventSink? sink = null, IProgress<RunReport>? progress = null,
        PipelineOptions? pipeline = null)
    {
        using var acc = new RunAccumulator(clock, pipeline?.Dedup);
        using var rejects = outputs.RejectsPath is { } rp ? new RejectsWriter(rp) : null;
        using var events = outputs.EventsPath is { } ep ? new EventsNdjsonWriter(ep) : null;
        using var csv = outputs.PreprocessCsvPath is { } cp ? new PreprocessCsvWriter(cp) : null;
        var lastProgress = clock.GetTimestamp();
        var sampleRows = sink?.SampleRows ?? 0;
        try
        {
            await foreach (var block in ConversionReader.ReadAsync(files, options, clock, pipeline, ct).ConfigureAwait(false))
            {
                // Once a block: the first signal stops the run within a block of rows also when the reader is ahead (#16).
                ct.ThrowIfCancellationRequested();
                acc.Touch(block.File);
                acc.Prefetch(block.Rows);
                for (var i = 0; i < block.Rows.Length; i++)
                {
                    var row = block.Rows[i];
                    switch (acc.Add(block.File, row))
                    {
                        case RowDisposition.Rejected:
                            rejects?.Add(block.File.Headers, block.FieldsOf(i), row.Rejection!.Value);
                            break;
                        case RowDisposition.Accepted:
                            var e = row.Event!;
                            events?.Write(e);
                            csv?.Write(e, row.Row);
                            if (sink is not null)
                                await sink.AcceptAsync(new AcceptedEvent(e, row.Row, block.File, block.FieldsOf(i)), acc.Report, ct).ConfigureAwait(false);
                            break;
                    }
                    if (acc.Report.Rows == sampleRows) await sink!.SampleReadAsync(acc.Report, ct).ConfigureAwait(false);
                }
                if (block.IsLastOfFile && sink is not null) await sink.FileReadAsync(block.File, ct).ConfigureAwait(false);
                if (progress is not null && clock.GetElapsedTime(lastProgress) > TimeSpan.FromMilliseconds(500))
                {
                    lastProgress = clock.GetTimestamp();
                    progress.Report(acc.Report);
                }
            }
            if (sink is not null)
            {
                var outcome = await sink.CompleteAsync(acc.Report, ct).ConfigureAwait(false);
                outcome.ApplyTo(acc.Report, rejects);
                if (outcome.Failure is { } failure) throw failure;
            }
            // Only a run that read everything puts its events files in place; a failed one leaves no half file.
            events?.Complete();
            csv?.Complete();
        }
        finally
        {
            // Whatever was read is reported, also when the run stops on bad input.
            var report = acc.Finish();
            rejects?.Complete();
            outputs.CompleteReport?.Invoke(report);
            if (outputs.ReportPath is { } reportPath) report.WriteJson(reportPath);
        }
        return new ConversionResult(acc.Report, outputs);
    }
}
