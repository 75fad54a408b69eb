namespace Snapconv.Core.Formats;

/// <summary>
/// A forward-only reader of one input file's data rows (CSV/TSV, JSON, NDJSON, Parquet), giving fields
/// by ordinal. Not thread-safe.
/// </summary>
public interface IRecordReader : IDisposable
{
    /// <summary>The file as the user named it (used in errors and rejects).</summary>
    string SourceName { get; }

    /// <summary>Column names in ordinal order, known before the first <see cref="Read"/>.</summary>
    IReadOnlyList<string> Headers { get; }

    /// <summary>Advances to the next data row. False at the end.</summary>
    /// <exception cref="InputException">The file cannot be read further (names file and row).</exception>
    bool Read();

    /// <summary>1-based number of the current data row in its file (the header is not counted).</summary>
    long RowNumber { get; }

    /// <summary>The field at <paramref name="ordinal"/> of the current row; null when absent.</summary>
    string? GetString(int ordinal);

    /// <summary>The encoding the file's text was decoded with (detected or forced); null for formats that are not
    /// decoded as text here (JSON is UTF-8, Parquet, workbooks).</summary>
    TextEncoding? TextEncoding => null;

    /// <summary>
    /// Why the current row cannot be used, or null for a usable row. A row with a problem is one rejected row (the run
    /// goes on); its fields read as null. Default: null (readers that stop at any bad input never report one).
    /// </summary>
    RowProblem? Problem => null;

    /// <summary>
    /// Whether this reader reports <see cref="Problem"/> at all; when false the caller need not ask once a row. Default:
    /// false (the readers that stop at any bad input).
    /// </summary>
    bool ReportsProblems => false;
}

/// <summary>A row a reader could read past but not use: which field (empty when the whole record) and why.</summary>
public readonly record struct RowProblem(string Field, RowProblemKind Kind);

/// <summary>The kinds of <see cref="RowProblem"/>.</summary>
public enum RowProblemKind
{
    /// <summary>The record is not well-formed (e.g. an NDJSON line that is not a JSON object).</summary>
    Malformed,

    /// <summary>A text value is not valid Unicode (a lone surrogate, invalid UTF-8).</summary>
    InvalidEncoding,
}
