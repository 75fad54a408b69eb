namespace Snapconv.Core.Formats;

/// <summary>How <see cref="RecordReaders.Open"/> reads a file. Only CSV-like text uses these options.</summary>
public sealed record RecordReaderOptions
{
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
}
