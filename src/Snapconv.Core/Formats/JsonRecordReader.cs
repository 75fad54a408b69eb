using System.Text;
using System.Text.Json;

namespace Snapconv.Core.Formats;

/// <summary>
/// Shared streaming reader for JSON inputs: each top-level object is a row, flattened (nested objects become
/// <c>parent.child</c>; arrays of scalars are joined with <c>;</c>; other arrays keep their raw JSON text; numbers keep
/// their text as written; booleans are <c>true</c>/<c>false</c>; null stays null).
/// </summary>
/// <remarks>
/// The headers are the union of keys, in first-seen order, over the first <see cref="HeaderSampleSize"/> records,
/// which are buffered. Keys first seen after them are ignored. The input is never loaded whole: records are
/// deserialized one at a time from the stream, each at most <see cref="RecordReaderOptions.MaxValueLength"/> bytes and
/// <see cref="RecordReaderOptions.MaxJsonDepth"/> levels deep (beyond either, an <see cref="InputException"/> names the
/// limit). A string that is not valid Unicode (a lone surrogate escape, invalid UTF-8) makes its row a
/// <see cref="RowProblemKind.InvalidEncoding"/> row rather than text with replacement characters.
/// </remarks>
internal abstract class JsonRecordReader : IRecordReader
{
    /// <summary>Records buffered to learn the headers.</summary>
    internal const int HeaderSampleSize = 1_000;

    private const char ArraySeparator = ';';

