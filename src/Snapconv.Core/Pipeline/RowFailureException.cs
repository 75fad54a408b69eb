namespace Snapconv.Core.Pipeline;

/// <summary>
/// An unexpected failure (a bug, not bad input: that is <see cref="Formats.InputException"/>) while opening a file or
/// reading and building its rows, with where it happened (#16). The message holds the file and rows only, never cell
/// contents or the inner exception's message; the inner exception is the failure itself.
/// </summary>
public sealed class RowFailureException : Exception
{
    public RowFailureException(string file, long firstRow, long lastRow, Exception inner)
        : base(Describe(file, firstRow, lastRow), inner)
    {
        File = file;
        FirstRow = firstRow;
        LastRow = lastRow;
    }

    /// <summary>The input file as the run names it.</summary>
    public string File { get; }
    /// <summary>The first row that may have failed; 0 = while opening the file or reading its header.</summary>
    public long FirstRow { get; }
    /// <summary>The last row that may have failed (a block's rows are built together): equal to <see cref="FirstRow"/> when known exactly.</summary>
    public long LastRow { get; }

    /// <summary>e.g. <c>reading orders.csv row 1200</c>, <c>building orders.csv rows 1200-1263</c>, <c>opening orders.csv</c>.</summary>
    public static string Describe(string file, long firstRow, long lastRow) =>
        firstRow <= 0 ? $"opening {file}"
        : firstRow == lastRow ? $"reading {file} row {firstRow}"
        : $"reading {file} rows {firstRow}-{lastRow}";
}
