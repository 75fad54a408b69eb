namespace Snapconv.Delivery.Ledger;

/// <summary>
/// Durable record of what was delivered (ids and hashes only: never raw PII or the token). Every method is
/// one transaction, so a process killed at any point leaves each batch wholly before or after a change.
/// Thread-safe.
/// </summary>
public interface IDeliveryLedger : IDisposable
{
    /// <summary>
    /// True when the ledger holds events of earlier runs. A run never needs to look up its own events (the
    /// in-run deduper sends each once), so a fresh ledger needs no lookups at all.
    /// </summary>
    bool HasEvents { get; }

    /// <summary>Records an input file's fingerprint.</summary>
    void RecordFile(string path, long size, DateTimeOffset modified, ReadOnlySpan<byte> sha256);

    /// <summary>Sets <paramref name="acknowledged"/>[i] for every key Snap already acknowledged.</summary>
    void FindAcknowledged(IReadOnlyList<EventKey> keys, Span<bool> acknowledged);

    /// <summary>
    /// Records a batch as sent (before its request) and returns its id. Every key is put in the new batch (for a
    /// key already recorded, the later batch wins): for a ledger with one writer, whose caller looked the keys up
    /// first. A ledger that several processes share needs <see cref="ClaimBatch"/>.
    /// </summary>
    long BeginBatch(IReadOnlyList<EventKey> keys);

    /// <summary>
    /// Claims keys for a new batch recorded as sent (before its request): sets <paramref name="outcomes"/>[i] for
    /// every key and returns the batch's id, or null when no key was claimed (no batch is recorded). The caller
    /// sends only the keys marked <see cref="ClaimOutcome.Claimed"/>; a key <see cref="ClaimOutcome.HeldElsewhere"/>
    /// is neither sent nor settled by this caller (its run leaves it pending for the next one).
    /// </summary>
    /// <remarks>
    /// The default is for a ledger with one writer at a time (the SQLite ledger, behind the state directory's
    /// lock): keys Snap acknowledged in earlier runs are <see cref="ClaimOutcome.Acknowledged"/>, the rest are
    /// claimed, nothing is held elsewhere. A shared ledger decides each key in its own transaction (see the
    /// PostgreSQL ledger), so that two processes never both claim one key.
    /// </remarks>
    long? ClaimBatch(IReadOnlyList<EventKey> keys, Span<ClaimOutcome> outcomes)
    {
        if (outcomes.Length < keys.Count) throw new ArgumentException("one outcome a key is needed", nameof(outcomes));
        var claimed = new List<EventKey>(keys.Count);
        if (HasEvents)
        {
            var acked = new bool[keys.Count];
            FindAcknowledged(keys, acked);
            for (var i = 0; i < keys.Count; i++)
            {
                outcomes[i] = acked[i] ? ClaimOutcome.Acknowledged : ClaimOutcome.Claimed;
                if (!acked[i]) claimed.Add(keys[i]);
            }
        }
        else
        {
            outcomes[..keys.Count].Fill(ClaimOutcome.Claimed);
            claimed.AddRange(keys);
        }
        return claimed.Count == 0 ? null : BeginBatch(claimed);
    }

    /// <summary>Marks the whole batch acknowledged.</summary>
    void AcknowledgeBatch(long batchId);

    /// <summary>Sets the state of some events of a batch (after a split).</summary>
    void SetEvents(long batchId, IReadOnlyList<EventKey> keys, LedgerState state);

    /// <summary>Marks a batch as failed after retries (its events stay due for the next run).</summary>
    void FailBatch(long batchId);
}

/// <summary>What <see cref="IDeliveryLedger.ClaimBatch"/> decided for one key.</summary>
public enum ClaimOutcome : byte
{
    /// <summary>In the new batch: the caller sends it and settles it.</summary>
    Claimed = 0,
    /// <summary>Snap acknowledged it before: never sent again.</summary>
    Acknowledged = 1,
    /// <summary>In a batch another live process is sending (or deciding on right now): not sent by this caller, and not settled.</summary>
    HeldElsewhere = 2,
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

/// <summary>
/// The ledger's store cannot be written any more (a shared store's server went away, the session was cut): the run
/// stops, its unsettled events stay pending — retriable, the next run (on any node) resumes them (exit 4).
/// </summary>
public class LedgerUnavailableException(string message, Exception inner) : Exception(message, inner);
