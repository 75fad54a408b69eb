using System.Collections.Concurrent;
using Snapconv.Delivery.Batching;
using Snapconv.Delivery.Ledger;
using Snapconv.Delivery.Splitting;
using Snapconv.Delivery.Upload;

namespace Snapconv.Delivery.Acknowledgement;

/// <summary>
/// Keeps the ledger in step with delivery, per event (style rule 5): a batch is recorded 'sent' before its
/// request, skipping events earlier runs had acknowledged; each settled part then sets its events' state —
/// acknowledged, rejected (kept with Snap's reason for the rejects file) or left due for the next run. Counts
/// every event in <see cref="DeliveryStats"/>. Thread-safe (one call per batch at a time, many batches at once).
/// </summary>
internal sealed class LedgerAcknowledger(IDeliveryLedger ledger, bool isLive, DeliveryStats stats)
{
    private readonly ConcurrentQueue<ApiRejection> _rejections = new();

    /// <summary>Events Snap rejected, in the order they settled.</summary>
    public IEnumerable<ApiRejection> Rejections => _rejections;

    /// <summary>
    /// Drops events already acknowledged by earlier runs and records the rest as a batch 'sent' — before its
    /// request. Null when nothing is left to send.
    /// </summary>
    public OutgoingBatch? Begin(List<OutgoingEvent> items)
    {
        if (ledger.HasEvents)
        {
            var keys = items.ConvertAll(x => x.Key);
            var acked = new bool[keys.Count];
            ledger.FindAcknowledged(keys, acked);
            var kept = new List<OutgoingEvent>(items.Count);
            for (var i = 0; i < items.Count; i++)
                if (acked[i]) Interlocked.Increment(ref stats.SkippedCount);
                else kept.Add(items[i]);
            items = kept;
        }
        if (items.Count == 0) return null;
        var id = ledger.BeginBatch(Keys(items));
        Interlocked.Add(ref stats.SentCount, items.Count);
        return new OutgoingBatch(id, items.ToArray());
    }

    /// <summary>Records how a part of <paramref name="batch"/> settled (not <see cref="SettlementKind.Fatal"/>: the sink stops).</summary>
    public void Record(OutgoingBatch batch, Settlement s)
    {
        switch (s.Kind)
        {
            case SettlementKind.Acknowledged:
                if (isLive)
                {
                    if (s.Whole) ledger.AcknowledgeBatch(batch.LedgerId);
                    else ledger.SetEvents(batch.LedgerId, Keys(s.Events), LedgerState.Acknowledged);
                }
                Interlocked.Add(ref stats.AcknowledgedCount, s.Events.Count);
                return;
            case SettlementKind.Rejected:
                foreach (var x in s.Rejections) _rejections.Enqueue(x);
                Interlocked.Add(ref stats.RejectedCount, s.Rejections.Count);
                if (isLive) ledger.SetEvents(batch.LedgerId, Keys(s.Events), LedgerState.Rejected);
                return;
            case SettlementKind.Failed:
                // Part of a split batch failing leaves its events 'sent' with the batch: due for the next run.
                Interlocked.Add(ref stats.FailedCount, s.Events.Count);
                if (s.Whole) ledger.FailBatch(batch.LedgerId);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(s), s.Kind, "A fatal answer stops the run; it settles nothing.");
        }
    }

    private static List<EventKey> Keys(IReadOnlyList<OutgoingEvent> items)
    {
        var keys = new List<EventKey>(items.Count);
        foreach (var e in items) keys.Add(e.Key);
        return keys;
    }
}
