using System.Globalization;
using System.Text;
using ExcelDataReader;

namespace Snapconv.Core.Formats;

/// <summary>
/// Reads one sheet of an Excel workbook (.xlsx, or binary .xls) row by row with ExcelDataReader, streamed (the sheet is
/// never loaded whole). The first non-empty row is the header. Typed cells become text: numbers without grouping in
/// <see cref="RecordReaderOptions.Culture"/> (invariant by default), dates and date-times as ISO 8601 without a zone
/// (<c>2026-03-14T00:00:00</c>, read in <c>--timezone</c> like any naive time), booleans as <c>true</c>/<c>false</c>.
/// Empty rows are skipped. A corrupt or password-protected workbook is an <see cref="InputException"/> naming the file.
/// </summary>
internal sealed class WorkbookRecordReader : IRecordReader
{
    private static readonly object Gate = new();
    private static bool _encodingsRegistered;

    private readonly IExcelDataReader _excel;
    private readonly string[] _headers;
    private readonly string?[] _values;
    private readonly CultureInfo _culture;
    private long _row;

    public WorkbookRecordReader(Stream stream, string sourceName, RecordReaderOptions options)
    {
        SourceName = sourceName;
        RegisterEncodings();
        _culture = options.Culture is { } c && Cultures.TryGet(c, out var ci) ? ci : CultureInfo.InvariantCulture;
        try
        {
            if (stream.CanSeek) WorkbookLimits.Check(stream, sourceName, options.MaxDecompressedBytes);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        try
        {
            _excel = ExcelReaderFactory.CreateReader(stream, new ExcelReaderConfiguration { LeaveOpen = false });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            stream.Dispose();
            throw Corrupt(sourceName, e);
        }
        try
        {
            if (options.Sheet is { } sheet)
            {
                var names = new List<string>();
                while (!string.Equals(_excel.Name, sheet, StringComparison.OrdinalIgnoreCase))
                {
                    names.Add(_excel.Name);
                    if (!_excel.NextResult())
                        throw new InputException(sourceName, $"the workbook has no sheet '{sheet}'; its sheets are: {string.Join(", ", names)}");
                }
            }
            _headers = [];
            while (Next())
            {
                if (IsEmptyRow()) continue;
                var raw = new string?[_excel.FieldCount];
                for (var i = 0; i < raw.Length; i++) raw[i] = Text(i);
                // Trailing empty header cells are formatting, not columns.
                var n = raw.Length;
                while (n > 0 && string.IsNullOrWhiteSpace(raw[n - 1])) n--;
                _headers = HeaderNames.MakeUnique(raw[..n]);
                break;
            }
            _values = new string?[_headers.Length];
        }
        catch
        {
            _excel.Dispose();
            throw;
        }
    }

    public string SourceName { get; }
    public IReadOnlyList<string> Headers => _headers;
    public long RowNumber => _row;

    public bool Read()
    {
        while (Next())
        {
            if (IsEmptyRow()) continue;
            _row++;
            var n = Math.Min(_headers.Length, _excel.FieldCount);
            Array.Clear(_values);
            for (var i = 0; i < n; i++) _values[i] = Text(i);
            return true;
        }
        Array.Clear(_values);
        return false;
    }

    public string? GetString(int ordinal) => _values[ordinal];

    public void Dispose() => _excel.Dispose();

    private bool Next()
    {
        try
        {
            return _excel.Read();
        }
        catch (Exception e) when (e is not (OperationCanceledException or InputException))
        {
            throw Corrupt(SourceName, e, _row + 1);
        }
    }

    private bool IsEmptyRow()
    {
        for (var i = 0; i < _excel.FieldCount; i++)
            if (_excel.GetValue(i) is { } v && !(v is string s && string.IsNullOrWhiteSpace(s))) return false;
        return true;
    }

    private string? Text(int i) => _excel.GetValue(i) switch
    {
        null => null,
        string s => s,
        double d => d.ToString("0.###############", _culture),
        DateTime dt => dt.TimeOfDay == TimeSpan.Zero
            ? dt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : dt.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var o => o.ToString(),
    };

    private static InputException Corrupt(string file, Exception e, long? row = null) =>
        e is ExcelDataReader.Exceptions.InvalidPasswordException
            ? new InputException(file, "the workbook is password-protected; save it without a password (or export CSV) and try again", row, inner: e)
            : new InputException(file, "not a readable Excel workbook (corrupt, truncated or not .xlsx/.xls)", row, inner: e);

    private static void RegisterEncodings()
    {
        // Binary .xls keeps text in code pages that .NET only knows once this provider is registered.
        lock (Gate)
        {
            if (_encodingsRegistered) return;
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            _encodingsRegistered = true;
        }
    }
}
