namespace Snapconv.Delivery.Batching;

/// <summary>Options of the batcher: the two caps of one request.</summary>
/// <param name="MaxEvents">Events per request (Snap's limit is 2,000).</param>
/// <param name="MaxBodyBytes">Body cap per request, envelope included.</param>
internal sealed record BatchCaps(int MaxEvents, int MaxBodyBytes);

/// <summary>
/// Cuts the event stream into requests of at most <see cref="BatchCaps.MaxEvents"/> events and
/// <see cref="BatchCaps.MaxBodyBytes"/> bytes (spec §7). An event larger than the cap alone goes alone (Snap
/// answers 413; it stays pending). One writer; not thread-safe.
/// </summary>
internal sealed class EventBatcher(BatchCaps caps, RequestEnvelope envelope)
{
    private readonly long _cap = caps.MaxBodyBytes - envelope.Overhead;
    private List<OutgoingEvent> _current = [];
    private long _currentBytes;

    /// <summary>Events waiting for the next batch.</summary>
    public int Count => _current.Count;

    /// <summary>Adds an event; returns a batch that is complete (by count or bytes), else null.</summary>
    public List<OutgoingEvent>? Add(OutgoingEvent item)
    {
        List<OutgoingEvent>? ready = null;
        if (_current.Count > 0 && _currentBytes + item.Json.Length + 1 > _cap) ready = Take();
        _current.Add(item);
        _currentBytes += item.Json.Length + 1;
        // With one event a batch the byte cut above never has a full batch waiting: at most one batch comes out.
        if (_current.Count >= caps.MaxEvents) ready = Take();
        return ready;
    }

    /// <summary>The events still waiting (the last batch), or null when none.</summary>
    public List<OutgoingEvent>? Flush() => _current.Count > 0 ? Take() : null;

    private List<OutgoingEvent> Take()
    {
        var items = _current;
        _current = new List<OutgoingEvent>(Math.Min(caps.MaxEvents, 4096));
        _currentBytes = 0;
        return items;
    }
}
