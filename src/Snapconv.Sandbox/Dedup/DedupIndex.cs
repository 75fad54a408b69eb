using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Unicode;
using Snapconv.Core.Capi;
using Snapconv.Core.Dedup;
using Snapconv.Sandbox.Store;

namespace Snapconv.Sandbox.Dedup;

/// <summary>
/// Per-pixel dedup emulation (spec §8): key event_name + (event_id else client_dedup_id), window per
/// <see cref="DedupWindows"/>, |Δ| ≤ window on event_time (or arrival). A PURCHASE with an order id also
/// duplicates any earlier PURCHASE with that order id within 30 days. Not thread-safe: the pixel lock guards it.
/// Ids are compared exactly (ordinal, as strings) but kept as bytes in an arena, and the maps hold only
/// plain structs and event indexes, so millions of stored events add no objects for the GC to trace.
/// </summary>
internal sealed class DedupIndex
{
    private const int NoName = -1;
    private readonly DedupClock _clock;
    private readonly EventTable _events;
    private readonly IdArena _arena = new();
    private readonly IdTable _byKey;
    private readonly IdTable _byOrder;
    private static readonly int PurchaseName = Interned.Names.Id(EventNames.Purchase);

    public DedupIndex(DedupClock clock, EventTable events)
    {
        _clock = clock;
        _events = events;
        _byKey = new IdTable(_arena);
        _byOrder = new IdTable(_arena);
    }

    public long ClockMs(in StoredEvent e) => _clock == DedupClock.EventTime ? e.EventTime * 1000 : e.ReceivedAtMs;

    /// <summary>
    /// The index of the first-stored event the candidate duplicates, or -1. The candidate is described by its
    /// fields in <paramref name="candidate"/> (not yet in the table) and its ids' bytes (<see cref="IdBytes"/>).
    /// </summary>
    public int FindOriginal(in StoredEvent candidate, string eventName, in CandidateIds ids)
    {
        var window = (long)DedupWindows.For(eventName, ids.HasOrder).TotalMilliseconds;
        var at = ClockMs(candidate);
        var best = -1;
        if (ids.HasDedup && _byKey.TryGetValue(ids.DedupProbe(candidate.Name), out var e))
        {
            for (; e >= 0; e = _events[e].NextSameKey)
                if (Math.Abs(ClockMs(_events[e]) - at) <= window && (best < 0 || e < best)) best = e;
        }
        if (candidate.Name == PurchaseName && ids.HasOrder && _byOrder.TryGetValue(ids.OrderProbe(), out var o))
        {
            var orderWindow = (long)DedupWindows.PurchaseWithTransaction.TotalMilliseconds;
            for (; o >= 0; o = _events[o].NextSameOrder)
                if (Math.Abs(ClockMs(_events[o]) - at) <= orderWindow && (best < 0 || o < best)) best = o;
        }
        return best;
    }

    /// <summary>
    /// <see cref="FindOriginal"/> and, when the candidate duplicates nothing, <see cref="Add"/> for it at
    /// <paramref name="index"/> (the table's next index), with one hash lookup per index instead of two: the
    /// candidate's links are set in <paramref name="candidate"/>. Returns the original's index, or -1 when the
    /// candidate was indexed (the caller then stores it at <paramref name="index"/>).
    /// </summary>
    public int FindOrAdd(ref StoredEvent candidate, string eventName, in CandidateIds ids, int index)
    {
        var window = (long)DedupWindows.For(eventName, ids.HasOrder).TotalMilliseconds;
        var at = ClockMs(candidate);
        var best = -1;
        // Look up first, insert only for a new event: the free slots found stay valid until then (the two
        // indexes are separate tables), so a duplicate claims nothing.
        var keySlot = -1;
        var keyExists = false;
        if (ids.HasDedup)
        {
            keySlot = _byKey.Find(ids.DedupProbe(candidate.Name), out keyExists);
            if (keyExists)
                for (var e = _byKey.Head(keySlot); e >= 0; e = _events[e].NextSameKey)
                    if (Math.Abs(ClockMs(_events[e]) - at) <= window && (best < 0 || e < best)) best = e;
        }
        var ordered = candidate.Name == PurchaseName && ids.HasOrder;
        var orderSlot = -1;
        var orderExists = false;
        if (ordered)
        {
            orderSlot = _byOrder.Find(ids.OrderProbe(), out orderExists);
            if (orderExists)
            {
                var orderWindow = (long)DedupWindows.PurchaseWithTransaction.TotalMilliseconds;
                for (var o = _byOrder.Head(orderSlot); o >= 0; o = _events[o].NextSameOrder)
                    if (Math.Abs(ClockMs(_events[o]) - at) <= orderWindow && (best < 0 || o < best)) best = o;
            }
        }
        if (best >= 0) return best;
        candidate.NextSameKey = -1;
        candidate.NextSameOrder = -1;
        if (ids.HasDedup)
        {
            if (keyExists)
            {
                ref var head = ref _byKey.Head(keySlot);
                candidate.NextSameKey = head;
                head = index;
            }
            else _byKey.Insert(keySlot, ids.DedupProbe(candidate.Name), index);
        }
        if (ordered)
        {
            if (orderExists)
            {
                ref var head = ref _byOrder.Head(orderSlot);
                candidate.NextSameOrder = head;
                head = index;
            }
            else _byOrder.Insert(orderSlot, ids.OrderProbe(), index);
            candidate.InOrderIndex = true;
        }
        return -1;
    }

