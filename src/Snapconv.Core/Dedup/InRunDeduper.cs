using System.IO.Hashing;
using System.Runtime.InteropServices;
using Snapconv.Core.Capi;

namespace Snapconv.Core.Dedup;

/// <summary>
/// Sends a repeated event once per run (spec §8): the key is event_name + event_id (which is the source
/// id, else the order id, else the content fingerprint), and a PURCHASE's order id also matches any
/// earlier PURCHASE with that order id. Keys are kept as 64-bit XxHash3 values in a
/// <see cref="CompactKeySet"/> (about 10 bytes a key: a 10M-row run holds about 100 MB; a false match needs a
/// 64-bit collision: about 3 in a million for 10M distinct events). Not thread-safe: the consumer calls it
/// in file order.
/// </summary>
public sealed class InRunDeduper
{
    private readonly CompactKeySet _seen = new();

    public long Count => _seen.Count;

    /// <summary>True the first time an event is seen; false for a duplicate (which is then not recorded again).</summary>
    /// <remarks>
    /// A PURCHASE's order id shares the namespace of PURCHASE event ids, as it does on the wire (an order id is
    /// the event id of a row without one). So the common row, whose event id is its order id, costs one key.
    /// </remarks>
    public bool TryAdd(CapiEvent e)
    {
        var key = Key(e.EventName, e.EventId, 0);
        if (e.EventName == EventNames.Purchase && e.CustomData.OrderId is { } order && order != e.EventId)
        {
            var orderKey = Key(EventNames.Purchase, order, 0);
            if (_seen.Contains(orderKey) || _seen.Contains(key)) return false;
            _seen.Add(orderKey);
        }
        return _seen.Add(key);
    }

    private static ulong Key(string name, string id, long seed)
    {
        var length = name.Length + 1 + id.Length;
        if (length > 512)
            return XxHash3.HashToUInt64(MemoryMarshal.AsBytes((name + "\0" + id).AsSpan()), seed);
        Span<char> buf = stackalloc char[length];
        name.CopyTo(buf);
        buf[name.Length] = '\0';
        id.CopyTo(buf[(name.Length + 1)..]);
        return XxHash3.HashToUInt64(MemoryMarshal.AsBytes((ReadOnlySpan<char>)buf), seed);
    }
}
