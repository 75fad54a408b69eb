namespace Snapconv.Core.Formats;

/// <summary>Replays characters already read (for sniffing) and then continues from the inner reader.</summary>
internal sealed class PrefixedTextReader(char[] prefix, int prefixLength, TextReader inner) : TextReader
{
    private int _pos;

    public override int Peek() => _pos < prefixLength ? prefix[_pos] : inner.Peek();

    public override int Read() => _pos < prefixLength ? prefix[_pos++] : inner.Read();

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<char> buffer)
    {
        if (_pos < prefixLength)
        {
            var n = Math.Min(buffer.Length, prefixLength - _pos);
            prefix.AsSpan(_pos, n).CopyTo(buffer);
            _pos += n;
            return n;
        }

        return inner.Read(buffer);
    }

    public override Task<int> ReadAsync(char[] buffer, int index, int count) =>
        Task.FromResult(Read(buffer.AsSpan(index, count)));

    public override ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default) =>
        _pos < prefixLength ? ValueTask.FromResult(Read(buffer.Span)) : inner.ReadAsync(buffer, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