    /// <summary>How every record is parsed: comments skipped, at most <see cref="RecordReaderOptions.MaxJsonDepth"/> levels.</summary>
    protected static readonly JsonReaderOptions ParseOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = RecordReaderOptions.MaxJsonDepth,
    };

    private readonly Stream _stream;
    private readonly Queue<(JsonElement Record, bool Malformed)> _buffered = new();
    private readonly Dictionary<string, int> _ordinals = new(StringComparer.Ordinal);
    private readonly List<string> _headers = [];
    private string?[] _values = [];
    private readonly StringBuilder _scratch = new();
    private long _row;
    private long _pulled;
    private RowProblem? _problem;

    /// <summary>Keeps the stream; derived constructors call <see cref="LearnHeaders"/> once ready.</summary>
    protected JsonRecordReader(Stream stream, string sourceName)
    {
        SourceName = sourceName;
        _stream = stream;
    }

    /// <summary>Reads (and buffers) the first records to learn the headers.</summary>
    /// <exception cref="InputException">The input is not valid JSON of the expected shape.</exception>
    protected void LearnHeaders()
    {
        while (_buffered.Count < HeaderSampleSize && Pull(out var record, out var malformed))
        {
            _buffered.Enqueue((record, malformed));
            if (!malformed) CollectKeys(record, prefix: null);
        }

        _values = new string?[_headers.Count];
    }

    /// <summary>The stream being read.</summary>
    protected Stream Stream => _stream;

    /// <summary>Reads the next top-level value. False at the end.</summary>
    /// <param name="record">The value (any kind; the caller checks it is an object).</param>
    /// <param name="malformed">True when the record could be skipped but not parsed (it is then a rejected row).</param>
    /// <param name="number">1-based number of the record being read, for errors.</param>
    /// <exception cref="JsonException">Malformed JSON the rest of the file cannot be read past.</exception>
    /// <exception cref="InputException">A limit is exceeded.</exception>
    protected abstract bool TryNext(out JsonElement record, out bool malformed, long number);

    /// <summary>Whether a record that is not an object is a rejected row (NDJSON) rather than the end of reading.</summary>
    protected virtual bool NonObjectIsMalformed => false;

    /// <inheritdoc/>
    public RowProblem? Problem => _problem;

    /// <inheritdoc/>
    public bool ReportsProblems => true;

    /// <inheritdoc/>
    public string SourceName { get; }

    /// <inheritdoc/>
    public IReadOnlyList<string> Headers => _headers;

    /// <inheritdoc/>
    public long RowNumber => _row;

    /// <summary>What a record is called in errors ("element" or "line").</summary>
    protected abstract string RecordNoun { get; }

    /// <inheritdoc/>
    public bool Read()
    {
        JsonElement record;
        bool malformed;
        if (_buffered.Count > 0)
        {
            (record, malformed) = _buffered.Dequeue();
        }
        else if (!Pull(out record, out malformed))
        {
            Array.Clear(_values);
            _problem = null;
            return false;
        }

        _row++;
        Array.Clear(_values);
        _problem = malformed ? new RowProblem("", RowProblemKind.Malformed) : null;
        if (!malformed)
        {
            Fill(record, prefix: null);
        }

        return true;
    }

    /// <inheritdoc/>
    public string? GetString(int ordinal) => _values[ordinal];

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the stream.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stream.Dispose();
        }
    }

    private bool Pull(out JsonElement record, out bool malformed)
    {
        bool more;
        try
        {
            more = TryNext(out record, out malformed, _pulled + 1);
        }
        catch (JsonException e)
        {
            // The message names the position only: JSON errors can quote content.
            throw new InputException(SourceName, $"malformed JSON in the {RecordNoun}", row: _pulled + 1, inner: Sanitized(e));
        }
        catch (InvalidDataException e)
        {
            throw new InputException(SourceName, "corrupt or truncated compressed data", row: _pulled + 1, inner: e);
        }
        catch (IOException e)
        {
            throw new InputException(SourceName, "cannot read the file", row: _pulled + 1, inner: e);
        }

        if (!more)
        {
            return false;
        }

        _pulled++;
        if (!malformed && record.ValueKind != JsonValueKind.Object && NonObjectIsMalformed)
        {
            record = default;
            malformed = true;
        }

        if (!malformed && record.ValueKind != JsonValueKind.Object)
        {
            throw new InputException(SourceName, $"the {RecordNoun} is a JSON {Kind(record.ValueKind)}, not an object", row: _pulled);
        }

        return true;
    }

    /// <summary>The error for a record nested deeper than <see cref="RecordReaderOptions.MaxJsonDepth"/>.</summary>
    protected InputException TooDeep(long number) =>
        new(SourceName, $"the {RecordNoun} is nested deeper than {RecordReaderOptions.MaxJsonDepth} levels (the limit); flatten the export", row: number);

    /// <summary>The error for a record longer than <see cref="RecordReaderOptions.MaxValueLength"/> bytes.</summary>
    protected InputException TooLong(long number) =>
        new(SourceName, $"the {RecordNoun} is longer than {RecordReaderOptions.MaxValueLength / (1 << 20)} MiB (the limit)", row: number);

    /// <summary>
    /// Whether <paramref name="json"/> (a record that failed to parse) nests containers deeper than
    /// <see cref="RecordReaderOptions.MaxJsonDepth"/> before any other error: the parse error was then the depth limit.
    /// </summary>
    protected static bool IsTooDeep(ReadOnlySpan<byte> json, bool isFinalBlock)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock, new JsonReaderState(new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            MaxDepth = RecordReaderOptions.MaxJsonDepth + 1,
        }));
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray
                    && reader.CurrentDepth >= RecordReaderOptions.MaxJsonDepth)
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
            // another error came first
        }

        return false;
    }

    /// <summary>A copy of a JSON error without its message, which can quote input.</summary>
    private static JsonException Sanitized(JsonException e) =>
        new("invalid JSON", e.Path, e.LineNumber, e.BytePositionInLine);

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "value",
    };

    private void CollectKeys(JsonElement obj, string? prefix)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (!TryName(property, prefix, out var name))
            {
                continue; // not text: its row is rejected when read
            }

            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                CollectKeys(property.Value, name);
            }
            else if (!_ordinals.ContainsKey(name))
            {
                if (_headers.Count == RecordReaderOptions.MaxColumns)
                {
                    throw new InputException(SourceName, $"the records have more than {RecordReaderOptions.MaxColumns:N0} distinct keys (columns; the limit)", row: _pulled);
                }

                _ordinals.Add(name, _headers.Count);
                _headers.Add(name);
            }
        }
    }

    private void Fill(JsonElement obj, string? prefix)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (!TryName(property, prefix, out var name))
            {
                _problem ??= new RowProblem(prefix ?? "", RowProblemKind.InvalidEncoding);
                continue;
            }

            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                Fill(property.Value, name);
            }
            else if (_ordinals.TryGetValue(name, out var ordinal))
            {
                try
                {
                    _values[ordinal] = ToText(property.Value);
                }
                catch (InvalidOperationException)
                {
                    // System.Text.Json refuses to decode a lone surrogate or invalid UTF-8: never hash a stand-in.
                    _problem ??= new RowProblem(name, RowProblemKind.InvalidEncoding);
                }
            }
        }
    }

    private static bool TryName(JsonProperty property, string? prefix, out string name)
    {
        try
        {
            name = prefix is null ? property.Name : $"{prefix}.{property.Name}";
            return true;
        }
        catch (InvalidOperationException)
        {
            name = "";
            return false;
        }
    }

    private string? ToText(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
            case JsonValueKind.Undefined:
                return null;
            case JsonValueKind.String:
                return value.GetString();
            case JsonValueKind.Number:
                return value.GetRawText();
            case JsonValueKind.True:
                return "true";
            case JsonValueKind.False:
                return "false";
            case JsonValueKind.Array:
                return JoinArray(value);
            default:
                return value.GetRawText();
        }
    }

    private string JoinArray(JsonElement array)
    {
        _scratch.Clear();
        var first = true;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                // Not a list of scalars: keep the JSON so nothing is lost.
                return array.GetRawText();
            }

            if (item.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (!first)
            {
                _scratch.Append(ArraySeparator);
            }

            first = false;
            _scratch.Append(item.ValueKind switch
            {
                JsonValueKind.String => item.GetString(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                _ => item.GetRawText(),
            });
        }

        return _scratch.ToString();
    }
}

