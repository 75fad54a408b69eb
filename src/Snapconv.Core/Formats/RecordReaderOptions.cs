namespace Snapconv.Core.Formats;

/// <summary>How <see cref="RecordReaders.Open"/> reads a file. Only CSV-like text uses these options.</summary>
public sealed record RecordReaderOptions
{
    /// <summary>The longest value, line, JSON record or workbook cell read: 16 MiB (as text or UTF-8 bytes).</summary>
    public const int MaxValueLength = 0x1000000;

    /// <summary>The most columns a file may have: 16,384 (Excel's limit, column XFD).</summary>
    public const int MaxColumns = 16_384;

    /// <summary>The deepest nesting of a JSON record: 64 levels.</summary>
    public const int MaxJsonDepth = 64;

    /// <summary>
    /// The largest Parquet page read, uncompressed: 256 MiB. Parquet.Net holds a whole page (and its values) in memory;
    /// a row group of 1M rows of 100-byte text is a 100 MB page at most, and the limit keeps a read well under 1 GB.
    /// </summary>
    public const int MaxParquetPageBytes = 256 << 20;

    /// <summary>
    /// The most memory one Parquet row group may take once read: 512 MiB (its values as objects, counted as they are read,
    /// and each column's pages before). Parquet.Net reads a column chunk whole, so a row group is held whole; with the rest
    /// of a run this keeps a read under 1 GB. A larger group stops with a message asking for smaller row groups.
    /// </summary>
    public const long MaxParquetRowGroupBytes = 512L << 20;

    /// <summary>Default of <see cref="MaxDecompressedBytes"/>: 50 GiB.</summary>
    public const long DefaultMaxDecompressedBytes = 50L << 30;

    /// <summary>The shared default options.</summary>
    public static readonly RecordReaderOptions Default = new();

    /// <summary>
    /// The CSV field delimiter. Default: null, sniffed among <c>, ; | TAB</c> from the first lines
    /// (<c>.tsv</c> files default to TAB).
    /// </summary>
    public char? Delimiter { get; init; }

    /// <summary>
    /// Whether the first CSV row holds the column names. Default: true. When false the columns are named
    /// <c>column_1</c> … <c>column_N</c> after the first row's field count.
    /// </summary>
    public bool HasHeader { get; init; } = true;

    /// <summary>Workbooks (.xlsx, .xls): the sheet to read, by name (case-insensitive). Default: null, the first sheet.</summary>
    public string? Sheet { get; init; }

    /// <summary>
    /// Workbooks: the culture in which typed number cells are written out as text (no grouping), so that the mapping's
    /// locale reads them back exactly. Default: null, invariant (<c>1234.5</c>). Date cells are always ISO 8601 without zone.
    /// </summary>
    public string? Culture { get; init; }

    /// <summary>
    /// The text encoding of CSV/TSV and HTML-table (.xls) inputs, and of nothing else (JSON is UTF-8). Default: null,
    /// detected per file by <see cref="TextEncodingDetector"/> (UTF-8 with or without BOM, UTF-16 with BOM, else
    /// Windows-1252).
    /// </summary>
    public TextEncoding? Encoding { get; init; }

    /// <summary>
    /// Compressed inputs (<c>.gz</c>): the most bytes one file may decompress to before reading stops with an
    /// <see cref="InputException"/> (a guard against compression bombs). Default: 50 GiB.
    /// </summary>
    public long MaxDecompressedBytes { get; init; } = DefaultMaxDecompressedBytes;
}
