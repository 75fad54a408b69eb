using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using System.Text.RegularExpressions;

namespace Snapconv.Core.Formats;

/// <summary>
/// Reads the first HTML table of a file as rows: Bitrix24's "Excel" export is such a table saved as <c>.xls</c>.
/// The first row (<c>th</c> or <c>td</c> cells) is the header. Cell text has its tags removed, <c>&lt;br&gt;</c> as a
/// line break and entities decoded, as AngleSharp's HTML5 parser reads the file (what a browser would). The encoding is the forced one, else the BOM's, else the <c>charset</c> of a
/// <c>meta</c> tag, else UTF-8 when the whole file is valid UTF-8, else Windows-1252 (the file is read whole, so it is
/// the first block of <see cref="TextEncodingDetector"/>). Decoding is strict: no replacement characters.
/// The file is read whole (these exports are list views, not bulk dumps).
/// </summary>
internal sealed partial class HtmlTableRecordReader : IRecordReader
{
    /// <summary>The largest HTML table file read (it is held in memory whole): 128 MiB.</summary>
    internal const int MaxBytes = 128 << 20;

    private readonly List<string?[]> _rows = [];
    private readonly string[] _headers;
    private int _next;

    public HtmlTableRecordReader(Stream stream, string sourceName, TextEncoding? encoding = null)
    {
        SourceName = sourceName;
        string html;
        using (stream)
        {
            byte[] bytes;
            try
            {
                // The table is parsed whole (into a DOM): bound what is loaded (#16).
                using var ms = new MemoryStream();
                var buffer = new byte[1 << 16];
                int read;
                while ((read = stream.Read(buffer)) > 0)
                {
                    if (ms.Length + read > MaxBytes)
                        throw new InputException(sourceName, $"an HTML table export larger than {MaxBytes >> 20} MiB (the limit for this format); export CSV instead");
                    ms.Write(buffer, 0, read);
                }
                bytes = ms.ToArray();
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                throw new InputException(sourceName, "cannot read the file", inner: e);
            }
            TextEncoding = encoding ?? Detect(bytes, sourceName);
            try
            {
                html = TextEncoding.Decoder.GetString(bytes.AsSpan(Preamble(bytes, TextEncoding)));
            }
            catch (DecoderFallbackException e)
            {
                throw new InputException(sourceName, TextEncoding.InvalidBytesMessage("in the file"), inner: e);
            }
        }
        var rows = ReadRows(html, sourceName);
        if (rows.Count == 0) { _headers = []; return; }
        var header = rows[0];
        var n = header.Length;
        while (n > 0 && string.IsNullOrWhiteSpace(header[n - 1])) n--;
        _headers = HeaderNames.MakeUnique(header[..n]);
        for (var i = 1; i < rows.Count; i++)
        {
            var r = new string?[_headers.Length];
            Array.Copy(rows[i], r, Math.Min(r.Length, rows[i].Length));
            _rows.Add(r);
        }
    }

    public string SourceName { get; }
    public IReadOnlyList<string> Headers => _headers;
    public long RowNumber => _next;
    public TextEncoding TextEncoding { get; }

    public bool Read()
    {
        if (_next >= _rows.Count) return false;
        _next++;
        return true;
    }

    public string? GetString(int ordinal) => _next == 0 ? null : _rows[_next - 1][ordinal];

    public void Dispose() { }

