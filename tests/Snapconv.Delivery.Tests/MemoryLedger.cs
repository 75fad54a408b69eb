using Snapconv.Delivery.Ledger;

namespace Snapconv.Delivery.Tests;

/// <summary>
/// An in-memory <see cref="IDeliveryLedger"/> with the SQLite ledger's meaning (an event's state is its own after a
/// split, else its batch's; the latest batch of a key wins), which tests read back per event.
/// </summary>
internal sealed class MemoryLedger : IDeliveryLedger
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, LedgerState> _batches = [];
    private readonly Dictionary<EventKey, (long Batch, LedgerState? Own)> _events = [];
    private readonly HashSet<EventKey> _earlier = [];
    private long _next;

    /// <summary>Every call in order, e.g. <c>begin 1 (3)</c>, <c>ack 1</c>, <c>set 1 Rejected (1)</c>, <c>fail 1</c>.</summary>
    public List<string> Calls { get; } = [];

    /// <summary>Marks keys acknowledged by an earlier run.</summary>
    public void AcknowledgedBefore(IEnumerable<EventKey> keys)
    {
        lock (_gate) _earlier.UnionWith(keys);
    }

    /// <summary>The key's state as a next run would read it.</summary>
    public LedgerState StateOf(EventKey key)
    {
        lock (_gate)
        {
            if (_events.TryGetValue(key, out var e)) return e.Own ?? _batches[e.Batch];
            return _earlier.Contains(key) ? LedgerState.Acknowledged : LedgerState.Pending;
        }
    }

    public bool HasEvents { get { lock (_gate) return _earlier.Count > 0; } }

    public void RecordFile(string path, long size, DateTimeOffset modified, ReadOnlySpan<byte> sha256) { }

    public void FindAcknowledged(IReadOnlyList<EventKey> keys, Span<bool> acknowledged)
    {
        for (var i = 0; i < keys.Count; i++) acknowledged[i] = StateOf(keys[i]) == LedgerState.Acknowledged;
    }

    public long BeginBatch(IReadOnlyList<EventKey> keys)
    {
        lock (_gate)
        {
            var id = ++_next;
            _batches[id] = LedgerState.Sent;
            foreach (var k in keys) _events[k] = (id, null);
            Calls.Add($"begin {id} ({keys.Count})");
            return id;
        }
    }

    public void AcknowledgeBatch(long batchId)
    {
        lock (_gate)
        {
            _batches[batchId] = LedgerState.Acknowledged;
            Calls.Add($"ack {batchId}");
        }
    }

    public void SetEvents(long batchId, IReadOnlyList<EventKey> keys, LedgerState state)
    {
        lock (_gate)
        {
            foreach (var k in keys) _events[k] = (batchId, state);
            Calls.Add($"set {batchId} {state} ({keys.Count})");
        }
    }

    public void FailBatch(long batchId)
    {
        lock (_gate)
        {
            _batches[batchId] = LedgerState.Sent;
            Calls.Add($"fail {batchId}");
        }
    }

    public void Dispose() { }
}
