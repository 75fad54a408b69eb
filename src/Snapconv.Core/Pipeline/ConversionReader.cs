using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Snapconv.Core.Formats;
using Snapconv.Core.Mapping;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Pipeline;

/// <summary>
/// Source → format reader → mapper → normalizer/hasher → validator. One reader thread fills blocks of
/// rows; workers build events for several blocks at once; blocks come back in file order. Memory is
/// bounded by <see cref="PipelineOptions.MaxBlocksInFlight"/> blocks.
/// </summary>
public static class ConversionReader
{
    /// <summary>Reads <paramref name="files"/> in order.</summary>
    /// <remarks>An unreadable file ends the sequence with <see cref="InputException"/> after every block read before it.</remarks>
    public static async IAsyncEnumerable<ProcessedBlock> ReadAsync(
        IReadOnlyList<string> files, ConversionOptions options, PipelineOptions? pipeline = null,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        pipeline ??= new PipelineOptions();
        var channel = Channel.CreateBounded<Task<ProcessedBlock>>(new BoundedChannelOptions(pipeline.MaxBlocksInFlight)
        {
            SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait,
        });
        var producer = Task.Run(() => ProduceAsync(files, options, pipeline, channel.Writer, ct), ct);
        await foreach (var task in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            yield return await task.ConfigureAwait(false);
        await producer.ConfigureAwait(false);
    }

    private static async Task ProduceAsync(IReadOnlyList<string> files, ConversionOptions options, PipelineOptions pipeline,
        ChannelWriter<Task<ProcessedBlock>> writer, CancellationToken ct)
    {
        try
        {
            foreach (var path in files)
            {
                using var reader = RecordReaders.Open(path, options.Mapping.ReaderOptions);
                var mapping = BoundMapping.Bind(options.Mapping, reader.Headers, reader.SourceName);
                var file = new InputFile(reader.SourceName, reader.Headers, mapping);
                var builder = new EventBuilder(mapping, options, reader.SourceName);
                var width = reader.Headers.Count;
                var size = pipeline.BlockSize;
                var cells = new string?[size * width];
                var rows = new long[size];
                List<(int Index, RowProblem Problem)>? problems = null;
                var n = 0;
                while (true)
                {
                    ct.ThrowIfCancellationRequested();
                    var more = reader.Read();
                    if (more)
                    {
                        var at = n * width;
                        for (var i = 0; i < width; i++) cells[at + i] = reader.GetString(i);
                        rows[n] = reader.RowNumber;
                        if (reader.Problem is { } problem) (problems ??= []).Add((n, problem));
                        n++;
                    }
                    if (n == size || !more)
                    {
                        // A file's last block is sent even when empty, so consumers see every file end.
                        var blockCells = new BlockCells(cells, width, n);
                        var blockRows = n == size ? rows : rows[..n];
                        var last = !more;
                        var blockProblems = problems;
                        problems = null;
                        await writer.WriteAsync(Task.Run(() => Build(file, builder, blockCells, blockRows, last, blockProblems), ct), ct)
                            .ConfigureAwait(false);
                        cells = new string?[size * width];
                        rows = new long[size];
                        n = 0;
                    }
                    if (!more) break;
                }
            }
            writer.Complete();
        }
        catch (Exception e)
        {
            writer.Complete(e);
        }
    }

    private static ProcessedBlock Build(InputFile file, EventBuilder builder, BlockCells cells, long[] rows, bool last,
        List<(int Index, RowProblem Problem)>? problems)
    {
        var built = builder.BuildBlock(cells, rows);
        // A row the reader could not use (#15, #16) is one rejected row, whatever the builder made of its null fields.
        if (problems is not null)
            foreach (var (i, problem) in problems)
                built[i] = new BuiltRow(new RowRef(file.Name, rows[i])).Reject(problem.Field,
                    problem.Kind == RowProblemKind.InvalidEncoding ? Capi.Reason.InvalidEncoding : Capi.Reason.MalformedRecord);
        return new ProcessedBlock(file, built, cells, last);
    }
}
