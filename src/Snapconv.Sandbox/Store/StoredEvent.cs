using Snapconv.Core.Capi;

namespace Snapconv.Sandbox.Store;

/// <summary>
/// Compact in-memory form of one stored event: its JSON bytes (usually a slice of the request body,
/// shared by the whole batch) and the fields dedup and stats need. Mutated only under its pixel's lock.
/// </summary>
internal sealed class StoredEvent
{
    public required ReadOnlyMemory<byte> Json;
    public required long ReceivedAtMs;
    public required int Seq;
    public required string EventName;
    public required long EventTime;
    public ActionSourceKind Kind;
    public string? DedupId;
    public string? OrderId;
    public string? Currency;
    public decimal? Value;
    public bool HasMatchKey;
    public bool InOrderIndex;

    /// <summary>Older events with the same dedup key (a short chain; keys rarely repeat).</summary>
    public StoredEvent? NextSameKey;
    /// <summary>Older PURCHASE events with the same order id.</summary>
    public StoredEvent? NextSameOrder;
}

/// <summary>A validated live event waiting to be stored.</summary>
internal readonly record struct PendingEvent(Snapconv.Core.Validation.Wire.WireEvent Meta, ReadOnlyMemory<byte> Json);
