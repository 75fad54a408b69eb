namespace Snapconv.Core.Formats;

/// <summary>
/// Passes delimited text through and stops it with an <see cref="InputException"/> at a line with more than
/// <see cref="RecordReaderOptions.MaxColumns"/> fields, before the CSV parser sees the line: Sylvan grows its field table
/// by 32 entries at a time, so one very wide line costs time quadratic in its width (200,000 columns: 36 s, #16).
/// </summary>
/// <remarks>
/// Counts delimiters per physical line with vectorized counts over each block read (a few passes over memory already in
/// cache, next to nothing beside parsing); a delimiter inside quotes counts too, so a line is judged by an upper bound
/// of its fields.
/// </remarks>
internal sealed class ColumnGuardReader(TextReader inner, char delimiter, string sourceName) : TextReader
{
    private int _sinceNewline;
    private long _line = 1;

    public override int Peek() => inner.Peek();

    public override int Read()
    {
        var c = inner.Read();
        if (c == '\n')
        {
            _line++;
            _sinceNewline = 0;
        }
        else if (c == delimiter && ++_sinceNewline >= RecordReaderOptions.MaxColumns)
        {
            throw TooWide(_line);
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
        var first = chunk.IndexOf('\n');
        if (first < 0)
        {
            _sinceNewline += chunk.Count(delimiter);
            if (_sinceNewline >= RecordReaderOptions.MaxColumns) throw TooWide(_line);
            return;
        }

        if (_sinceNewline + chunk[..first].Count(delimiter) >= RecordReaderOptions.MaxColumns) throw TooWide(_line);
        var last = chunk.LastIndexOf('\n');
        _line++;
        if (last > first)
        {
            var middle = chunk[(first + 1)..last];
            if (middle.Count(delimiter) >= RecordReaderOptions.MaxColumns)
            {
                // Some whole line inside the block may be too wide: find which (rare, so line by line).
                var line = _line;
                foreach (var range in middle.Split('\n'))
                {
                    if (middle[range].Count(delimiter) >= RecordReaderOptions.MaxColumns) throw TooWide(line);
                    line++;
                }
            }

            _line += middle.Count('\n') + 1;
        }

        _sinceNewline = chunk[(last + 1)..].Count(delimiter);
        if (_sinceNewline >= RecordReaderOptions.MaxColumns) throw TooWide(_line);
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
