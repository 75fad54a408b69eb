using Snapconv.Core.Validation;

namespace Snapconv.Core.Pipeline;

/// <summary>A run of consecutive rows of one file, normalized and validated, in file order.</summary>
public sealed class ProcessedBlock
{
    private readonly BlockCells _cells;

    internal ProcessedBlock(InputFile file, BuiltRow[] rows, BlockCells cells, bool isLastOfFile)
    {
        File = file;
        Rows = rows;
        _cells = cells;
        IsLastOfFile = isLastOfFile;
    }

    public InputFile File { get; }
    public BuiltRow[] Rows { get; }
    /// <summary>True on the last block of a file (also for an empty file, whose block has no rows).</summary>
    public bool IsLastOfFile { get; }

    /// <summary>The raw fields of row <paramref name="i"/> (for the rejects file and sinks): a new array each call.</summary>
    public string?[] FieldsOf(int i) => _cells.Row(i).ToArray();
}

/// <summary>
/// The raw cells of a block's rows, row after row in one array: one allocation a block instead of an array a
/// row; a row's own array is made only where one is kept (a rejected row, an event handed to a sink).
/// </summary>
internal sealed class BlockCells(string?[] cells, int width, int count)
{
    /// <summary>Rows held (the first <see cref="Count"/> of the array's).</summary>
    public int Count { get; } = count;

    /// <summary>Row <paramref name="i"/> by ordinal.</summary>
    public ReadOnlySpan<string?> Row(int i) => cells.AsSpan(i * width, width);
}
