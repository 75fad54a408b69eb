using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Snapconv.Core.Formats;

/// <summary>
/// Passes UTF-8 bytes through, checking each read with the runtime's vectorized <see cref="Utf8.IsValid(ReadOnlySpan{byte})"/>.
/// At the first byte that is not UTF-8 it returns the valid bytes before it, and the next read throws
/// <see cref="DecoderFallbackException"/>: the text reader above parses every row before the bad bytes first, so the
/// error names the row that holds them rather than a row a read-ahead buffer earlier.
/// </summary>
internal sealed class Utf8CheckStream(Stream inner) : ForwardReadStream(inner)
{
    private readonly byte[] _carry = new byte[3];
    private int _carryLength;
    private bool _failed;

    public override int Read(Span<byte> buffer)
    {
        if (_failed) throw Invalid();
        if (buffer.Length < _carry.Length + 1) throw new ArgumentException("The buffer is too small.", nameof(buffer));
        while (true)
        {
            // A sequence cut by the previous read is completed by this one: check it whole.
            _carry.AsSpan(0, _carryLength).CopyTo(buffer);
            var read = Inner.Read(buffer[_carryLength..]);
            var n = _carryLength + read;
            _carryLength = 0;
            if (read == 0)
            {
                if (n == 0) return 0;
                _failed = true; // the file ends inside a sequence
                throw Invalid();
            }

            var data = buffer[..n];
            var cut = TextEncodingDetector.CutTail(data);
            var whole = data[..^cut];
            if (!Utf8.IsValid(whole))
            {
                _failed = true;
                var valid = FirstInvalid(whole);
                if (valid == 0) throw Invalid();
                return valid;
            }

            data[^cut..].CopyTo(_carry);
            _carryLength = cut;
            if (whole.Length > 0) return whole.Length;
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    private static DecoderFallbackException Invalid() => new("Bytes that are not valid UTF-8.");

    /// <summary>The index of the first byte that starts no valid sequence (the error path only).</summary>
    private static int FirstInvalid(ReadOnlySpan<byte> data)
    {
        var at = 0;
        while (true)
        {
            var next = data[at..].IndexOfAnyExceptInRange((byte)0, (byte)0x7F);
            if (next < 0) return data.Length;
            at += next;
            if (Rune.DecodeFromUtf8(data[at..], out _, out var consumed) != OperationStatus.Done) return at;
            at += consumed;
        }
    }
}
