using System.Runtime.InteropServices;

namespace Snapconv.Core.Formats;

/// <summary>
/// Hands out one string instance per distinct short cell (up to 8 characters: currencies, event types,
/// country and state codes, channels, small amounts) instead of a new string per cell, through a
/// direct-mapped table of 512 entries; longer cells are created as usual. One per reader (not thread-safe).
/// </summary>
internal sealed class ShortStringCache
{
    private const int MaxLength = 8;
    private const int Size = 512;
    private readonly string?[] _entries = new string?[Size];

    public string GetString(char[] buffer, int offset, int length)
    {
        if (length == 0) return "";
        if (length > MaxLength) return new string(buffer, offset, length);
        var span = buffer.AsSpan(offset, length);
        ref var entry = ref _entries[Slot(span)];
        if (entry is not null && span.SequenceEqual(entry)) return entry;
        return entry = new string(span);
    }

    /// <summary>
    /// The table slot of 1–8 characters: their bytes read as one or two (overlapping) 64-bit words and mixed by
    /// multiplication — a few instructions where a general hash (XxHash3) costs a call; a collision only costs a string.
    /// </summary>
    internal static int Slot(ReadOnlySpan<char> chars)
    {
        var bytes = MemoryMarshal.AsBytes(chars);
        ulong h;
        if (bytes.Length >= sizeof(ulong))
        {
            h = MemoryMarshal.Read<ulong>(bytes) * 0x9E3779B97F4A7C15UL
                ^ MemoryMarshal.Read<ulong>(bytes[^sizeof(ulong)..]) * 0xC2B2AE3D27D4EB4FUL;
        }
        else
        {
            // One to three characters: each at its own place in one word.
            h = chars[0] | (ulong)chars[^1] << 16 | (ulong)chars[chars.Length / 2] << 32;
            h *= 0x9E3779B97F4A7C15UL;
        }
        h ^= (ulong)chars.Length << 59;
        h ^= h >> 31;
        h *= 0xBF58476D1CE4E5B9UL;
        return (int)(h >> (64 - SlotBits));
    }

    private const int SlotBits = 9;   // 2^9 = Size
}
