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
/// deserialized one at a time from the stream.
/// </remarks>
internal abstract class JsonRecordReader : IRecordReader
{
    /// <summary>Records buffered to learn the headers.</summary>
    internal const int HeaderSampleSize = 1_000;

    private const char ArraySeparator = ';';

    private readonly Stream _stream;
    private readonly Queue<JsonElement> _buffered = new();
    private readonly Dictionary<string, int> _ordinals = new(StringComparer.Ordinal);
    private readonly List<string> _headers = [];
    private string?[] _values = [];
    private readonly StringBuilder _scratch = new();
    private long _row;
    private long _pulled;

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
        while (_buffered.Count < HeaderSampleSize && Pull(out var record))
        {
            _buffered.Enqueue(record);
            CollectKeys(record, prefix: null);
        }

        _values = new string?[_headers.Count];
    }

    /// <summary>The stream being read.</summary>
    protected Stream Stream => _stream;

    /// <summary>Reads the next top-level value. False at the end.</summary>
    /// <param name="record">The value (any kind; the caller checks it is an object).</param>
    /// <param name="number">1-based number of the record being read, for errors.</param>
    /// <exception cref="JsonException">Malformed JSON.</exception>
    protected abstract bool TryNext(out JsonElement record, long number);

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
        if (_buffered.Count > 0)
        {
            record = _buffered.Dequeue();
        }
        else if (!Pull(out record))
        {
            Array.Clear(_values);
            return false;
        }

        _row++;
        Array.Clear(_values);
        Fill(record, prefix: null);
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

    private bool Pull(out JsonElement record)
    {
        bool more;
        try
        {
            more = TryNext(out record, _pulled + 1);
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
        if (record.ValueKind != JsonValueKind.Object)
        {
            throw new InputException(SourceName, $"the {RecordNoun} is a JSON {Kind(record.ValueKind)}, not an object", row: _pulled);
        }

        return true;
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
            var name = prefix is null ? property.Name : $"{prefix}.{property.Name}";
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                CollectKeys(property.Value, name);
            }
            else if (!_ordinals.ContainsKey(name))
            {
                _ordinals.Add(name, _headers.Count);
                _headers.Add(name);
            }
        }
    }

    private void Fill(JsonElement obj, string? prefix)
    {
        foreach (var property in obj.EnumerateObject())
        {
            var name = prefix is null ? property.Name : $"{prefix}.{property.Name}";
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                Fill(property.Value, name);
            }
            else if (_ordinals.TryGetValue(name, out var ordinal))
            {
                _values[ordinal] = ToText(property.Value);
            }
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
/// Reads a file holding one JSON array of objects, element by element with <see cref="Utf8JsonReader"/> over a
/// refilled buffer: the file is never loaded whole (only one element at a time must fit in memory). A file
/// holding one object spread over several lines is read as one record.
/// </summary>
internal sealed class JsonArrayRecordReader : JsonRecordReader
{
    private const int InitialBuffer = 0x10000;
    private byte[] _buffer = new byte[InitialBuffer];
    private int _start;
    private int _end;
    private bool _final;
    private bool _inArray;
    private bool _singleObject;
    private bool _returnedSingle;
    private bool _done;
    private JsonReaderState _state = new(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });

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
    protected override bool TryNext(out JsonElement record, long number)
    {
        record = default;
        while (!_done)
        {
            if (_returnedSingle)
            {
                _done = true;
                return false;
            }

            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            if (!reader.Read())
            {
                if (_final)
                {
                    throw new JsonException("unexpected end of input");
                }

                Refill();
                continue;
            }

            if (!_inArray)
            {
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    // A file holding one (pretty-printed) object is one record: read it as an array of one.
                    _inArray = true;
                    _singleObject = true;
                    continue;
                }

                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    throw new JsonException("the file does not start with a JSON array or object");
                }

                _inArray = true;
                Consume(ref reader);
                continue;
            }


            if (reader.TokenType == JsonTokenType.EndArray)
            {
                _done = true;
                Consume(ref reader);
                return false;
            }

            var tokenStart = (int)reader.TokenStartIndex;
            if (!reader.TrySkip())
            {
                if (_final)
                {
                    throw new JsonException("unexpected end of input");
                }

                Refill(); // the element is incomplete in the buffer: read more and retry from its start
                continue;
            }

            var length = (int)reader.BytesConsumed - tokenStart;
            var element = new Utf8JsonReader(_buffer.AsSpan(_start + tokenStart, length));
            record = JsonElement.ParseValue(ref element);
            Consume(ref reader);
            _returnedSingle = _singleObject;
            return true;
        }

        return false;
    }

    private void Consume(ref Utf8JsonReader reader)
    {
        _start += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
    }

    private void Refill()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2); // one element is larger than the buffer
        }

        var n = Stream.Read(_buffer, _end, _buffer.Length - _end);
        if (n == 0)
        {
            _final = true;
        }

        _end += n;
    }
}

/// <summary>
/// Reads NDJSON / JSON Lines: one JSON object per line (UTF-8, BOM allowed, LF or CRLF); blank lines are skipped and
/// not counted, so <see cref="IRecordReader.RowNumber"/> is the n-th record.
/// </summary>
internal sealed class NdjsonRecordReader : JsonRecordReader
{
    private readonly StreamReader _lines;

    /// <summary>Opens the reader and learns the headers.</summary>
    public NdjsonRecordReader(Stream stream, string sourceName)
        : base(stream, sourceName)
    {
        _lines = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 0x10000);
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
    protected override string RecordNoun => "line";

    /// <inheritdoc/>
    protected override bool TryNext(out JsonElement record, long number)
    {
        while (_lines.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var document = JsonDocument.Parse(line);
            record = document.RootElement.Clone();
            return true;
        }

        record = default;
        return false;
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _lines.Dispose();
        }

        base.Dispose(disposing);
    }
}
