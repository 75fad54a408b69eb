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
    private readonly Dictionary<IdKey, int> _byKey;
    private readonly Dictionary<IdKey, int> _byOrder;
    private readonly Dictionary<IdKey, int>.AlternateLookup<IdProbe> _keyLookup;
    private readonly Dictionary<IdKey, int>.AlternateLookup<IdProbe> _orderLookup;
    private static readonly int PurchaseName = Interned.Names.Id(EventNames.Purchase);

    public DedupIndex(DedupClock clock, EventTable events)
    {
        _clock = clock;
        _events = events;
        var comparer = new IdKeyComparer(_arena);
        _byKey = new Dictionary<IdKey, int>(comparer);
        _byOrder = new Dictionary<IdKey, int>(comparer);
        _keyLookup = _byKey.GetAlternateLookup<IdProbe>();
        _orderLookup = _byOrder.GetAlternateLookup<IdProbe>();
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
        if (ids.HasDedup && _keyLookup.TryGetValue(ids.DedupProbe(candidate.Name), out var e))
        {
            for (; e >= 0; e = _events[e].NextSameKey)
                if (Math.Abs(ClockMs(_events[e]) - at) <= window && (best < 0 || e < best)) best = e;
        }
        if (candidate.Name == PurchaseName && ids.HasOrder && _orderLookup.TryGetValue(ids.OrderProbe(), out var o))
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
        ref var keyHead = ref Unsafe.NullRef<int>();
        var keyExists = false;
        if (ids.HasDedup)
        {
            keyHead = ref CollectionsMarshal.GetValueRefOrAddDefault(_keyLookup, ids.DedupProbe(candidate.Name), out keyExists);
            if (keyExists)
                for (var e = keyHead; e >= 0; e = _events[e].NextSameKey)
                    if (Math.Abs(ClockMs(_events[e]) - at) <= window && (best < 0 || e < best)) best = e;
        }
        // Separate dictionaries: adding to the order index leaves the ref into the key index valid.
        var ordered = candidate.Name == PurchaseName && ids.HasOrder;
        ref var orderHead = ref Unsafe.NullRef<int>();
        var orderExists = false;
        if (ordered)
        {
            orderHead = ref CollectionsMarshal.GetValueRefOrAddDefault(_orderLookup, ids.OrderProbe(), out orderExists);
            if (orderExists)
            {
                var orderWindow = (long)DedupWindows.PurchaseWithTransaction.TotalMilliseconds;
                for (var o = orderHead; o >= 0; o = _events[o].NextSameOrder)
                    if (Math.Abs(ClockMs(_events[o]) - at) <= orderWindow && (best < 0 || o < best)) best = o;
            }
        }
        if (best >= 0)
        {
            // A duplicate is not stored: give back the entries claimed for it (their arena bytes stay unused).
            if (ids.HasDedup && !keyExists) _keyLookup.Remove(ids.DedupProbe(candidate.Name));
            if (ordered && !orderExists) _orderLookup.Remove(ids.OrderProbe());
            return best;
        }
        candidate.NextSameKey = -1;
        candidate.NextSameOrder = -1;
        if (ids.HasDedup)
        {
            candidate.NextSameKey = keyExists ? keyHead : -1;
            keyHead = index;
        }
        if (ordered)
        {
            candidate.NextSameOrder = orderExists ? orderHead : -1;
            orderHead = index;
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
        if (ids.HasDedup)
        {
            ref var head = ref CollectionsMarshal.GetValueRefOrAddDefault(_keyLookup, ids.DedupProbe(e.Name), out var exists);
            e.NextSameKey = exists ? head : -1;
            head = index;
        }
        AddOrder(index, ids);
    }

    /// <summary>Indexes an event's order id (also after a merge gave it one).</summary>
    public void AddOrder(int index, in CandidateIds ids)
    {
        ref var e = ref _events[index];
        if (e.InOrderIndex || e.Name != PurchaseName || !ids.HasOrder) return;
        ref var head = ref CollectionsMarshal.GetValueRefOrAddDefault(_orderLookup, ids.OrderProbe(), out var exists);
        e.NextSameOrder = exists ? head : -1;
        head = index;
        e.InOrderIndex = true;
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

    /// <summary>Where an id's bytes sit in the arena, its hash, and the event name id it is paired with.</summary>
    internal readonly record struct IdKey(int Chunk, int Offset, int Length, int Hash, int Name);

    /// <summary>An id being looked up: its bytes (not yet in the arena) and name id.</summary>
    internal readonly ref struct IdProbe(ReadOnlySpan<byte> bytes, int name, int hash)
    {
        public readonly ReadOnlySpan<byte> Bytes = bytes;
        public readonly int Name = name;
        public readonly int Hash = hash;
    }

    internal sealed class IdKeyComparer(IdArena arena) : IEqualityComparer<IdKey>, IAlternateEqualityComparer<IdProbe, IdKey>
    {
        public bool Equals(IdKey x, IdKey y) =>
            x.Hash == y.Hash && x.Name == y.Name && arena.Get(x).SequenceEqual(arena.Get(y));

        public int GetHashCode(IdKey k) => k.Hash;

        public bool Equals(IdProbe probe, IdKey k) =>
            probe.Name == k.Name && probe.Bytes.SequenceEqual(arena.Get(k));

        public int GetHashCode(IdProbe probe) => probe.Hash;

        public IdKey Create(IdProbe probe)
        {
            var (chunk, offset) = arena.Append(probe.Bytes);
            return new IdKey(chunk, offset, probe.Bytes.Length, probe.Hash, probe.Name);
        }
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

        public ReadOnlySpan<byte> Get(in IdKey k) => _chunks[k.Chunk].AsSpan(k.Offset, k.Length);
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
