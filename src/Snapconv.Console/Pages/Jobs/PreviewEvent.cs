using System.Text.Json;

namespace Snapconv.Console.Pages.Jobs;

/// <summary>A preview event as one table row: its name, time, which identifiers it carries (names only, never values) and its value.</summary>
public sealed record PreviewEvent(string Name, string Time, IReadOnlyList<string> Identifiers, string Value)
{
    /// <summary>Reads a CAPI event object (as it would be sent).</summary>
    public static PreviewEvent From(JsonElement e)
    {
        string? S(JsonElement o, string k) => o.ValueKind == JsonValueKind.Object && o.TryGetProperty(k, out var v) ? Ui.Text(v) : null;
        var time = "";
        if (e.TryGetProperty("event_time", out var t) && t.TryGetInt64(out var n))
        {
            // Snap takes seconds or milliseconds since 1970.
            var at = n > 100_000_000_000 ? DateTimeOffset.FromUnixTimeMilliseconds(n) : DateTimeOffset.FromUnixTimeSeconds(n);
            time = Ui.TimeSeconds(at);
        }
        var ids = e.TryGetProperty("user_data", out var u) && u.ValueKind == JsonValueKind.Object
            ? u.EnumerateObject().Select(p => p.Name).ToList() : [];
        var custom = e.TryGetProperty("custom_data", out var c) ? c : default;
        var value = S(custom, "value") is { Length: > 0 } v ? (v + " " + (S(custom, "currency") ?? "")).Trim() : "";
        return new PreviewEvent(S(e, "event_name") ?? "", time, ids, value);
    }
}
