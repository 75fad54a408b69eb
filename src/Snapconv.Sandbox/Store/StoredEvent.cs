using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Snapconv.Core.Capi;

namespace Snapconv.Sandbox.Store;

/// <summary>
/// Compact in-memory form of one stored event, kept by value in <see cref="EventTable"/> chunks. It holds no
/// object references (the GC never scans the table): the JSON is a slice of a per-pixel body array
/// (<see cref="Body"/>), names and currencies are ids in <see cref="Interned"/>. Its index is its sequence
/// number. Mutated only under its pixel's lock.
/// </summary>
internal struct StoredEvent
{
    public int Body;
    public int JsonOffset;
    public int JsonLength;
    public long ReceivedAtMs;
    public long EventTime;
    public decimal Value;
    public bool HasValue;
    public bool HasMatchKey;
    public bool HasOrderId;
    public bool InOrderIndex;
    public ActionSourceKind Kind;
    public int Name;
    /// <summary>Currency id in <see cref="Interned.Currencies"/>, or -1.</summary>
    public int Currency;
    /// <summary>Older event (index) with the same dedup key, or -1 (a short chain; keys rarely repeat).</summary>
    public int NextSameKey;
    /// <summary>Older PURCHASE event (index) with the same order id, or -1.</summary>
    public int NextSameOrder;
}

/// <summary>Process-wide string ↔ id tables for the few distinct event names and currencies.</summary>
internal sealed class Interned
{
    public static readonly Interned Names = new();
    public static readonly Interned Currencies = new();

    private readonly ConcurrentDictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private volatile string[] _strings = [];

    public int Id(string s)
    {
        if (_ids.TryGetValue(s, out var id)) return id;
        lock (_gate)
        {
            if (_ids.TryGetValue(s, out id)) return id;
            var strings = _strings;
            id = strings.Length;
            _strings = [.. strings, s];
            _ids[s] = id;
            return id;
        }
    }

    public string this[int id] => _strings[id];
}

/// <summary>
/// Append-only table of stored events in fixed-size chunks (no copy on growth, no references inside),
/// plus the per-pixel list of body arrays the events slice.
/// </summary>
internal sealed class EventTable
{
    private const int ChunkBits = 13;
    private const int ChunkSize = 1 << ChunkBits;
    private readonly List<StoredEvent[]> _chunks = [];
    private readonly List<byte[]> _bodies = [];

    public int Count { get; private set; }

    public ref StoredEvent this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref _chunks[index >> ChunkBits][index & (ChunkSize - 1)];
    }

    /// <summary>Appends a zeroed event; returns its index.</summary>
    public int Add()
    {
        if ((Count & (ChunkSize - 1)) == 0 && Count >> ChunkBits == _chunks.Count) _chunks.Add(new StoredEvent[ChunkSize]);
        return Count++;
    }

    private byte[]? _hotBody;
    private int _hotBodyId;

    /// <summary>
    /// Keeps <paramref name="body"/>; returns its id. A request body shared by a batch's events (interleaved
    /// with small canonical copies) is added once.
    /// </summary>
    private int AddBody(byte[] body)
    {
        if (ReferenceEquals(body, _hotBody)) return _hotBodyId;
        _bodies.Add(body);
        var id = _bodies.Count - 1;
        if (body.Length >= 4096)
        {
            _hotBody = body;
            _hotBodyId = id;
        }
        return id;
    }

    public ReadOnlyMemory<byte> Json(in StoredEvent e) => _bodies[e.Body].AsMemory(e.JsonOffset, e.JsonLength);

    /// <summary>Points <paramref name="e"/> at <paramref name="json"/> (a body or a slice of one).</summary>
    public void SetJson(ref StoredEvent e, ReadOnlyMemory<byte> json)
    {
        if (!System.Runtime.InteropServices.MemoryMarshal.TryGetArray(json, out var seg)) seg = json.ToArray();
        e.Body = AddBody(seg.Array!);
        e.JsonOffset = seg.Offset;
        e.JsonLength = seg.Count;
    }
}

/// <summary>A validated live event waiting to be stored.</summary>
internal readonly record struct PendingEvent(Snapconv.Core.Validation.Wire.WireEvent Meta, ReadOnlyMemory<byte> Json);
