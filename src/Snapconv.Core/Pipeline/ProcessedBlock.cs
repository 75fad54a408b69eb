using Snapconv.Core.Validation;

namespace Snapconv.Core.Pipeline;

/// <summary>A run of consecutive rows of one file, normalized and validated, in file order.</summary>
public sealed class ProcessedBlock
{
    private readonly BlockCells _cells;
    private readonly long[]? _rowNumbers;  // the reader's array of the rows' numbers, handed back with the cells
    private bool _released;

    internal ProcessedBlock(InputFile file, BuiltRow[] rows, BlockCells cells, bool isLastOfFile, long[]? rowNumbers = null)
    {
        File = file;
        Rows = rows;
        _cells = cells;
        IsLastOfFile = isLastOfFile;
        _rowNumbers = rowNumbers;
    }

    public InputFile File { get; }
    public BuiltRow[] Rows { get; }
    /// <summary>True on the last block of a file (also for an empty file, whose block has no rows).</summary>
    public bool IsLastOfFile { get; }

    /// <summary>
    /// The raw fields of row <paramref name="i"/> (for the rejects file and sinks): a new array each call. Only while the
    /// block is the current one: <see cref="ConversionReader.ReadAsync"/> reuses a block's cells once the next is asked for.
    /// </summary>
    /// <exception cref="InvalidOperationException">The reader has moved past this block.</exception>
    public string?[] FieldsOf(int i) => _released
        ? throw new InvalidOperationException("The block's cells were reused for a later block: read its fields before asking for the next one.")
        : _cells.Row(i).ToArray();

    /// <summary>Hands the block's arrays back to <paramref name="pool"/> (the consumer has asked for the next block).</summary>
    internal void Release(BlockArrayPool pool)
    {
        if (_released) return;
        _released = true;   // also when its arrays are not the pool's (a grown or cut block): one rule for every block
        if (_rowNumbers is not null) pool.Return(_cells.Array, _rowNumbers);
    }
}

/// <summary>
/// The raw cells of a block's rows, row after row in one array: one allocation a block instead of an array a
/// row; a row's own array is made only where one is kept (a rejected row, an event handed to a sink).
/// </summary>
internal sealed class BlockCells(string?[] cells, int width, int count)
{
    /// <summary>The array the rows are in (for <see cref="BlockArrayPool"/>).</summary>
    public string?[] Array => cells;

    /// <summary>Rows held (the first <see cref="Count"/> of the array's).</summary>
    public int Count { get; } = count;

    /// <summary>Row <paramref name="i"/> by ordinal.</summary>
    public ReadOnlySpan<string?> Row(int i) => cells.AsSpan(i * width, width);
}