    /// <summary>Indexes a newly stored event.</summary>
    public void Add(int index, in CandidateIds ids)
    {
        ref var e = ref _events[index];
        e.NextSameKey = -1;
        e.NextSameOrder = -1;
        if (ids.HasDedup) e.NextSameKey = Link(_byKey, ids.DedupProbe(e.Name), index);
        AddOrder(index, ids);
    }

    /// <summary>Indexes an event's order id (also after a merge gave it one).</summary>
    public void AddOrder(int index, in CandidateIds ids)
    {
        ref var e = ref _events[index];
        if (e.InOrderIndex || e.Name != PurchaseName || !ids.HasOrder) return;
        e.NextSameOrder = Link(_byOrder, ids.OrderProbe(), index);
        e.InOrderIndex = true;
    }

    /// <summary>Makes <paramref name="index"/> the id's newest event; returns the previous one, or -1.</summary>
    private static int Link(IdTable table, in IdProbe probe, int index)
    {
        var slot = table.Find(probe, out var exists);
        if (!exists)
        {
            table.Insert(slot, probe, index);
            return -1;
        }
        ref var head = ref table.Head(slot);
        var previous = head;
        head = index;
        return previous;
    }

    /// <summary>An event's dedup and order ids in byte form, encoded once (hashes included) for find and add.</summary>
    public ref struct CandidateIds
    {
        private IdBytes _dedup;
        private IdBytes _order;
        private int _dedupHashSeed;
        private int _orderHash;
        public readonly bool HasDedup;
        public readonly bool HasOrder;

        public CandidateIds(string? dedupId, string? orderId)
        {
            if (dedupId is not null)
            {
                HasDedup = true;
                _dedup = IdBytes.Of(dedupId);
                _dedupHashSeed = HashBytes(_dedup.Span);
            }
            if (orderId is not null)
            {
                HasOrder = true;
                if (ReferenceEquals(orderId, dedupId) || orderId == dedupId)
                {
                    _order = default;
                    _orderHash = Combine(_dedupHashSeed, NoName);
                }
                else
                {
                    _order = IdBytes.Of(orderId);
                    _orderHash = Combine(HashBytes(_order.Span), NoName);
                }
            }
        }

        private readonly ReadOnlySpan<byte> OrderSpan => _order.IsSet ? _order.Span : _dedup.Span;

        internal readonly IdProbe DedupProbe(int name) => new(_dedup.Span, name, Combine(_dedupHashSeed, name));

        internal readonly IdProbe OrderProbe() => new(OrderSpan, NoName, _orderHash);

        public void Dispose()
        {
            _dedup.Dispose();
            _order.Dispose();
        }
    }

    private static int HashBytes(ReadOnlySpan<byte> bytes)
    {
        var h = new HashCode();
        h.AddBytes(bytes);
        return h.ToHashCode();
    }

    private static int Combine(int bytesHash, int name) => HashCode.Combine(bytesHash, name);

    /// <summary>An id being looked up: its bytes (not yet in the arena) and name id.</summary>
    internal readonly ref struct IdProbe(ReadOnlySpan<byte> bytes, int name, int hash)
    {
        public readonly ReadOnlySpan<byte> Bytes = bytes;
        public readonly int Name = name;
        public readonly int Hash = hash;
    }

    /// <summary>Append-only byte storage for ids, in 1 MiB chunks (a longer id gets a chunk of its own).</summary>
    internal sealed class IdArena
    {
        private const int ChunkSize = 1 << 20;
        private readonly List<byte[]> _chunks = [];
        private int _current = -1;
        private int _used = ChunkSize;

        public (int Chunk, int Offset) Append(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length > ChunkSize / 4)
            {
                _chunks.Add(bytes.ToArray());
                return (_chunks.Count - 1, 0);
            }
            if (_used + bytes.Length > ChunkSize)
            {
                _chunks.Add(new byte[ChunkSize]);
                _current = _chunks.Count - 1;
                _used = 0;
            }
            var at = _used;
            bytes.CopyTo(_chunks[_current].AsSpan(at));
            _used += bytes.Length;
            return (_current, at);
        }

        public ReadOnlySpan<byte> Get(int chunk, int offset, int length) => _chunks[chunk].AsSpan(offset, length);
    }
}

/// <summary>
/// The exact byte form of an id string: its UTF-8 when well-formed, else 0xFF (never in UTF-8) and its
/// UTF-16 code units, so byte equality is ordinal string equality.
/// </summary>
internal struct IdBytes
{
    private byte[]? _rented;
    private int _length;

    public readonly bool IsSet => _rented is not null;
    public readonly ReadOnlySpan<byte> Span => _rented.AsSpan(0, _length);

    public static IdBytes Of(string s)
    {
        var r = new IdBytes { _rented = ArrayPool<byte>.Shared.Rent(Math.Max(s.Length * 3 + 1, 64)) };
        var status = Utf8.FromUtf16(s, r._rented, out _, out var written, replaceInvalidSequences: false);
        if (status == OperationStatus.Done)
        {
            r._length = written;
            return r;
        }
        var raw = MemoryMarshal.AsBytes(s.AsSpan());
        if (r._rented.Length < raw.Length + 1)
        {
            ArrayPool<byte>.Shared.Return(r._rented);
            r._rented = ArrayPool<byte>.Shared.Rent(raw.Length + 1);
        }
        r._rented[0] = 0xFF;
        raw.CopyTo(r._rented.AsSpan(1));
        r._length = raw.Length + 1;
        return r;
    }

    public void Dispose()
    {
        if (_rented is not null) ArrayPool<byte>.Shared.Return(_rented);
        _rented = null;
    }
}
