using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Snapconv.Core.Formats;

/// <summary>
/// Tells a text input's encoding from its first block of bytes: a byte order mark (UTF-8, UTF-16 LE/BE), else UTF-8
/// when the block is valid UTF-8, else Windows-1252. Nothing is guessed after the block: a file read as UTF-8 whose
/// later bytes are not UTF-8 stops the run (see <see cref="TextEncoding.InvalidBytesMessage"/>).
/// </summary>
internal static class TextEncodingDetector
{
    /// <summary>The first block: 1 MiB (or the whole file when shorter).</summary>
    public const int BlockBytes = 1 << 20;

    /// <summary>
    /// Windows-1252 text seldom holds a byte pair that is also valid UTF-8 (an upper-case accented letter then a symbol
    /// or NBSP); UTF-8 text with a few stray bytes holds many. A block with more than one valid multi-byte sequence per
    /// this many invalid ones is mixed: neither reading is safe, so the user must say.
    /// </summary>
    internal const int InvalidPerValidSequence = 4;

    /// <summary>The encoding of a file whose first bytes are <paramref name="block"/>.</summary>
    /// <param name="block">Up to <see cref="BlockBytes"/> first bytes (decompressed).</param>
    /// <param name="complete">True when <paramref name="block"/> is the whole file (its last character is not cut).</param>
    /// <param name="sourceName">The file, for the error.</param>
    /// <exception cref="InputException">The block mixes UTF-8 sequences with bytes that are not UTF-8.</exception>
    public static TextEncoding Detect(ReadOnlySpan<byte> block, bool complete, string sourceName)
    {
        if (FromByteOrderMark(block) is { } bom) return bom;
        if (!complete) block = block[..^CutTail(block)];
        if (Utf8.IsValid(block)) return TextEncoding.Utf8;

        // Not UTF-8 (the rare case): count on the slow path what kind of non-ASCII the block holds.
        var (valid, invalid) = CountSequences(block);
        if ((long)valid * InvalidPerValidSequence > invalid)
        {
            throw new InputException(sourceName, $"the first {BlockBytes / (1 << 20)} MiB mix UTF-8 text with bytes that are not UTF-8, so the "
                + "encoding cannot be told: name it, e.g. --encoding windows-1252, or --encoding utf-8 to stop at the first row "
                + "that is not UTF-8 (mapping or job key: encoding)");
        }

        return TextEncoding.Windows1252;
    }

    /// <summary>The encoding a byte order mark at the start of <paramref name="head"/> names; null without one.</summary>
    public static TextEncoding? FromByteOrderMark(ReadOnlySpan<byte> head) =>
        head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? TextEncoding.Utf8Bom
        : head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) ? TextEncoding.Utf16Le
        : head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) ? TextEncoding.Utf16Be
        : null;

    /// <summary>How many bytes at the end of a cut block are the start of a UTF-8 sequence the cut left incomplete.</summary>
    internal static int CutTail(ReadOnlySpan<byte> block)
    {
        for (var back = 1; back <= Math.Min(3, block.Length); back++)
        {
            var b = block[^back];
            if ((b & 0xC0) == 0x80) continue; // a continuation byte: look further back for its lead
            var length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return length > back ? back : 0;
        }

        return 0;
    }

    private static (int Valid, int Invalid) CountSequences(ReadOnlySpan<byte> block)
    {
        int valid = 0, invalid = 0;
        while (true)
        {
            var next = block.IndexOfAnyExceptInRange((byte)0, (byte)0x7F);
            if (next < 0) return (valid, invalid);
            block = block[next..];
            var status = Rune.DecodeFromUtf8(block, out _, out var consumed);
            if (status == OperationStatus.Done) valid++;
            else invalid++;
            block = block[Math.Max(1, consumed)..];
        }
    }
}
