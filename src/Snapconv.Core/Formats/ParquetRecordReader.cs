using System.Buffers.Binary;
using System.Globalization;
using System.Reflection;
using System.Text;
using Parquet;
using Parquet.Data;
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
    // The footer check's time budget: a fixed part, then 100 ms a MB (valid footers decode many times faster).
    private static readonly TimeSpan MetadataDecodeBase = TimeSpan.FromSeconds(2);
    private const double MetadataBytesPerMillisecond = 10_000;
    private const int SnappyCodec = 1; // Parquet's CompressionCodec.SNAPPY

    private readonly Stream _stream;
    private readonly ParquetReader _parquet;
    private readonly DataField[] _fields;
    private readonly string[] _headers;
    private readonly object?[][] _columns;
    private readonly long _dataEnd;
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
        var named = new List<(DataField Field, string Name)>();
        try
        {
            var footer = CheckFooter(stream, sourceName);
            CheckMetadata(stream, sourceName, footer);
            _dataEnd = stream.Length - 8 - footer;
            _parquet = ParquetReader.CreateAsync(new EndCheckedFileStream(stream), new ParquetOptions { TreatByteArrayAsString = false }, leaveStreamOpen: true)
                .GetAwaiter().GetResult();
            // The schema is decoded on first use: a corrupt one throws here (ArgumentException, InvalidOperationException).
            Collect(_parquet.Schema.Fields, prefix: null, named);
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            stream.Dispose();
            throw new InputException(sourceName, "not a readable Parquet file", inner: e);
        }
        catch
        {
            stream.Dispose();
            throw;
        }

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
            // The previous group's values are let go before the next is read, so two groups are never held at once.
            Array.Clear(_columns);
            _groupRows = 0;
            using var rg = _parquet.OpenRowGroupReader(group);
            var rows = CheckPages(group, rg.RowCount);
            var budget = new RowGroupBudget(SourceName, group, _row + 1);
            budget.Add((long)rows * IntPtr.Size * _fields.Length);
            for (var i = 0; i < _fields.Length; i++)
            {
                _columns[i] = ReadColumn(rg, _fields[i], rows, budget).GetAwaiter().GetResult();
            }

            _groupRows = rows;
            _group = group;
        }
        catch (NotSupportedException)
        {
            throw new InputException(SourceName, "a column has an unsupported Parquet type", row: _row + 1);
        }
        catch (InputException)
        {
            throw;
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            throw new InputException(SourceName, $"corrupt Parquet row group {group}", row: _row + 1, inner: e);
        }
    }

    private static async Task<object?[]> ReadColumn(ParquetRowGroupReader rg, DataField field, int rows, RowGroupBudget budget)
    {
        // The raw API gives values plus definition levels; ReadAsync into a nullable buffer misplaces nulls of nested
        // optional columns in Parquet.Net 6.1 (values come back compacted), so we spread them ourselves.
        using var raw = await rg.ReadRawColumnDataBaseAsync(field, CancellationToken.None);
        budget.AddValues(raw, field, rows);
        if (field.MaxRepetitionLevel > 0)
        {
            return raw switch
            {
                RawColumnData<ReadOnlyMemory<char>> r => Join(r, field, rows, static v => v.ToString()),
                RawColumnData<int> r => Join(r, field, rows, static v => v.ToString(CultureInfo.InvariantCulture)),
                RawColumnData<long> r => Join(r, field, rows, static v => v.ToString(CultureInfo.InvariantCulture)),
                RawColumnData<double> r => Join(r, field, rows, static v => v.ToString("R", CultureInfo.InvariantCulture)),
                RawColumnData<decimal> r => Join(r, field, rows, static v => v.ToString(CultureInfo.InvariantCulture)),
                RawColumnData<bool> r => Join(r, field, rows, static v => v ? "true" : "false"),
                _ => throw new NotSupportedException($"repeated Parquet column type {field.ClrType.Name} is not supported"),
            };
        }

        var utc = field is DateTimeDataField { IsAdjustedToUTC: true };
        return raw switch
        {
            RawColumnData<ReadOnlyMemory<char>> r => Spread(r, field, rows, static v => v.ToString()),
            RawColumnData<ReadOnlyMemory<byte>> r => Spread(r, field, rows, static v => v.ToArray()),
            RawColumnData<bool> r => Spread(r, field, rows, static v => v),
            RawColumnData<sbyte> r => Spread(r, field, rows, static v => v),
            RawColumnData<byte> r => Spread(r, field, rows, static v => v),
            RawColumnData<short> r => Spread(r, field, rows, static v => v),
            RawColumnData<ushort> r => Spread(r, field, rows, static v => v),
            RawColumnData<int> r => Spread(r, field, rows, static v => v),
            RawColumnData<uint> r => Spread(r, field, rows, static v => v),
            RawColumnData<long> r => Spread(r, field, rows, static v => v),
            RawColumnData<ulong> r => Spread(r, field, rows, static v => v),
            RawColumnData<float> r => Spread(r, field, rows, static v => v),
            RawColumnData<double> r => Spread(r, field, rows, static v => v),
            RawColumnData<decimal> r => Spread(r, field, rows, static v => v),
            RawColumnData<Half> r => Spread(r, field, rows, static v => v),
            RawColumnData<DateTime> r => utc
                // Parquet.Net reads UTC-adjusted timestamps with an unspecified kind; say what the file says.
                ? Spread(r, field, rows, static v => v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : v)
                : Spread(r, field, rows, static v => v),
            RawColumnData<DateOnly> r => Spread(r, field, rows, static v => v),
            RawColumnData<TimeOnly> r => Spread(r, field, rows, static v => v),
            RawColumnData<TimeSpan> r => Spread(r, field, rows, static v => v),
            RawColumnData<Guid> r => Spread(r, field, rows, static v => v),
            _ => throw new NotSupportedException($"Parquet column type {field.ClrType.Name} is not supported"),
        };
    }

    /// <summary>Places a flat column's values (defined ones only, in order) on their rows; the others are null.</summary>
    private static object?[] Spread<T>(RawColumnData<T> raw, DataField field, int rows, Func<T, object> box)
        where T : struct
    {
        var values = raw.Values;
        var result = new object?[rows];
        if (field.MaxDefinitionLevel == 0)
        {
            for (var i = 0; i < rows; i++)
            {
                result[i] = box(values[i]);
            }

            return result;
        }

        var definitions = raw.DefinitionLevels;
        var next = 0;
        for (var i = 0; i < rows && i < definitions.Length; i++)
        {
            if (definitions[i] == field.MaxDefinitionLevel)
            {
                result[i] = box(values[next++]);
            }
        }

        return result;
    }

    /// <summary>
    /// Joins a repeated column's values per row with <c>;</c>. Values are compacted (defined ones only); a definition
    /// level below the maximum is a null item or an empty list and adds nothing; repetition level 0 starts a row.
    /// </summary>
    private static object?[] Join<T>(RawColumnData<T> raw, DataField field, int rows, Func<T, string> format)
        where T : struct
    {
        var values = raw.Values;
        var definitions = raw.DefinitionLevels;
        var repetitions = raw.RepetitionLevels;
        var result = new object?[rows];
        var sb = new StringBuilder();
        var row = -1;
        var next = 0;
        for (var i = 0; i < repetitions.Length; i++)
        {
            if (repetitions[i] == 0)
            {
                Flush(result, row, sb);
                row++;
                sb.Clear();
            }

            if (definitions[i] == field.MaxDefinitionLevel)
            {
                if (sb.Length > 0)
                {
                    sb.Append(';');
                }

                sb.Append(format(values[next++]));
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

    /// <summary>
    /// Parquet.Net allocates the footer length a file claims before reading it (0x7fffffff: an OutOfMemoryException), so
    /// the claim is checked against the file's size first (#16).
    /// </summary>
    /// <returns>The footer's length in bytes.</returns>
    private static int CheckFooter(Stream stream, string sourceName)
    {
        long length;
        Span<byte> tail = stackalloc byte[8];
        try
        {
            length = stream.Length;
            if (length < 12)
            {
                throw new InputException(sourceName, "not a readable Parquet file: it is too short");
            }

            var position = stream.Position;
            stream.Seek(-8, SeekOrigin.End);
            stream.ReadExactly(tail);
            stream.Position = position;
        }
        catch (IOException e)
        {
            throw new InputException(sourceName, "cannot read the file", inner: e);
        }

        if (!tail[4..].SequenceEqual("PAR1"u8))
        {
            throw new InputException(sourceName, "not a readable Parquet file: it does not end with the PAR1 marker (truncated?)");
        }

        var footer = BinaryPrimitives.ReadInt32LittleEndian(tail);
        if (footer <= 0 || footer > length - 12)
        {
            throw new InputException(sourceName,
                $"not a readable Parquet file: its footer length ({footer} bytes) does not fit in the file ({length} bytes)");
        }

        return footer;
    }

    /// <summary>
    /// Parquet.Net 6.1 decodes the footer's Thrift from a buffer without noticing the buffer's end: a varint cut off by
    /// the end reads the end marker (-1) as 0xFF, a continuation byte, forever (#16). So the footer is decoded here first,
    /// by Parquet.Net's own decoder (the same code, so it reads the same bytes the same way) over a stream that throws at
    /// its end; a footer that decodes within its bytes cannot reach the end when Parquet.Net decodes it again.
    /// </summary>
    private static void CheckMetadata(Stream stream, string sourceName, int footer)
    {
        var bytes = new byte[footer];
        try
        {
            var position = stream.Position;
            stream.Seek(-8L - footer, SeekOrigin.End);
            stream.ReadExactly(bytes);
            stream.Position = position;
        }
        catch (IOException e)
        {
            throw new InputException(sourceName, "cannot read the file", inner: e);
        }

        // The decoder also skips unknown list fields of booleans without reading a byte per element, so a claimed count of
        // 2^31 spins for seconds (nested: hours) inside the footer's bytes. A valid footer decodes at many MB/s; one that
        // takes longer than its budget is refused, and its decoding is left to end on a background thread.
        Exception? failure = null;
        var decode = new Thread(() =>
        {
            try
            {
                var protocol = Activator.CreateInstance(FooterDecoder.ProtocolReader, [new EndCheckedStream(bytes)])!;
                FooterDecoder.ReadFileMetaData.Invoke(null, [protocol]);
            }
            catch (TargetInvocationException e)
            {
                failure = e.InnerException ?? e;
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { IsBackground = true, Name = "parquet footer check" };
        decode.Start();
        if (!decode.Join(MetadataDecodeBase + TimeSpan.FromMilliseconds(footer / MetadataBytesPerMillisecond)))
        {
            throw new InputException(sourceName, "the Parquet file's structure is invalid: its metadata (footer) does not decode in time");
        }

        if (failure is not null)
        {
            throw new InputException(sourceName, "the Parquet file's structure is invalid: its metadata (footer) does not decode", inner: failure);
        }
    }

    /// <summary>
    /// Parquet.Net 6.1 allocates every length a page header claims before reading it (a statistics value of 2 GB in a
    /// 500-byte file: a 2 GB array), and a page's uncompressed size before decompressing it (#16). So the page headers
    /// Parquet.Net will read in a row group are walked here first, without allocating: every length must end within the
    /// file's data, and a page may not decompress to more than <see cref="RecordReaderOptions.MaxParquetPageBytes"/>.
    /// </summary>
    /// <returns>The group's row count, checked against its pages (#16): every column holds a value (or a null) a row.</returns>
    private int CheckPages(int group, long claimed)
    {
        var chunks = _parquet.Metadata?.RowGroups is { } groups && group < groups.Count ? groups[group].Columns : null;
        if (chunks is null)
        {
            return checked((int)claimed); // Parquet.Net refuses a missing row group itself, without reading pages
        }

        var position = _stream.Position;
        try
        {
            foreach (var chunk in chunks)
            {
                if (chunk.MetaData is { } meta)
                {
                    // A row group that claims more rows than a column's pages hold is corrupt: its claim would size every
                    // column's array (2 billion rows in a 1 KB file: gigabytes before a value is read).
                    var (values, bytes) = CheckChunk(group, meta);
                    // Parquet.Net holds a column's decompressed pages and its levels while it reads the column.
                    RowGroupBudget.Check(SourceName, group, _row + 1, bytes + values * sizeof(int) * 2);
                    if (values < claimed)
                    {
                        throw new InputException(SourceName, string.Create(CultureInfo.InvariantCulture,
                            $"corrupt Parquet row group {group}: it claims {claimed:N0} rows, but column {string.Join('.', meta.PathInSchema)} holds {values:N0} values"),
                            row: _row + 1);
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new InputException(SourceName, $"corrupt Parquet row group {group}: a page header does not decode", row: _row + 1, inner: e);
        }
        finally
        {
            _stream.Position = position;
        }

        if (claimed > Array.MaxLength)
        {
            throw new InputException(SourceName, string.Create(CultureInfo.InvariantCulture,
                $"Parquet row group {group} has {claimed:N0} rows, more than one read can hold (write the file with smaller row groups)"), row: _row + 1);
        }

        return (int)claimed;
    }

    /// <returns>The values (nulls included) the chunk's data pages hold, and their bytes uncompressed.</returns>
    private (long Values, long Bytes) CheckChunk(int group, Parquet.Meta.ColumnMetaData meta)
    {
        var start = meta.DictionaryPageOffset is > 0 and var d && d < meta.DataPageOffset ? d : meta.DataPageOffset;
        var end = start + Math.Max(0, meta.TotalCompressedSize);
        if (start < 4 || start >= _dataEnd)
        {
            throw new InputException(SourceName, $"corrupt Parquet row group {group}: a column starts outside the file's data", row: _row + 1);
        }

        // Parquet.Net reads pages until it has the chunk's values; the walk covers those and the chunk's declared bytes.
        var header = new PageHeaderWalker(_stream, _dataEnd);
        long values = 0, bytes = 0;
        for (var at = start; (at < end || values < meta.NumValues) && at < _dataEnd;)
        {
            _stream.Position = at;
            var page = header.Read();
            if (page.Uncompressed > RecordReaderOptions.MaxParquetPageBytes)
            {
                throw new InputException(SourceName, string.Create(CultureInfo.InvariantCulture,
                    $"Parquet row group {group} has a page of {page.Uncompressed:N0} bytes uncompressed, over the limit of "
                    + $"{RecordReaderOptions.MaxParquetPageBytes:N0} (write the file with smaller pages or row groups)"), row: _row + 1);
            }

            if (page.Uncompressed < 0 || page.Compressed < 0 || page.Compressed > _dataEnd - _stream.Position)
            {
                throw new InputException(SourceName, $"corrupt Parquet row group {group}: a page's size does not fit in the file", row: _row + 1);
            }

            // Snappy allocates the length its block declares, whatever the page header says (a 4-byte claim: 100 MB
            // and more); in a valid page it is the page's uncompressed size less the (uncompressed) levels of a v2 page.
            if ((int)meta.Codec == SnappyCodec && page.Compressed > page.Levels && page.Levels >= 0)
            {
                var data = _stream.Position;
                _stream.Position = data + page.Levels;
                var declared = new PageHeaderWalker(_stream, data + page.Compressed).ReadVarint();
                if (declared < 0 || declared > page.Uncompressed)
                {
                    throw new InputException(SourceName, string.Create(CultureInfo.InvariantCulture,
                        $"corrupt Parquet row group {group}: a page's compressed data claims {declared:N0} bytes, more than its header's {page.Uncompressed:N0}"),
                        row: _row + 1);
                }

                _stream.Position = data;
            }

            values += page.Values;
            bytes += page.Uncompressed;
            at = _stream.Position + page.Compressed;
        }

        return (values, bytes);
    }

    /// <summary>
    /// Walks one Thrift compact-encoded page header from a stream's position, checking that every length in it ends before
    /// <c>end</c>; skips binaries by seeking, so it allocates nothing whatever the header claims. Levels: a v2 data page's
    /// level bytes (stored uncompressed before its data), -1 when its data is not compressed at all.
    /// </summary>
    private sealed class PageHeaderWalker(Stream stream, long end)
    {
        private const int MaxDepth = 32;

        /// <summary>Reads a varint at the stream's position, within <c>end</c> (a Snappy block's declared length).</summary>
        public long ReadVarint() => Varint();

        /// <summary>The header's uncompressed and compressed page sizes, its data page's value count and level bytes.</summary>
        public (long Uncompressed, long Compressed, long Values, long Levels) Read()
        {
            // Parquet.Net reads a field it knows as the type it expects, whatever type the file declares (a binary read
            // of a field declared i32 allocates its varint), so known fields are walked as Parquet.Net reads them.
            long uncompressed = 0, compressed = 0, values = 0, levels = 0;
            short id = 0;
            while (NextField(ref id) is var type and not 0)
            {
                switch (id)
                {
                    case 1 or 4: Varint(); break;
                    case 2: uncompressed = ZigZag(Varint()); break;
                    case 3: compressed = ZigZag(Varint()); break;
                    case 5: (values, levels) = Known(Page.DataV1); break;
                    case 6: Known(Page.Other); break;
                    case 7: Known(Page.Dictionary); break;
                    case 8: (values, levels) = Known(Page.DataV2); break;
                    default: Skip(type, depth: 1); break;
                }
            }

            return (uncompressed, compressed, values, levels);
        }

        private enum Page
        {
            DataV1,
            DataV2,
            Dictionary,
            Statistics,
            Other,
        }

        private int NextField(ref short id)
        {
            var b = Byte();
            if (b == 0)
            {
                return 0;
            }

            var delta = b >> 4;
            id = delta == 0 ? (short)ZigZag(Varint()) : (short)(id + delta);
            return b & 0x0F;
        }

        /// <summary>A page header's struct, its fields read as Parquet.Net reads them: value count and v2 level bytes.</summary>
        private (long Values, long Levels) Known(Page kind)
        {
            long values = 0, levels = 0;
            var stored = false;
            short id = 0;
            while (NextField(ref id) is var type and not 0)
            {
                switch (kind, id)
                {
                    case (Page.DataV1 or Page.DataV2, 1): values = ZigZag(Varint()); break;
                    case (Page.DataV1, 2 or 3 or 4) or (Page.DataV2, 2 or 3 or 4) or (Page.Dictionary, 1 or 2): Varint(); break;
                    case (Page.DataV2, 5 or 6): levels += ZigZag(Varint()); break;
                    case (Page.DataV2, 7): stored = type == 2; break; // a v2 page whose data is not compressed
                    case (Page.Dictionary, 3) or (Page.Statistics, 7 or 8): break; // booleans: the value is in the type
                    case (Page.DataV1, 5) or (Page.DataV2, 8): Known(Page.Statistics); break;
                    case (Page.Statistics, 1 or 2 or 5 or 6): Advance(Varint()); break;
                    case (Page.Statistics, 3 or 4): Varint(); break;
                    default: Skip(type, depth: 2); break;
                }
            }

            return (values, stored ? -1 : levels);
        }

        private void Struct(int depth)
        {
            if (depth > MaxDepth)
            {
                throw new InvalidDataException("a Parquet page header nests too deep");
            }

            short id = 0;
            while (NextField(ref id) is var type and not 0)
            {
                Skip(type, depth + 1);
            }
        }

        private void Skip(int type, int depth)
        {
            switch (type)
            {
                case 1 or 2: break; // a boolean field: the value is in the type
                case 3: Byte(); break;
                case 4 or 5 or 6: Varint(); break;
                case 7: Advance(8); break;
                case 8: Advance(Varint()); break;
                case 9 or 10:
                    var list = Byte();
                    var count = (long)(list >> 4);
                    if (count == 15) count = Varint();
                    for (long i = 0; i < count; i++) Skip((list & 0x0F) is 1 or 2 ? 3 : list & 0x0F, depth + 1); // list booleans take a byte each
                    break;
                case 11:
                    var entries = Varint();
                    if (entries > 0)
                    {
                        var kinds = Byte();
                        for (long i = 0; i < entries; i++)
                        {
                            Skip((kinds >> 4) is 1 or 2 ? 3 : kinds >> 4, depth + 1);
                            Skip((kinds & 0x0F) is 1 or 2 ? 3 : kinds & 0x0F, depth + 1);
                        }
                    }

                    break;
                case 12: Struct(depth); break;
                default: throw new InvalidDataException($"a Parquet page header holds an unknown Thrift type {type}");
            }
        }

        private int Byte()
        {
            if (stream.Position >= end)
            {
                throw new EndOfStreamException("a Parquet page header runs past the file's data");
            }

            var b = stream.ReadByte();
            return b >= 0 ? b : throw new EndOfStreamException("a Parquet page header runs past the file's end");
        }

        private long Varint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = Byte();
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return (long)value;
                }
            }

            throw new InvalidDataException("a Parquet page header holds a varint longer than 64 bits");
        }

        private void Advance(long count)
        {
            if (count < 0 || count > end - stream.Position)
            {
                throw new EndOfStreamException(string.Create(CultureInfo.InvariantCulture,
                    $"a Parquet page header claims a value of {count:N0} bytes, past the file's data"));
            }

            stream.Position += count;
        }

        private static long ZigZag(long n) => (long)((ulong)n >> 1) ^ -(n & 1);
    }

    /// <summary>Parquet.Net's Thrift footer decoder (internal to it; the version is pinned in Directory.Packages.props).</summary>
    private static class FooterDecoder
    {
        public static readonly Type ProtocolReader = typeof(Parquet.Meta.FileMetaData).Assembly
            .GetType("Parquet.Meta.Proto.ThriftCompactProtocolReader", throwOnError: true)!;

        public static readonly MethodInfo ReadFileMetaData = typeof(Parquet.Meta.FileMetaData)
            .GetMethod("Read", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [ProtocolReader])
            ?? throw new MissingMethodException(typeof(Parquet.Meta.FileMetaData).FullName, "Read");
    }

    /// <summary>A buffer that throws at its end where a <see cref="MemoryStream"/> answers -1 or seeks beyond it.</summary>
    private sealed class EndCheckedStream(byte[] buffer) : MemoryStream(buffer, writable: false)
    {
        public override int ReadByte()
        {
            var b = base.ReadByte();
            return b >= 0 ? b : throw new EndOfStreamException("the Parquet metadata ends inside a value");
        }

        public override long Seek(long offset, SeekOrigin loc)
        {
            var to = base.Seek(offset, loc);
            return to <= Length ? to : throw new EndOfStreamException("the Parquet metadata ends inside a value");
        }
    }

    /// <summary>
    /// The file as Parquet.Net reads it, throwing where a read finds the file's end. Parquet.Net 6.1 decodes page headers
    /// byte by byte and takes the end (-1) for 0xFF, a continuation byte, forever (#16); every size a valid file gives it
    /// ends within the file, so a read that finds nothing is a corrupt file.
    /// </summary>
    private sealed class EndCheckedFileStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override int Read(byte[] buffer, int offset, int count) => Checked(inner.Read(buffer, offset, count), count);

        public override int Read(Span<byte> buffer) => Checked(inner.Read(buffer), buffer.Length);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Checked(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false), buffer.Length);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int ReadByte()
        {
            var b = inner.ReadByte();
            return b >= 0 ? b : throw new EndOfStreamException("the Parquet file ends inside a value");
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private static int Checked(int read, int asked) =>
            read > 0 || asked == 0 ? read : throw new EndOfStreamException("the Parquet file ends inside a value");
    }

    // An OutOfMemoryException here comes from a size a corrupt file claims (a page, a row count), not from the machine.
    private static bool IsReadFailure(Exception e) =>
        e is not (InputException or OperationCanceledException);
}
