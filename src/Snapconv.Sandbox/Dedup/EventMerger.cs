using System.Text.Json;
using System.Text.Json.Nodes;

namespace Snapconv.Sandbox.Dedup;

/// <summary>
/// Snap's merge of a dropped duplicate into the kept event (spec §8): the kept event gains the
/// <c>user_data</c> and <c>custom_data</c> keys it lacked; keys it has are never overwritten.
/// </summary>
internal static class EventMerger
{
    private static readonly string[] MergedObjects = ["user_data", "custom_data"];

    /// <summary>The merged event JSON, or null when the duplicate added nothing.</summary>
    public static byte[]? Merge(ReadOnlyMemory<byte> kept, ReadOnlyMemory<byte> duplicate)
    {
        using var dupDoc = JsonDocument.Parse(duplicate);
        JsonObject? keptNode = null;
        var changed = false;
        foreach (var section in MergedObjects)
        {
            if (!dupDoc.RootElement.TryGetProperty(section, out var dupSection) || dupSection.ValueKind != JsonValueKind.Object)
                continue;
            foreach (var p in dupSection.EnumerateObject())
            {
                keptNode ??= JsonNode.Parse(kept.Span)!.AsObject();
                if (keptNode[section] is not JsonObject target)
                {
                    target = new JsonObject();
                    keptNode[section] = target;
                }
                if (target.ContainsKey(p.Name)) continue;
                target[p.Name] = JsonNode.Parse(p.Value.GetRawText());
                changed = true;
            }
        }
        return changed ? JsonSerializer.SerializeToUtf8Bytes(keptNode) : null;
    }
}
