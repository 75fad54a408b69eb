using System.Runtime.CompilerServices;
using Snapconv.Delivery.Batching;
using Snapconv.Delivery.Capi;

namespace Snapconv.Delivery.Splitting;

/// <summary>How a part of a batch settled.</summary>
internal enum SettlementKind
{
    /// <summary>Snap answered VALID for these events.</summary>
    Acknowledged,
    /// <summary>Snap rejected these events (each with its code and message).</summary>
    Rejected,
    /// <summary>Retries exhausted, other 4xx, a request-level 400, or one event too large: pending for the next run.</summary>
    Failed,
    /// <summary>Snap refused the token or the pixel (401/403): the run stops.</summary>
    Fatal,
}

/// <summary>An event Snap rejected, with Snap's code and message.</summary>
internal readonly record struct ApiRejection(OutgoingEvent Event, string Code, string Message);

/// <summary>
/// A part of a batch that settled: its events (for <see cref="SettlementKind.Rejected"/>, those of
/// <see cref="Rejections"/>), whether it was the whole batch answered in one request, and the answer.
/// </summary>
internal sealed record Settlement(SettlementKind Kind, IReadOnlyList<OutgoingEvent> Events, bool Whole, CapiResponse Response)
{
    /// <summary>The rejected events with Snap's reasons (Rejected only).</summary>
    public IReadOnlyList<ApiRejection> Rejections { get; init; } = [];
}

/// <summary>
/// Delivers one batch through a send function and splits it on failure (spec §6/§7): an INVALID answer naming
/// events rejects those and re-sends the rest (trusted once: if the rest fails again it is bisected down to
/// single events, and the named events are confirmed on their own, so a wrong index never drops a valid event);
/// an answer naming none, or 413, bisects. Yields each part as it settles, in order; stops when cancelled.
/// </summary>
internal sealed class BatchSplitter(Func<IReadOnlyList<OutgoingEvent>, CancellationToken, Task<CapiResponse>> send)
{
    /// <summary>Sends <paramref name="batch"/> and yields how each of its parts settled.</summary>
    public IAsyncEnumerable<Settlement> DeliverAsync(OutgoingBatch batch, CancellationToken ct) =>
        DeliverAsync(batch.Events, whole: true, distrustIndex: false, ct);

    private async IAsyncEnumerable<Settlement> DeliverAsync(IReadOnlyList<OutgoingEvent> items, bool whole, bool distrustIndex,
        [EnumeratorCancellation] CancellationToken ct)
    {
        if (ct.IsCancellationRequested) yield break;
        var r = await send(items, ct).ConfigureAwait(false);
        switch (r.Kind)
        {
            case ResponseKind.Acknowledged:
                yield return new Settlement(SettlementKind.Acknowledged, items, whole, r);
                yield break;
            case ResponseKind.Fatal:
                yield return new Settlement(SettlementKind.Fatal, items, whole, r);
                yield break;
            case ResponseKind.TooLarge when items.Count > 1:
                await foreach (var s in BisectAsync(items, ct).ConfigureAwait(false)) yield return s;
                yield break;
            case ResponseKind.Invalid:
                await foreach (var s in SplitAsync(items, r, distrustIndex, ct).ConfigureAwait(false)) yield return s;
                yield break;
            default:
                yield return new Settlement(SettlementKind.Failed, items, whole, r);
                yield break;
        }
    }

    private async IAsyncEnumerable<Settlement> SplitAsync(IReadOnlyList<OutgoingEvent> items, CapiResponse r, bool distrustIndex,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var n = items.Count;
        var errors = new Dictionary<int, EventError>();
        foreach (var e in r.Errors)
            if (e.Index >= 0 && e.Index < n) errors.TryAdd(e.Index, e);
        if (n == 1)
        {
            var e = errors.GetValueOrDefault(0);
            yield return Rejected(r, [new ApiRejection(items[0], e?.Code is { Length: > 0 } c ? c : r.Code ?? "400",
                e?.Message is { Length: > 0 } m ? m : r.Message ?? "event rejected")]);
            yield break;
        }
        if (errors.Count == n)
        {
            // Every position is named: no event can be misattributed.
            yield return Rejected(r, errors.Values.Select(e => new ApiRejection(items[e.Index], e.Code, e.Message)).ToList());
            yield break;
        }
        if (errors.Count == 0 || distrustIndex)
        {
            await foreach (var s in BisectAsync(items, ct).ConfigureAwait(false)) yield return s;
            yield break;
        }
        var good = new List<OutgoingEvent>(n - errors.Count);
        var bad = new List<OutgoingEvent>(errors.Count);
        for (var i = 0; i < n; i++) (errors.ContainsKey(i) ? bad : good).Add(items[i]);
        // The remainder is only presumed valid: if it fails again, it is bisected down to single events.
        await foreach (var s in DeliverAsync(good, false, distrustIndex: true, ct).ConfigureAwait(false)) yield return s;
        // Confirm the named events on their own, so a wrong index never drops a valid event.
        await foreach (var s in DeliverAsync(bad, false, distrustIndex: false, ct).ConfigureAwait(false)) yield return s;
    }

    private async IAsyncEnumerable<Settlement> BisectAsync(IReadOnlyList<OutgoingEvent> items, [EnumeratorCancellation] CancellationToken ct)
    {
        var half = items.Count / 2;
        await foreach (var s in DeliverAsync(items.Take(half).ToArray(), false, false, ct).ConfigureAwait(false)) yield return s;
        await foreach (var s in DeliverAsync(items.Skip(half).ToArray(), false, false, ct).ConfigureAwait(false)) yield return s;
    }

    private static Settlement Rejected(CapiResponse r, IReadOnlyList<ApiRejection> rejected) =>
        new(SettlementKind.Rejected, rejected.Select(x => x.Event).ToList(), false, r) { Rejections = rejected };
}
