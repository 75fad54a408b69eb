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
    private readonly IAsyncEnumerator<JsonElement> _records;
    private readonly Queue<JsonElement> _buffered = new();
    private readonly Dictionary<string, int> _ordinals = new(StringComparer.Ordinal);
    private readonly List<string> _headers = [];
    private readonly string?[] _values;
    private readonly StringBuilder _scratch = new();
    private long _row;
    private long _pulled;

    /// <summary>Reads the first records to learn the headers.</summary>
    /// <exception cref="InputException">The input is not valid JSON of the expected shape.</exception>
    protected JsonRecordReader(Stream stream, string sourceName, bool topLevelValues)
    {
        SourceName = sourceName;
        _stream = stream;
        _records = (topLevelValues
                ? JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(stream, topLevelValues: true)
                : JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(stream))
            .GetAsyncEnumerator();

        try
        {
            while (_buffered.Count < HeaderSampleSize && Pull(out var record))
            {
                _buffered.Enqueue(record);
                CollectKeys(record, prefix: null);
            }
        }
        catch
        {
            Dispose();
            throw;
        }

        _values = new string?[_headers.Count];
    }

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
        _records.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stream.Dispose();
    }

    private bool Pull(out JsonElement record)
    {
        bool more;
        try
        {
            // A sync wrapper over the async enumerator: no synchronization context here, the stream is local.
            more = _records.MoveNextAsync().AsTask().GetAwaiter().GetResult();
        }
        catch (JsonException e)
        {
            // The message names the position only: JSON errors can quote content.
            var where = e.LineNumber is { } line ? $" near line {line + 1}" : "";
            throw new InputException(SourceName, $"malformed JSON{where}", row: _pulled + 1);
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new InputException(SourceName, "cannot read the file", row: _pulled + 1, inner: e);
        }

        if (!more)
        {
            record = default;
            return false;
        }

        _pulled++;
        record = _records.Current;
        if (record.ValueKind != JsonValueKind.Object)
        {
            throw new InputException(SourceName, $"the {RecordNoun} is a JSON {Kind(record.ValueKind)}, not an object", row: _pulled);
        }

        return true;
    }

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

/// <summary>Reads a file holding one JSON array of objects, streaming element by element.</summary>
internal sealed class JsonArrayRecordReader(Stream stream, string sourceName)
    : JsonRecordReader(stream, sourceName, topLevelValues: false)
{
    /// <inheritdoc/>
    protected override string RecordNoun => "array element";
}

/// <summary>
/// Reads NDJSON / JSON Lines: one JSON object per line; blank lines are skipped and not counted. (Objects
/// spread over several lines are accepted too: each top-level object is one row.)
/// </summary>
internal sealed class NdjsonRecordReader(Stream stream, string sourceName)
    : JsonRecordReader(stream, sourceName, topLevelValues: true)
{
    /// <inheritdoc/>
    protected override string RecordNoun => "record";
}
