using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;

namespace Snapconv.Core.Formats;

/// <summary>
/// Reads a Parquet file one row group at a time. Headers are the schema's leaf columns, named by their path joined
/// with <c>.</c> (struct members: <c>user.email</c>; list columns by the list's name). <see cref="GetString"/> gives
/// invariant text (numbers and decimals invariant, <see cref="DateTime"/> as ISO 8601 round-trip <c>O</c>, bytes as
/// Base64, repeated values joined with <c>;</c>); <see cref="GetValue"/> gives the typed value.
/// </summary>
internal sealed class ParquetRecordReader : ITypedRecordReader
{
    private readonly Stream _stream;
    private readonly ParquetReader _parquet;
    private readonly DataField[] _fields;
    private readonly string[] _headers;
    private readonly object?[][] _columns;
    private int _group = -1;
    private long _groupRows;
    private long _index;
    private long _row;

    /// <summary>Opens a reader over a seekable <paramref name="stream"/>, which it owns.</summary>
    /// <exception cref="InputException">The file is not a readable Parquet file.</exception>
    public ParquetRecordReader(Stream stream, string sourceName)
    {
        SourceName = sourceName;
        _stream = stream;
        try
        {
            _parquet = ParquetReader.CreateAsync(stream, new ParquetOptions { TreatByteArrayAsString = false }, leaveStreamOpen: true)
                .GetAwaiter().GetResult();
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            stream.Dispose();
            throw new InputException(sourceName, "not a readable Parquet file", inner: e);
        }

        var named = new List<(DataField Field, string Name)>();
        Collect(_parquet.Schema.Fields, prefix: null, named);
        _fields = named.Select(f => f.Field).ToArray();
        _headers = HeaderNames.MakeUnique(named.Select(f => (string?)f.Name).ToArray());
        _columns = new object?[_fields.Length][];
    }

    /// <inheritdoc/>
    public string SourceName { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string> Headers => _headers;

    /// <inheritdoc/>
    public long RowNumber => _row;

    /// <inheritdoc/>
    public bool Read()
    {
        _index++;
        while (_group < 0 || _index >= _groupRows)
        {
            if (_group + 1 >= _parquet.RowGroupCount)
            {
                _index = _groupRows;
                return false;
            }

            LoadGroup(_group + 1);
            _index = 0;
        }

        _row++;
        return true;
    }

    /// <inheritdoc/>
    public object? GetValue(int ordinal)
    {
        if ((uint)ordinal >= (uint)_fields.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(ordinal));
        }

        return _group < 0 || _index >= _groupRows ? null : _columns[ordinal][_index];
    }

    /// <inheritdoc/>
    public string? GetString(int ordinal) => ToText(GetValue(ordinal));

    /// <inheritdoc/>
    public void Dispose()
    {
        _parquet.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stream.Dispose();
    }

