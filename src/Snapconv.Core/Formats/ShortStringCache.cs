using System.IO.Hashing;
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
        ref var entry = ref _entries[XxHash3.HashToUInt64(MemoryMarshal.AsBytes(span)) & (Size - 1)];
        if (entry is not null && span.SequenceEqual(entry)) return entry;
        return entry = new string(span);
    }
}
