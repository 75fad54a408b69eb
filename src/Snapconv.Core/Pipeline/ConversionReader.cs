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
    /// <summary>Reads <paramref name="files"/> in order; <paramref name="clock"/> is "now" for the event-time and date-of-birth rules.</summary>
    /// <remarks>An unreadable file ends the sequence with <see cref="InputException"/> after every block read before it.</remarks>
    public static async IAsyncEnumerable<ProcessedBlock> ReadAsync(
        IReadOnlyList<string> files, ConversionOptions options, TimeProvider clock, PipelineOptions? pipeline = null,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        pipeline ??= new PipelineOptions();
        var channel = Channel.CreateBounded<Task<ProcessedBlock>>(new BoundedChannelOptions(pipeline.MaxBlocksInFlight)
        {
            SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait,
        });
        var pool = new BlockArrayPool();
        var producer = Task.Run(() => ProduceAsync(files, options, clock, pipeline, pool, channel.Writer, ct), ct);
        await foreach (var task in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            var block = await task.ConfigureAwait(false);
            yield return block;
            block.Release(pool);  // the consumer asked for the next block: this one's arrays serve a later one
        }
        await producer.ConfigureAwait(false);
    }

    private static async Task ProduceAsync(IReadOnlyList<string> files, ConversionOptions options, TimeProvider clock, PipelineOptions pipeline,
        BlockArrayPool pool, ChannelWriter<Task<ProcessedBlock>> writer, CancellationToken ct)
    {
        // Where the producer is, for an unexpected failure's message (#16): the file, and the last row read (0 = opening).
        var where = "";
        long lastRow = 0;
        var opened = false;
        try
        {
            // A preset whose export has no currency column (Square, Loyverse): without --currency every purchase would be
            // rejected, so the run stops before reading a row (the CLI says so first; this covers every other caller).
            if (options.Mapping.LacksRequiredCurrency && files.Count > 0)
                throw new InputException(files[0], "the export carries no currency: give the account's currency with --currency CODE (job key currency)");
            foreach (var path in files)
            {
                where = path;
                lastRow = 0;
                opened = false;
                using var reader = RecordReaders.Open(path, options.Mapping.ReaderOptions);
                where = reader.SourceName;
                var mapping = BoundMapping.Bind(options.Mapping, reader.Headers, reader.SourceName);
                var file = new InputFile(reader.SourceName, reader.Headers, mapping) { Encoding = reader.TextEncoding };
                var builder = new EventBuilder(mapping, options, reader.SourceName, clock);
                var width = reader.Headers.Count;
                opened = true;
                var size = pipeline.BlockSize ?? PipelineOptions.BlockRowsFor(width);
                var (cells, rows) = pool.Rent(size * width, size);
                List<(int Index, RowProblem Problem)>? problems = null;
                var reportsProblems = reader.ReportsProblems;   // asked once a file: most readers never report one
                var n = 0;
                while (true)
                {
                    // Once a block, not once a row: the first signal stops the read within a block (#16).
                    if (n == 0) ct.ThrowIfCancellationRequested();
                    var more = reader.Read();
                    if (more)
                    {
                        var at = n * width;
                        for (var i = 0; i < width; i++) cells[at + i] = reader.GetString(i);
                        lastRow = rows[n] = reader.RowNumber;
                        if (reportsProblems && reader.Problem is { } problem) (problems ??= []).Add((n, problem));
                        n++;
                    }
                    if (n == rows.Length || !more)
                    {
                        // group_by: the last group may go on in rows not read yet; it moves to the next block, so that a
                        // worker always sees whole groups (a block of one group grows instead).
                        var carry = more && mapping.GroupByOrdinal >= 0 ? n - GroupFolder.GroupStart(mapping.GroupByOrdinal, cells, width, n) : 0;
                        if (more && carry == n)
                        {
                            if (n > GroupFolder.MaxGroupRows)
                                throw new InputException(reader.SourceName, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"more than {GroupFolder.MaxGroupRows} rows in a row have the same group_by value; group_by folds the line items of one order, so it names the order's column"), reader.RowNumber, reader.Headers[mapping.GroupByOrdinal]);
                            var grown = Math.Min(rows.Length * 2, GroupFolder.MaxGroupRows + 1);
                            Array.Resize(ref cells, grown * width);
                            Array.Resize(ref rows, grown);
                            continue;
                        }
                        // A file's last block is sent even when empty, so consumers see every file end.
                        var blockCells = new BlockCells(cells, width, n - carry);
                        var blockRows = n == rows.Length && carry == 0 ? rows : rows[..(n - carry)];
                        var last = !more;
                        var blockProblems = problems;
                        problems = null;
                        if (carry > 0 && blockProblems is not null)
                        {
                            // Problem rows among the carried group move with it, renumbered for the next block.
                            var cut = n - carry;
                            problems = blockProblems.Where(x => x.Index >= cut).Select(x => (x.Index - cut, x.Problem)).ToList();
                            blockProblems = blockProblems.Where(x => x.Index < cut).ToList();
                            if (problems.Count == 0) problems = null;
                            if (blockProblems.Count == 0) blockProblems = null;
                        }
                        // A block of the usual size hands its arrays back once consumed (a grown or cut one is left to the GC).
                        var pooled = ReferenceEquals(blockRows, rows) && cells.Length == size * width ? rows : null;
                        await writer.WriteAsync(Task.Run(() => Build(file, builder, blockCells, blockRows, last, blockProblems, pooled), ct), ct)
                            .ConfigureAwait(false);
                        var capacity = size;
                        while (capacity <= carry) capacity *= 2;
                        var (nextCells, nextRows) = capacity == size ? pool.Rent(size * width, size) : (new string?[capacity * width], new long[capacity]);
                        if (carry > 0)
                        {
                            Array.Copy(cells, (n - carry) * width, nextCells, 0, carry * width);
                            Array.Copy(rows, n - carry, nextRows, 0, carry);
                        }
                        cells = nextCells;
                        rows = nextRows;
                        n = carry;
                    }
                    if (!more) break;
                }
            }
            writer.Complete();
        }
        catch (Exception e) when (IsUnexpected(e))
        {
            var row = opened ? lastRow + 1 : 0;
            writer.Complete(new RowFailureException(where, row, row, e));
        }
        catch (Exception e)
        {
            writer.Complete(e);
        }
    }

    private static ProcessedBlock Build(InputFile file, EventBuilder builder, BlockCells cells, long[] rows, bool last,
        List<(int Index, RowProblem Problem)>? problems, long[]? pooledRows)
    {
        try
        {
            var built = builder.BuildBlock(cells, rows);
            // A row the reader could not use (#15, #16) is one rejected row, whatever the builder made of its null fields.
            if (problems is not null)
                foreach (var (i, problem) in problems)
                    built[i] = new BuiltRow(new RowRef(file.Name, rows[i])).Reject(problem.Field,
                        problem.Kind == RowProblemKind.InvalidEncoding ? Capi.Reason.InvalidEncoding : Capi.Reason.MalformedRecord);
            return new ProcessedBlock(file, built, cells, last, pooledRows);
        }
        catch (Exception e) when (IsUnexpected(e) && rows.Length > 0)
        {
            throw new RowFailureException(file.Name, rows[0], rows[^1], e);
        }
    }

    /// <summary>Not bad input, not a stop: a failure whose message must say where it happened (#16).</summary>
    private static bool IsUnexpected(Exception e) => e is not (InputException or OperationCanceledException or RowFailureException);
}
