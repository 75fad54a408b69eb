using System.Globalization;
using Snapconv.Sandbox.Store;

namespace Snapconv.Sandbox.Endpoints;

/// <summary>
/// Sandbox-only inspection (spec §11.9): stored events, stats and breakdowns, health. No auth, no
/// rate limit, no faults.
/// </summary>
internal sealed class InspectionEndpoints(SandboxRuntime rt)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 10_000;

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (HttpContext ctx) => JsonResponses.WriteAsync(ctx, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("status"u8, "ok");
            w.WriteEndObject();
        }));
        app.MapGet("/sandbox/pixels/{pixelId}/events", EventsAsync);
        app.MapGet("/sandbox/pixels/{pixelId}/stats", StatsAsync);
    }

    private Task EventsAsync(HttpContext ctx, string pixelId)
    {
        if (!rt.Store.Contains(pixelId)) return UnknownPixel(ctx);
        if (!TryInt(ctx, "limit", DefaultLimit, out var limit) || limit < 0)
            return JsonResponses.ReasonAsync(ctx, StatusCodes.Status400BadRequest, "limit must be an integer from 0 to 10000.");
        if (!TryInt(ctx, "offset", 0, out var offset) || offset < 0)
            return JsonResponses.ReasonAsync(ctx, StatusCodes.Status400BadRequest, "offset must be a non-negative integer.");
        limit = Math.Min(limit, MaxLimit);
        var total = rt.Store.Count(pixelId);
        var events = rt.Store.GetEvents(pixelId, offset, limit);
        return JsonResponses.WriteAsync(ctx, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("pixel_id"u8, pixelId);
            w.WriteNumber("total"u8, total);
            w.WriteNumber("offset"u8, offset);
            w.WriteNumber("limit"u8, limit);
            w.WriteStartArray("events"u8);
            foreach (var e in events)
            {
                w.WriteStartObject();
                w.WriteNumber("received_at"u8, e.ReceivedAt.ToUnixTimeSeconds());
                w.WritePropertyName("event"u8);
                w.WriteRawValue(e.Json.Span, skipInputValidation: true);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private Task StatsAsync(HttpContext ctx, string pixelId)
    {
        if (!rt.Store.Contains(pixelId)) return UnknownPixel(ctx);
        var types = new List<ConversionSourceType>();
        var raw = ctx.Request.Query["conversion_source_types"].ToString();
        foreach (var part in (string.IsNullOrWhiteSpace(raw) ? "total" : raw).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!ConversionSourceTypes.TryParse(part, out var t))
                return JsonResponses.ReasonAsync(ctx, StatusCodes.Status400BadRequest,
                    "conversion_source_types must list offline, web, total_off_platform or total.");
            if (!types.Contains(t)) types.Add(t);
        }
        if (types.Count == 0) types.Add(ConversionSourceType.Total);
        var s = rt.Store.GetStats(pixelId, types);
        return JsonResponses.WriteAsync(ctx, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("pixel_id"u8, pixelId);
            w.WriteNumber("received"u8, s.Counters.Received);
            w.WriteNumber("stored"u8, s.Counters.Stored);
            w.WriteNumber("duplicates"u8, s.Counters.Duplicates);
            w.WriteNumber("invalid"u8, s.Counters.Invalid);
            w.WriteStartObject("by_event_name"u8);
            foreach (var (name, n) in s.ByEventName) w.WriteNumber(name, n);
            w.WriteEndObject();
            w.WriteNumber("match_keys"u8, s.MatchKeyShare);
            w.WriteNumber("coverage"u8, s.MatchKeyShare);
            w.WriteStartArray("breakdown"u8);
            foreach (var b in s.Breakdown)
            {
                w.WriteStartObject();
                w.WriteString("conversion_source_type"u8, b.Type.Name());
                w.WriteNumber("total"u8, b.Total);
                w.WriteStartObject("by_event_name"u8);
                foreach (var (name, n) in b.ByEventName) w.WriteNumber(name, n);
                w.WriteEndObject();
                w.WriteStartObject("value_by_currency"u8);
                foreach (var (cur, v) in b.ValueByCurrency) w.WriteNumber(cur, v);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("total"u8, s.Breakdown[0].Total);
            w.WriteEndObject();
        });
    }

    private static Task UnknownPixel(HttpContext ctx) =>
        JsonResponses.ReasonAsync(ctx, StatusCodes.Status404NotFound, "Unknown pixel.");

    private static bool TryInt(HttpContext ctx, string name, int fallback, out int value)
    {
        var raw = ctx.Request.Query[name].ToString();
        if (string.IsNullOrEmpty(raw)) { value = fallback; return true; }
        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