    /// <summary>Invariant text of a typed Parquet value.</summary>
    internal static string? ToText(object? value) => value switch
    {
        null => null,
        string s => s,
        DateTime dt => dt.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset dto => dto.ToString("O", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        TimeSpan ts => ts.ToString("c", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToBase64String(bytes),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static void Collect(IEnumerable<Field> fields, string? prefix, List<(DataField, string)> into)
    {
        foreach (var field in fields)
        {
            var name = prefix is null ? field.Name : $"{prefix}.{field.Name}";
            switch (field)
            {
                case DataField data:
                    into.Add((data, name));
                    break;
                case StructField s:
                    Collect(s.Fields, name, into);
                    break;
                case ListField list when list.Item is DataField item:
                    into.Add((item, name)); // name the column after the list, not "list.element"
                    break;
                case ListField list:
                    Collect([list.Item], name, into);
                    break;
                case MapField map:
                    Collect([map.Key, map.Value], name, into);
                    break;
            }
        }
    }

    private void LoadGroup(int group)
    {
        try
        {
            using var rg = _parquet.OpenRowGroupReader(group);
            var rows = checked((int)rg.RowCount);
            for (var i = 0; i < _fields.Length; i++)
            {
                _columns[i] = ReadColumn(rg, _fields[i], rows).GetAwaiter().GetResult();
            }

            _groupRows = rows;
            _group = group;
        }
        catch (NotSupportedException)
        {
            throw new InputException(SourceName, "a column has an unsupported Parquet type", row: _row + 1);
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            throw new InputException(SourceName, $"corrupt Parquet row group {group}", row: _row + 1, inner: e);
        }
    }

    private static async Task<object?[]> ReadColumn(ParquetRowGroupReader rg, DataField field, int rows)
    {
        if (field.MaxRepetitionLevel > 0)
        {
            return await ReadRepeated(rg, field, rows);
        }

        var type = field.ClrType;
        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>))
        {
            var strings = new string?[rows];
            await rg.ReadAsync(field, strings.AsMemory(), null);
            return strings;
        }

        if (type == typeof(byte[]) || type == typeof(ReadOnlyMemory<byte>))
        {
            var bytes = new byte[]?[rows];
            await rg.ReadAsync(field, bytes.AsMemory(), null);
            return bytes;
        }

        return type switch
        {
            _ when type == typeof(bool) => await Read<bool>(rg, field, rows),
            _ when type == typeof(sbyte) => await Read<sbyte>(rg, field, rows),
            _ when type == typeof(byte) => await Read<byte>(rg, field, rows),
            _ when type == typeof(short) => await Read<short>(rg, field, rows),
            _ when type == typeof(ushort) => await Read<ushort>(rg, field, rows),
            _ when type == typeof(int) => await Read<int>(rg, field, rows),
            _ when type == typeof(uint) => await Read<uint>(rg, field, rows),
            _ when type == typeof(long) => await Read<long>(rg, field, rows),
            _ when type == typeof(ulong) => await Read<ulong>(rg, field, rows),
            _ when type == typeof(float) => await Read<float>(rg, field, rows),
            _ when type == typeof(double) => await Read<double>(rg, field, rows),
            _ when type == typeof(decimal) => await Read<decimal>(rg, field, rows),
            _ when type == typeof(DateTime) => AdjustKind(field, await Read<DateTime>(rg, field, rows)),
            _ when type == typeof(DateOnly) => await Read<DateOnly>(rg, field, rows),
            _ when type == typeof(TimeOnly) => await Read<TimeOnly>(rg, field, rows),
            _ when type == typeof(TimeSpan) => await Read<TimeSpan>(rg, field, rows),
            _ when type == typeof(Guid) => await Read<Guid>(rg, field, rows),
            _ when type == typeof(Half) => await Read<Half>(rg, field, rows),
            _ => throw new NotSupportedException($"Parquet column type {type.Name} is not supported"),
        };
    }

    private static async Task<object?[]> Read<T>(ParquetRowGroupReader rg, DataField field, int rows)
        where T : struct
    {
        var values = new T?[rows];
        await rg.ReadAsync<T>(field, values.AsMemory(), null);
        var boxed = new object?[rows];
        for (var i = 0; i < rows; i++)
        {
            boxed[i] = values[i];
        }

        return boxed;
    }

    private static object?[] AdjustKind(DataField field, object?[] values)
    {
        // Parquet.Net reads UTC-adjusted timestamps with an unspecified kind; say what the file says.
        if (field is DateTimeDataField { IsAdjustedToUTC: true })
        {
            for (var i = 0; i < values.Length; i++)
            {
                if (values[i] is DateTime { Kind: DateTimeKind.Unspecified } dt)
                {
                    values[i] = DateTime.SpecifyKind(dt, DateTimeKind.Utc);
                }
            }
        }

        return values;
    }

    private static async Task<object?[]> ReadRepeated(ParquetRowGroupReader rg, DataField field, int rows)
    {
        var count = checked((int)(rg.GetMetadata(field)?.MetaData?.NumValues ?? rows));
        var values = new string?[count];
        var levels = new int[count];
        var type = field.ClrType;
        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>))
        {
            await rg.ReadAsync(field, values.AsMemory(), levels.AsMemory());
        }
        else
        {
            throw new NotSupportedException($"repeated Parquet column type {type.Name} is not supported");
        }

        // Repetition level 0 starts a new row; nulls (empty lists or null items) add nothing.
        var result = new object?[rows];
        var sb = new StringBuilder();
        var row = -1;
        for (var i = 0; i < count; i++)
        {
            if (levels[i] == 0)
            {
                Flush(result, row, sb);
                row++;
                sb.Clear();
            }

            if (values[i] is { } v)
            {
                if (sb.Length > 0)
                {
                    sb.Append(';');
                }

                sb.Append(v);
            }
        }

        Flush(result, row, sb);
        return result;

        static void Flush(object?[] result, int row, StringBuilder sb)
        {
            if (row >= 0 && row < result.Length)
            {
                result[row] = sb.ToString();
            }
        }
    }

    private static bool IsReadFailure(Exception e) =>
        e is not (InputException or OutOfMemoryException or OperationCanceledException);
}