/// <summary>
/// Reads a file holding one JSON array of objects, element by element over a refilled buffer: the file is never loaded
/// whole (only one element at a time must fit in memory, at most <see cref="RecordReaderOptions.MaxValueLength"/>
/// bytes). Whitespace and comments between elements are dropped as they are read, so any amount of them costs time
/// linear in its size and no memory. A file holding one object spread over several lines is read as one record.
/// </summary>
internal sealed class JsonArrayRecordReader : JsonRecordReader
{
    private const int InitialBuffer = 0x10000;
    private static readonly JsonReaderOptions ElementOptions = new() { CommentHandling = JsonCommentHandling.Skip };
    private byte[] _buffer = new byte[InitialBuffer];
    private int _start;
    private int _end;
    private bool _final;
    private Place _place = Place.Start;

    /// <summary>Where in the file's top-level structure the next byte is.</summary>
    private enum Place
    {
        Start,
        FirstElement,
        Element,
        AfterElement,
        SingleObject,
        AfterSingleObject,
        Done,
    }

    /// <summary>Opens the reader and learns the headers.</summary>
    public JsonArrayRecordReader(Stream stream, string sourceName)
        : base(stream, sourceName)
    {
        try
        {
            LearnHeaders();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    protected override string RecordNoun => "array element";

    /// <inheritdoc/>
    protected override bool TryNext(out JsonElement record, out bool malformed, long number)
    {
        record = default;
        malformed = false;
        while (_place != Place.Done)
        {
            if (!SkipInsignificant())
            {
                More(number);
                continue;
            }

            if (_start == _end)
            {
                if (_place != Place.AfterSingleObject)
                {
                    throw new JsonException("unexpected end of input");
                }

                _place = Place.Done;
                return false;
            }

            var b = _buffer[_start];
            switch (_place)
            {
                case Place.Start when b == (byte)'[':
                    _start++;
                    _place = Place.FirstElement;
                    continue;
                case Place.Start when b == (byte)'{':
                    // A file holding one (pretty-printed) object is one record: read it as an array of one.
                    _place = Place.SingleObject;
                    continue;
                case Place.Start:
                    throw new JsonException("the file does not start with a JSON array or object");
                case Place.FirstElement or Place.AfterElement when b == (byte)']':
                    _start++;
                    _place = Place.Done;
                    return false;
                case Place.AfterElement when b == (byte)',':
                    _start++;
                    _place = Place.Element;
                    continue;
                case Place.AfterElement:
                    throw new JsonException("expected ',' or ']' after an array element");
                case Place.AfterSingleObject:
                    throw new JsonException("more than one top-level object; write them as a JSON array or one per line (NDJSON)");
            }

            if (TryElement(number, out record))
            {
                _place = _place == Place.SingleObject ? Place.AfterSingleObject : Place.AfterElement;
                return true;
            }

            More(number);
        }

        return false;
    }

    /// <summary>Parses the element at <c>_start</c> when the buffer holds all of it.</summary>
    private bool TryElement(long number, out JsonElement record)
    {
        record = default;
        var span = _buffer.AsSpan(_start, _end - _start);
        var reader = new Utf8JsonReader(span, _final, new JsonReaderState(ParseOptions));
        bool complete;
        try
        {
            complete = reader.Read() && reader.TrySkip();
        }
        catch (JsonException) when (IsTooDeep(span, _final))
        {
            throw TooDeep(number);
        }

        if (!complete)
        {
            if (_final)
            {
                throw new JsonException("unexpected end of input");
            }

            return false;
        }

        var length = (int)reader.BytesConsumed;
        var element = new Utf8JsonReader(span[..length], ElementOptions);
        record = JsonElement.ParseValue(ref element);
        _start += length;
        return true;
    }

    /// <summary>
    /// Drops whitespace and comments at <c>_start</c>. False when more input is needed to see past them (the bytes
    /// dropped so far stay dropped, so a long run of whitespace never fills the buffer).
    /// </summary>
    private bool SkipInsignificant()
    {
        while (true)
        {
            if (_place == Place.Start && _start == 0 && _buffer.AsSpan(0, _end).StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            {
                _start = 3;
            }

            while (_start < _end && _buffer[_start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                _start++;
            }

            if (_start == _end || (_start + 1 == _end && _buffer[_start] == (byte)'/'))
            {
                return _final;
            }

            if (_buffer[_start] != (byte)'/')
            {
                return true;
            }

            var rest = _buffer.AsSpan(_start + 2, _end - _start - 2);
            switch (_buffer[_start + 1])
            {
                case (byte)'/':
                    var newline = rest.IndexOf((byte)'\n');
                    if (newline < 0 && !_final)
                    {
                        return false;
                    }

                    _start = newline < 0 ? _end : _start + 2 + newline + 1;
                    continue;
                case (byte)'*':
                    var close = rest.IndexOf("*/"u8);
                    if (close < 0)
                    {
                        return _final; // unclosed at the end: the parse reports it
                    }

                    _start += 2 + close + 2;
                    continue;
                default:
                    return true;
            }
        }
    }

    /// <summary>Reads more input; an element (or comment) that does not fit in the limit stops the file.</summary>
    private void More(long number)
    {
        if (_end - _start >= RecordReaderOptions.MaxValueLength)
        {
            throw TooLong(number);
        }

        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, RecordReaderOptions.MaxValueLength));
        }

        // Fill the buffer whole: an element parsed again after each short read would cost time quadratic in its size.
        while (_end < _buffer.Length)
        {
            var n = Stream.Read(_buffer, _end, _buffer.Length - _end);
            if (n == 0)
            {
                _final = true;
                break;
            }

            _end += n;
        }
    }
}

/// <summary>
/// Reads NDJSON / JSON Lines: one JSON object per line (UTF-8, BOM allowed; UTF-16 with a BOM is transcoded; LF or
/// CRLF); blank lines are skipped and not counted, so <see cref="IRecordReader.RowNumber"/> is the n-th record. A line
/// that is not a JSON object is one <see cref="RowProblemKind.Malformed"/> row and reading goes on; a line longer than
/// <see cref="RecordReaderOptions.MaxValueLength"/> bytes or nested deeper than
/// <see cref="RecordReaderOptions.MaxJsonDepth"/> levels stops the file.
/// </summary>
internal sealed class NdjsonRecordReader : JsonRecordReader
{
    private static readonly JsonDocumentOptions LineOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = RecordReaderOptions.MaxJsonDepth,
    };

