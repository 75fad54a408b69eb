using System.Text;
using System.Text.Json;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Output;

/// <summary>
/// The <c>--rejects</c> CSV: every rejected row with its original columns, then <c>row</c> (1-based data
/// row in its file), <c>file</c>, <c>reason</c>, <c>field</c>, <c>code</c> and <c>message</c>. Files with different
/// columns share one CSV whose header is the union of their columns, so rows are spooled to a temporary
/// file and the CSV is written at <see cref="Complete"/>. Both hold raw rows: created private (0600), and the CSV
/// goes through a temporary file renamed into place when complete.
/// </summary>
public sealed class RejectsWriter : IDisposable
{
    public static readonly string[] TrailingColumns = ["row", "file", "reason", "field", "code", "message"];

    private readonly string _path;
    private readonly string _spoolPath;
    private readonly FileStream _spool;
    private readonly Utf8JsonWriter _json;
    private readonly List<string> _columns = [];
    private readonly Dictionary<string, int> _columnIndex = new(StringComparer.Ordinal);
    private long _count;

    public RejectsWriter(string path)
    {
        _path = path;
        _spoolPath = path + ".spool";
        _spool = new FileStream(_spoolPath, OutputFile.Options(isPrivate: true, FileMode.Create, FileAccess.ReadWrite, 1 << 16, FileOptions.DeleteOnClose));
        _json = new Utf8JsonWriter(_spool);
    }

    public long Count => _count;

    /// <summary>Adds one rejected row. <paramref name="code"/>/<paramref name="message"/> default to the reason's own.</summary>
    public void Add(IReadOnlyList<string> headers, string?[] fields, RowIssue issue, string? code = null, string? message = null)
    {
        _count++;
        _json.WriteStartArray();
        _json.WriteStartArray();
        for (var i = 0; i < headers.Count; i++)
        {
            if (!_columnIndex.TryGetValue(headers[i], out var idx))
            {
                idx = _columns.Count;
                _columns.Add(headers[i]);
                _columnIndex[headers[i]] = idx;
            }
            _json.WriteNumberValue(idx);
            _json.WriteStringValue(i < fields.Length ? fields[i] : null);
        }
        _json.WriteEndArray();
        _json.WriteStartArray();
        _json.WriteStringValue(issue.Row.Row.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _json.WriteStringValue(issue.Row.File);
        _json.WriteStringValue(issue.Reason.Name);
        _json.WriteStringValue(issue.Field);
        _json.WriteStringValue(code ?? issue.Reason.Code);
        _json.WriteStringValue(message ?? issue.Reason.Message);
        _json.WriteEndArray();
        _json.WriteEndArray();
        _json.Flush();
        _json.Reset();
        _spool.WriteByte((byte)'\n');
    }

    /// <summary>A trailing column's header: prefixed with <c>snapconv_</c> when an input has a column of that name.</summary>
    private string TrailingName(string name)
    {
        while (_columnIndex.ContainsKey(name)) name = "snapconv_" + name;
        return name;
    }

    /// <summary>Writes the CSV (also when no row was rejected: a header-only file).</summary>
    public void Complete()
    {
        _json.Flush();
        _spool.Position = 0;
        using var file = new OutputFile(_path, isPrivate: true);
        var output = new StreamWriter(file.Stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        CsvText.WriteRow(output, _columns.Concat(TrailingColumns.Select(TrailingName)));
        using var reader = new StreamReader(_spool, Encoding.UTF8, false, 1 << 16, leaveOpen: true);
        var values = new string?[_columns.Count + TrailingColumns.Length];
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            Array.Clear(values);
            // One line: [[column index, value, column index, value …], [row, file, reason, field, code, message]]
            using var doc = JsonDocument.Parse(line);
            var items = doc.RootElement[0];
            for (var i = 0; i + 1 < items.GetArrayLength(); i += 2)
                values[items[i].GetInt32()] = items[i + 1].GetString();
            var t = 0;
            foreach (var v in doc.RootElement[1].EnumerateArray()) values[_columns.Count + t++] = v.GetString();
            CsvText.WriteRow(output, values);
        }
        output.Flush();
        file.Commit();
    }

    public void Dispose()
    {
        _json.Dispose();
        _spool.Dispose();
    }
}