    /// <summary>True when the bytes look like HTML markup (after a BOM and white space).</summary>
    internal static bool LooksLikeHtml(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) head = head[3..];
        head = head.TrimStart(" \t\r\n"u8);
        if (head.IsEmpty || head[0] != (byte)'<') return false;
        var text = Encoding.ASCII.GetString(head[..Math.Min(head.Length, 512)]).ToLowerInvariant();
        return text.Contains("<html") || text.Contains("<table") || text.Contains("<meta") || text.Contains("<!doctype html");
    }

    private static TextEncoding Detect(byte[] bytes, string sourceName)
    {
        if (TextEncodingDetector.FromByteOrderMark(bytes) is { } bom) return bom;
        var head = Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 2048));
        var m = CharsetRegex().Match(head);
        // A declared charset other than UTF-8 wins (Bitrix24 writes windows-1251); a declared UTF-8 is still checked.
        if (m.Success && !m.Groups[1].Value.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            && TextEncoding.TryParse(m.Groups[1].Value, out var declared))
        {
            return declared.AsDetected();
        }
        return TextEncodingDetector.Detect(bytes, complete: true, sourceName);
    }

    /// <summary>The length of the encoding's byte order mark at the start of <paramref name="bytes"/>, else 0.</summary>
    private static int Preamble(byte[] bytes, TextEncoding encoding) =>
        bytes.AsSpan().StartsWith(encoding.Decoder.Preamble) ? encoding.Decoder.Preamble.Length : 0;

    /// <summary>
    /// The non-blank rows of the document's first table, as an HTML5 parser builds it (what a browser shows: entities
    /// decoded, a missing <c>&lt;/td&gt;</c> or <c>&lt;/tr&gt;</c> implied, rows of <c>thead</c>/<c>tbody</c>/<c>tfoot</c>
    /// in document order, a table nested in a cell read as that cell's text).
    /// </summary>
    private static List<string?[]> ReadRows(string html, string sourceName)
    {
        using var document = new HtmlParser().ParseDocument(html);
        if (FirstTable(document) is not { } table)
            throw new InputException(sourceName, "an HTML file (.xls saved as a web page) without a table");
        var rows = new List<string?[]>();
        var text = new StringBuilder();
        var rowNumber = 0;
        foreach (var tr in table.Rows)
        {
            rowNumber++;
            var cells = tr.Cells;
            // Bound a row as every other reader does (#16): the cells are already parsed, but each becomes a column.
            if (cells.Length > RecordReaderOptions.MaxColumns)
                throw new InputException(sourceName, $"table row {rowNumber} has more than {RecordReaderOptions.MaxColumns:N0} cells (columns; the limit)");
            var values = new string?[cells.Length];
            var blank = true;
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = CellText(cells[i], text);
                if (values[i]?.Length > RecordReaderOptions.MaxValueLength)
                    throw new InputException(sourceName, $"table row {rowNumber}, cell {i + 1} is longer than {RecordReaderOptions.MaxValueLength >> 20} MiB (the limit)");
                blank &= string.IsNullOrWhiteSpace(values[i]);
            }
            if (!blank) rows.Add(values);
        }
        return rows;
    }

    /// <summary>The first <c>table</c> element in document order (a walk with its own stack: nesting is the file's to choose).</summary>
    private static IHtmlTableElement? FirstTable(IDocument document)
    {
        var pending = new Stack<INode>();
        pending.Push(document);
        while (pending.TryPop(out var node))
        {
            if (node is IHtmlTableElement table) return table;
            var children = node.ChildNodes;
            for (var i = children.Length - 1; i >= 0; i--) pending.Push(children[i]);
        }
        return null;
    }

    /// <summary>
    /// A cell's text: its text nodes in document order, <c>&lt;br&gt;</c> as a line break, tags dropped; no-break spaces
    /// as spaces; trimmed; null when empty.
    /// </summary>
    private static string? CellText(IHtmlTableCellElement cell, StringBuilder text)
    {
        text.Clear();
        var pending = new Stack<INode>();
        for (var i = cell.ChildNodes.Length - 1; i >= 0; i--) pending.Push(cell.ChildNodes[i]);
        while (pending.TryPop(out var node))
        {
            switch (node)
            {
                case IText t:
                    text.Append(t.Data);
                    break;
                case IElement { LocalName: "br" }:
                    text.Append('\n');
                    break;
                case IElement { LocalName: "script" or "style" or "template" }:
                    break;
                case IElement e:
                    for (var i = e.ChildNodes.Length - 1; i >= 0; i--) pending.Push(e.ChildNodes[i]);
                    break;
            }
        }
        var s = text.Replace('\u00A0', ' ').ToString().Trim();
        return s.Length == 0 ? null : s;
    }

    [GeneratedRegex(@"charset\s*=\s*[""']?([A-Za-z0-9_\-]+)", RegexOptions.IgnoreCase)]
    private static partial Regex CharsetRegex();
}
