using System.IO.Hashing;
using System.Runtime.InteropServices;
using Snapconv.Core.Capi;

namespace Snapconv.Core.Dedup;

/// <summary>
/// Sends a repeated event once per run (spec §8): the key is event_name + event_id (which is the source
/// id, else the order id, else the content fingerprint), and a PURCHASE's order id also matches any
/// earlier PURCHASE with that order id. Keys are kept as 64-bit XxHash3 values in a
/// <see cref="SpillingKeySet"/> (1M keys in memory, older keys spilled to disk; a false match needs a
/// 64-bit collision: about 3 in a million for 10M distinct events). Not thread-safe: the consumer calls it
/// in file order.
/// </summary>
public sealed class InRunDeduper(SpillingKeySetOptions? options = null) : IDisposable
{
    private readonly SpillingKeySet _seen = new(options);

    public long Count => _seen.Count;

    /// <summary>Runs of keys written to disk to keep memory bounded.</summary>
    public int SpilledRuns => _seen.SpilledRuns;

    /// <summary>True the first time an event is seen; false for a duplicate (which is then not recorded again).</summary>
    /// <remarks>
    /// A PURCHASE's order id shares the namespace of PURCHASE event ids, as it does on the wire (an order id is
    /// the event id of a row without one). So the common row, whose event id is its order id, costs one key.
    /// </remarks>
    public bool TryAdd(CapiEvent e) => TryAdd(KeysOf(e));

    /// <summary>The same as <see cref="TryAdd(CapiEvent)"/> with keys from <see cref="KeysOf"/> (computed on a worker).</summary>
    public bool TryAdd(DedupKeys keys)
    {
        if (keys.Order != 0)
        {
            if (_seen.Contains(keys.Order) || _seen.Contains(keys.Event)) return false;
            _seen.Add(keys.Order);
        }
        return _seen.Add(keys.Event);
    }

    /// <summary>Hints the CPU to fetch what <see cref="TryAdd(DedupKeys)"/> will touch (call a block ahead).</summary>
    public void Prefetch(DedupKeys keys) => _seen.Prefetch(keys.Event);

    /// <summary>The keys an event is deduplicated by: pure, so workers compute them in parallel.</summary>
    public static DedupKeys KeysOf(CapiEvent e)
    {
        var key = Key(e.EventName, e.EventId, 0);
        var order = e.EventName == EventNames.Purchase && e.CustomData.OrderId is { } o && o != e.EventId
            ? Key(EventNames.Purchase, o, 0)
            : 0UL;
        return new DedupKeys(key, order);
    }

    public void Dispose() => _seen.Dispose();

    private static ulong Key(string name, string id, long seed)
    {
        var length = name.Length + 1 + id.Length;
        ulong h;
        if (length > 512)
        {
            h = XxHash3.HashToUInt64(MemoryMarshal.AsBytes((name + "\0" + id).AsSpan()), seed);
        }
        else
        {
            Span<char> buf = stackalloc char[length];
            name.CopyTo(buf);
            buf[name.Length] = '\0';
            id.CopyTo(buf[(name.Length + 1)..]);
            h = XxHash3.HashToUInt64(MemoryMarshal.AsBytes((ReadOnlySpan<char>)buf), seed);
        }
        return h == 0 ? 1 : h; // 0 means "no order key"
    }
}

/// <summary>An event's dedup keys: its name + id, and for a PURCHASE whose order id differs from its event id, the order's (else 0).</summary>
public readonly record struct DedupKeys(ulong Event, ulong Order);