    private Stream _input;
    private byte[] _buffer = new byte[0x10000];
    private int _start;
    private int _scanned;
    private int _end;
    private bool _eof;

    /// <summary>Opens the reader and learns the headers.</summary>
    public NdjsonRecordReader(Stream stream, string sourceName)
        : base(stream, sourceName)
    {
        _input = stream;
        try
        {
            Fill();
            var head = _buffer.AsSpan(0, _end);
            if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
            {
                var encoding = head[0] == 0xFF ? Encoding.Unicode : Encoding.BigEndianUnicode;
                _input = Encoding.CreateTranscodingStream(new PrefixedStream(head[2..].ToArray(), stream), encoding, Encoding.UTF8);
                _end = 0;
                _eof = false;
                Fill();
            }
            else if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            {
                _start = _scanned = 3;
            }

            LearnHeaders();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    protected override string RecordNoun => "line";

    /// <inheritdoc/>
    protected override bool NonObjectIsMalformed => true;

    /// <inheritdoc/>
    protected override bool TryNext(out JsonElement record, out bool malformed, long number)
    {
        record = default;
        malformed = false;
        while (true)
        {
            int lineStart, lineLength;
            var newline = _buffer.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                lineStart = _start;
                lineLength = _scanned + newline - _start;
                _start = _scanned = _scanned + newline + 1;
            }
            else if (_eof)
            {
                if (_start == _end)
                {
                    return false;
                }

                lineStart = _start;
                lineLength = _end - _start;
                _start = _scanned = _end;
            }
            else
            {
                if (_end - _start > RecordReaderOptions.MaxValueLength)
                {
                    throw TooLong(number);
                }

                _scanned = _end;
                Fill();
                continue;
            }

            if (lineLength > RecordReaderOptions.MaxValueLength)
            {
                throw TooLong(number);
            }

            var line = _buffer.AsMemory(lineStart, lineLength);
            if (line.Span.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line, LineOptions);
                record = document.RootElement.Clone();
            }
            catch (JsonException) when (!IsTooDeep(line.Span, isFinalBlock: true))
            {
                // One bad line is one rejected row, as a ragged CSV row is (#15): the next line starts afresh.
                malformed = true;
            }
            catch (JsonException)
            {
                throw TooDeep(number);
            }

            return true;
        }
    }

    /// <summary>Moves the unread bytes to the front, grows the buffer when full (up to the line limit) and fills it.</summary>
    private void Fill()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _scanned -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, RecordReaderOptions.MaxValueLength + 0x10000));
        }

        while (_end < _buffer.Length)
        {
            var n = _input.Read(_buffer, _end, _buffer.Length - _end);
            if (n == 0)
            {
                _eof = true;
                break;
            }

            _end += n;
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _input.Dispose();
        }

        base.Dispose(disposing);
    }
}
