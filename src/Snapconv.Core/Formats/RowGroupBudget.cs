using System.Globalization;
using Parquet.Data;

namespace Snapconv.Core.Formats;

/// <summary>
/// The memory one Parquet row group may take once read (#16). Parquet is columnar: a row's values come from every column,
/// so <see cref="ParquetRecordReader"/> holds a whole row group, column by column (Parquet.Net reads a column chunk whole,
/// never part of one). A group whose values would pass <see cref="RecordReaderOptions.MaxParquetRowGroupBytes"/> stops the
/// read with an <see cref="InputException"/> naming the file, the row and the limit, instead of taking gigabytes; the
/// answer is a file written with smaller row groups.
/// </summary>
internal sealed class RowGroupBudget(string sourceName, int group, long row)
{
    // What .NET takes for a boxed value or an empty string (object header, method table, length), beside the array's slot.
    private const int ObjectBytes = 24;

    private long _bytes;

    /// <summary>Bytes counted so far.</summary>
    public long Bytes => _bytes;

    /// <summary>Stops when <paramref name="bytes"/> alone pass the limit (a column's pages, before they are read).</summary>
    /// <exception cref="InputException">Over the limit.</exception>
    public static void Check(string sourceName, int group, long row, long bytes)
    {
        if (bytes > RecordReaderOptions.MaxParquetRowGroupBytes || bytes < 0)
        {
            throw OverLimit(sourceName, group, row);
        }
    }

    /// <summary>Counts <paramref name="bytes"/> more.</summary>
    /// <exception cref="InputException">The count passes the limit.</exception>
    public void Add(long bytes)
    {
        _bytes += bytes;
        Check(sourceName, group, row, _bytes);
    }

    /// <summary>Counts what a column's values take once they are objects: a box each (at most a row each, or a level each
    /// when repeated), a string's characters.</summary>
    /// <exception cref="InputException">The count passes the limit.</exception>
    public void AddValues(RawColumnData raw, Parquet.Schema.DataField field, int rows)
    {
        switch (raw)
        {
            case RawColumnData<ReadOnlyMemory<char>> text:
                long chars = 0;
                foreach (var v in text.Values)
                {
                    chars += v.Length;
                }

                Add(text.Values.Length * (long)ObjectBytes + chars * sizeof(char));
                break;
            case RawColumnData<ReadOnlyMemory<byte>> binary:
                long length = 0;
                foreach (var v in binary.Values)
                {
                    length += v.Length;
                }

                Add(binary.Values.Length * (long)ObjectBytes + length);
                break;
            default:
                Add((field.MaxRepetitionLevel > 0 ? Math.Max(rows, raw.RepetitionLevels.Length) : rows) * (long)ObjectBytes);
                break;
        }
    }

    private static InputException OverLimit(string sourceName, int group, long row) => new(sourceName, string.Create(CultureInfo.InvariantCulture,
        $"Parquet row group {group} would take more than {RecordReaderOptions.MaxParquetRowGroupBytes >> 20:N0} MiB of memory once read (a row group is read whole); write the file with smaller row groups (e.g. pyarrow's row_group_size=100000)"), row: row);
}
