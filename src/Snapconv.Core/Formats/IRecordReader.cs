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
}
