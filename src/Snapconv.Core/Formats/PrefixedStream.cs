namespace Snapconv.Core.Formats;

/// <summary>A read-only stream that replays bytes already read (for sniffing) and then continues from the inner stream.</summary>
internal sealed class PrefixedStream(byte[] prefix, Stream inner) : ForwardReadStream(inner)
{
    private int _pos;

    public override int Read(Span<byte> buffer)
    {
        if (_pos < prefix.Length)
        {
            var n = Math.Min(buffer.Length, prefix.Length - _pos);
            prefix.AsSpan(_pos, n).CopyTo(buffer);
            _pos += n;
            return n;
        }

        return Inner.Read(buffer);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _pos < prefix.Length ? ValueTask.FromResult(Read(buffer.Span)) : Inner.ReadAsync(buffer, cancellationToken);
}
