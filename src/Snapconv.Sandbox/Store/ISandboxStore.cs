using System.Text;
using System.Text.Json;

namespace Snapconv.Sandbox.Store;

/// <summary>
/// Read side of the sandbox's live event store (spec §11.10): what tests and the inspection endpoints see.
/// Thread-safe. Unknown pixels read as empty.
/// </summary>
public interface ISandboxStore
{
    /// <summary>Pixels the store serves.</summary>
    IReadOnlyCollection<string> PixelIds { get; }

    /// <summary>Number of stored (kept, deduplicated) live events of <paramref name="pixelId"/>.</summary>
    int Count(string pixelId);

    /// <summary>Stored events, oldest first, as merged with later duplicates.</summary>
    IReadOnlyList<SandboxStoredEvent> GetEvents(string pixelId, int offset = 0, int limit = int.MaxValue);

    /// <summary>Live-traffic counters of <paramref name="pixelId"/>.</summary>
    SandboxCounters GetCounters(string pixelId);
}

/// <summary>One stored live event.</summary>
/// <param name="ReceivedAt">Arrival on the sandbox's clock.</param>
/// <param name="Json">The event as stored: event_name upper case, digests lower case, merged keys added.</param>
public sealed record SandboxStoredEvent(DateTimeOffset ReceivedAt, ReadOnlyMemory<byte> Json)
{
    /// <summary>The event JSON as text.</summary>
    public string JsonText => Encoding.UTF8.GetString(Json.Span);

    /// <summary>Parses the event (caller disposes).</summary>
    public JsonDocument Parse() => JsonDocument.Parse(Json);
}

/// <summary>Live-traffic counts of one pixel.</summary>
/// <param name="Received">Events in live requests that reached validation.</param>
/// <param name="Stored">Events kept.</param>
/// <param name="Duplicates">Valid events dropped as duplicates of a stored one (still answered VALID).</param>
/// <param name="Invalid">Events that failed validation.</param>
public readonly record struct SandboxCounters(long Received, long Stored, long Duplicates, long Invalid);
