namespace Snapconv.Core.Formats;

/// <summary>
/// Passes delimited text through and stops it with an <see cref="InputException"/> at a line with more than
/// <see cref="RecordReaderOptions.MaxColumns"/> fields, before the CSV parser sees the line: Sylvan grows its field table
/// by 32 entries at a time, so one very wide line costs time quadratic in its width (200,000 columns: 36 s, #16).
/// </summary>
/// <remarks>
/// Counts delimiters per physical line, with a vectorized count only where a line is long enough in characters to reach
/// the limit (and for the line still open at a block's end); a delimiter inside quotes counts too, so a line is judged by
/// an upper bound of its fields.
/// </remarks>
internal sealed class ColumnGuardReader(TextReader inner, char delimiter, string sourceName) : TextReader
{
    private int _sinceNewline;   // delimiters of the open line, counted where it could reach the limit
    private long _lineChars;     // characters of the open line so far
    private long _line = 1;

    public override int Peek() => inner.Peek();

    public override int Read()
    {
        var c = inner.Read();
        if (c == '\n')
        {
            _line++;
            _sinceNewline = 0;
            _lineChars = 0;
        }
        else if (c >= 0)
        {
            _lineChars++;
            if (c == delimiter && ++_sinceNewline >= RecordReaderOptions.MaxColumns) throw TooWide(_line);
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
        // A line shorter than the limit in characters cannot have more delimiters than that, so only a line that is long
        // enough, and the open line at the chunk's end (it may go on in the next chunk), have their delimiters counted:
        // one search for each newline instead of several passes over the whole chunk.
        var pos = 0;
        while (true)
        {
            var nl = chunk[pos..].IndexOf('\n');
            var end = nl < 0 ? chunk.Length : pos + nl;
            var length = end - pos;
            if (nl < 0 || _lineChars + length >= RecordReaderOptions.MaxColumns)
            {
                _sinceNewline += chunk[pos..end].Count(delimiter);
                if (_sinceNewline >= RecordReaderOptions.MaxColumns) throw TooWide(_line);
            }
            if (nl < 0)
            {
                _lineChars += length;
                return;
            }
            _line++;
            _lineChars = 0;
            _sinceNewline = 0;
            pos = end + 1;
        }
    }

    private InputException TooWide(long line) =>
        new(sourceName, $"line {line} has more than {RecordReaderOptions.MaxColumns:N0} columns (the limit)");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
