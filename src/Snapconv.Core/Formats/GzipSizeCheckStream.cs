using System.Buffers.Binary;

namespace Snapconv.Core.Formats;

/// <summary>
/// Wraps a decompressing <see cref="System.IO.Compression.GZipStream"/> and, at its end, checks the decompressed size
/// against the gzip trailer's ISIZE (size mod 2^32): .NET's GZipStream silently stops at a truncated file. Reading
/// past <c>maxBytes</c> decompressed bytes throws an <see cref="InputException"/> naming the file and the limit.
/// </summary>
/// <remarks>
/// The check reads the last trailer of the file, so a multi-member gzip (e.g. <c>cat a.gz b.gz</c>, bgzip) fails it
/// and is reported as corrupt; recompress such files as a single member.
/// </remarks>
internal sealed class GzipSizeCheckStream(Stream gzip, uint expectedSize, long maxBytes, string sourceName) : ForwardReadStream(gzip)
{
    private ulong _total;

    /// <summary>Reads the ISIZE field (last 4 bytes, little-endian) of a seekable gzip file, restoring its position.</summary>
    public static uint ReadTrailerSize(Stream file)
    {
        var position = file.Position;
        Span<byte> trailer = stackalloc byte[4];
        file.Seek(-4, SeekOrigin.End);
        file.ReadExactly(trailer);
        file.Position = position;
        return BinaryPrimitives.ReadUInt32LittleEndian(trailer);
    }

    public override int Read(Span<byte> buffer) => Count(Inner.Read(buffer), buffer.Length);

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false), buffer.Length);

    private int Count(int read, int requested)
    {
        _total += (uint)read;
        if (_total > (ulong)maxBytes)
        {
            throw new InputException(sourceName, $"the file decompresses to more than {FormatSize(maxBytes)} (the limit against "
                + "compression bombs); raise it with --max-decompressed-size (job key max_decompressed_size) if the file is genuine");
        }

        if (read == 0 && requested > 0 && (uint)_total != expectedSize)
        {
            throw new InvalidDataException("gzip data is truncated or corrupt: the decompressed size does not match the trailer");
        }

        return read;
    }

    /// <summary>A byte count as people write it: <c>50 GiB</c>, <c>512 MiB</c>, <c>1000 bytes</c>.</summary>
    internal static string FormatSize(long bytes) =>
        bytes % (1L << 30) == 0 ? $"{bytes >> 30} GiB"
        : bytes % (1L << 20) == 0 ? $"{bytes >> 20} MiB"
        : bytes % (1L << 10) == 0 ? $"{bytes >> 10} KiB"
        : $"{bytes} bytes";
}
