using Snapconv.Core.Capi;
using Snapconv.Core.Dedup;
using Snapconv.Sandbox.Store;

namespace Snapconv.Sandbox.Dedup;

/// <summary>
/// Per-pixel dedup emulation (spec §8): key event_name + (event_id else client_dedup_id), window per
/// <see cref="DedupWindows"/>, |Δ| ≤ window on event_time (or arrival). A PURCHASE with an order id also
/// duplicates any earlier PURCHASE with that order id within 30 days. Not thread-safe: the pixel lock guards it.
/// </summary>
internal sealed class DedupIndex(DedupClock clock)
{
    private readonly Dictionary<(string Name, string Id), StoredEvent> _byKey = new();
    private readonly Dictionary<string, StoredEvent> _byOrder = new(StringComparer.Ordinal);

    private long ClockMs(StoredEvent e) => clock == DedupClock.EventTime ? e.EventTime * 1000 : e.ReceivedAtMs;

    /// <summary>The first-stored event the candidate duplicates, or null.</summary>
    public StoredEvent? FindOriginal(StoredEvent candidate)
    {
        var window = (long)DedupWindows.For(candidate.EventName, candidate.OrderId is not null).TotalMilliseconds;
        var at = ClockMs(candidate);
        StoredEvent? best = null;
        if (candidate.DedupId is { } id && _byKey.TryGetValue((candidate.EventName, id), out var e))
        {
            for (; e is not null; e = e.NextSameKey)
                if (Math.Abs(ClockMs(e) - at) <= window && (best is null || e.Seq < best.Seq)) best = e;
        }
        if (candidate.EventName == EventNames.Purchase && candidate.OrderId is { } order
            && _byOrder.TryGetValue(order, out var o))
        {
            var orderWindow = (long)DedupWindows.PurchaseWithTransaction.TotalMilliseconds;
            for (; o is not null; o = o.NextSameOrder)
                if (Math.Abs(ClockMs(o) - at) <= orderWindow && (best is null || o.Seq < best.Seq)) best = o;
        }
        return best;
    }

    /// <summary>Indexes a newly stored event.</summary>
    public void Add(StoredEvent e)
    {
        if (e.DedupId is { } id)
        {
            var key = (e.EventName, id);
            if (_byKey.TryGetValue(key, out var head)) e.NextSameKey = head;
            _byKey[key] = e;
        }
        AddOrder(e);
    }

    /// <summary>Indexes an event's order id (also after a merge gave it one).</summary>
    public void AddOrder(StoredEvent e)
    {
        if (e.InOrderIndex || e.EventName != EventNames.Purchase || e.OrderId is not { } order) return;
        if (_byOrder.TryGetValue(order, out var head)) e.NextSameOrder = head;
        _byOrder[order] = e;
        e.InOrderIndex = true;
    }
}
