namespace Snapconv.Delivery.Ledger;

/// <summary>
/// Durable record of what was delivered (ids and hashes only: never raw PII or the token). Every method is
/// one transaction, so a process killed at any point leaves each batch wholly before or after a change.
/// Thread-safe.
/// </summary>
public interface IDeliveryLedger : IDisposable
{
    /// <summary>True when the ledger holds any event (a fresh ledger needs no lookups).</summary>
    bool HasEvents { get; }

    /// <summary>Records an input file's fingerprint.</summary>
    void RecordFile(string path, long size, DateTimeOffset modified, ReadOnlySpan<byte> sha256);

    /// <summary>Sets <paramref name="acknowledged"/>[i] for every key Snap already acknowledged.</summary>
    void FindAcknowledged(IReadOnlyList<EventKey> keys, Span<bool> acknowledged);

    /// <summary>Records a batch as sent (before its request) and returns its id.</summary>
    long BeginBatch(IReadOnlyList<EventKey> keys);

    /// <summary>Marks the whole batch acknowledged.</summary>
    void AcknowledgeBatch(long batchId);

    /// <summary>Sets the state of some events of a batch (after a split).</summary>
    void SetEvents(long batchId, IReadOnlyList<EventKey> keys, LedgerState state);

    /// <summary>Marks a batch as failed after retries (its events stay due for the next run).</summary>
    void FailBatch(long batchId);
}

/// <summary>A ledger that remembers nothing (dry runs, test events, benchmarks without a ledger).</summary>
public sealed class NullLedger : IDeliveryLedger
{
    private long _next;
    /// <inheritdoc />
    public bool HasEvents => false;
    /// <inheritdoc />
    public void RecordFile(string path, long size, DateTimeOffset modified, ReadOnlySpan<byte> sha256) { }
    /// <inheritdoc />
    public void FindAcknowledged(IReadOnlyList<EventKey> keys, Span<bool> acknowledged) => acknowledged.Clear();
    /// <inheritdoc />
    public long BeginBatch(IReadOnlyList<EventKey> keys) => Interlocked.Increment(ref _next);
    /// <inheritdoc />
    public void AcknowledgeBatch(long batchId) { }
    /// <inheritdoc />
    public void SetEvents(long batchId, IReadOnlyList<EventKey> keys, LedgerState state) { }
    /// <inheritdoc />
    public void FailBatch(long batchId) { }
    /// <inheritdoc />
    public void Dispose() { }
}
