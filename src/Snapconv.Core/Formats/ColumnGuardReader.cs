namespace Snapconv.Core.Formats;

/// <summary>
/// Passes delimited text through and stops it with an <see cref="InputException"/> at a record with more than
/// <see cref="RecordReaderOptions.MaxColumns"/> fields, before the CSV parser sees it: Sylvan grows its field table
/// by 32 entries at a time, so one very wide line costs time quadratic in its width (200,000 columns: 36 s, #16).
/// </summary>
/// <remarks>
/// Counts delimiters per record (a newline inside quotes does not end one), with a vectorized count only where a record
/// is long enough in characters to reach the limit or goes on past a line; a delimiter inside quotes counts too, so a
/// record is judged by an upper bound of its fields.
/// </remarks>
internal sealed class ColumnGuardReader(TextReader inner, char delimiter, string sourceName) : TextReader
{
    private int _recordDelims;   // delimiters of the open record, counted where it could reach the limit
    private long _recordChars;   // characters of the open record so far
    private bool _inQuotes;      // the quote parity at the current position: a newline inside quotes does not end a record
    private long _line = 1;      // the physical line of the current position
    private long _recordLine = 1;

    public override int Peek() => inner.Peek();

    public override int Read()
    {
        var c = inner.Read();
        if (c == '\n')
        {
            _line++;
            EndLine();
        }
        else if (c >= 0)
        {
            _recordChars++;
            if (c == '"') _inQuotes = !_inQuotes;
            else if (c == delimiter && ++_recordDelims >= RecordReaderOptions.MaxColumns) throw TooWide();
        }

        return c;
    }

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<char> buffer)
    {
        var n = inner.Read(buffer);
        Check(buffer[..n]);
        return n;
    }

    public override Task<int> ReadAsync(char[] buffer, int index, int count) =>
        Task.FromResult(Read(buffer.AsSpan(index, count)));

    public override ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    private void Check(ReadOnlySpan<char> chunk)
    {
        // Most chunks hold no quote and fewer delimiters than the limit even with the open record's characters added (each
        // of its delimiters is one of them): then no record can reach the limit in this chunk, and only the lines are
        // counted, the last one staying open — three vectorized passes a chunk instead of two searches a line (#15).
        if (!_inQuotes && !chunk.Contains('"') && _recordChars + chunk.Count(delimiter) < RecordReaderOptions.MaxColumns)
        {
            var last = chunk.LastIndexOf('\n');
            if (last >= 0)
            {
                _line += chunk.Count('\n');
                _recordChars = 0;
                _recordDelims = 0;
                _recordLine = _line;
            }
            var tail = chunk[(last + 1)..];
            _recordChars += tail.Length;
            _recordDelims += tail.Count(delimiter);
            return;
        }
        // A record shorter than the limit in characters cannot have more delimiters than that, so delimiters are counted
        // only for a line that is long enough, a line of a record that goes on past it (a newline inside quotes, or the
        // chunk's end): one newline search and one quote count a line instead of passes over the whole chunk (#16).
        var pos = 0;
        while (true)
        {
            var nl = chunk[pos..].IndexOf('\n');
            var end = nl < 0 ? chunk.Length : pos + nl;
            var segment = chunk[pos..end];
            var startedInQuotes = _inQuotes;
            if ((segment.Count('"') & 1) == 1) _inQuotes = !_inQuotes;
            if (nl < 0 || _inQuotes || startedInQuotes || _recordChars + segment.Length >= RecordReaderOptions.MaxColumns)
            {
                _recordDelims += segment.Count(delimiter);
                if (_recordDelims >= RecordReaderOptions.MaxColumns) throw TooWide();
            }
            _recordChars += segment.Length;
            if (nl < 0) return;
            _line++;
            EndLine();
            pos = end + 1;
        }
    }

    /// <summary>After a newline: the record ends there unless the newline is inside quotes.</summary>
    private void EndLine()
    {
        if (_inQuotes)
        {
            _recordChars++;
            return;
        }
        _recordChars = 0;
        _recordDelims = 0;
        _recordLine = _line;
    }

    private InputException TooWide() =>
        new(sourceName, _recordLine == _line
            ? $"line {_line} has more than {RecordReaderOptions.MaxColumns:N0} columns (the limit)"
            : $"the record starting at line {_recordLine} has more than {RecordReaderOptions.MaxColumns:N0} columns (the limit)");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
