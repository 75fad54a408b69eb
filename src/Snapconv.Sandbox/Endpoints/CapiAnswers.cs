using System.Text.Json;
using Snapconv.Core.Capi;
using Snapconv.Sandbox.Store;

namespace Snapconv.Sandbox.Endpoints;

/// <summary>The CAPI answer bodies (spec §6): INVALID with event logs, validate, test-event logs, stats.</summary>
internal static class CapiAnswers
{
    public static Task InvalidAsync(HttpContext ctx, List<(int Index, Reason[] Errors)> failures) =>
        JsonResponses.WriteAsync(ctx, StatusCodes.Status400BadRequest, w =>
        {
            w.WriteStartObject();
            w.WriteString("status"u8, "INVALID");
            w.WriteString("reason"u8, JsonResponses.InvalidReason);
            w.WriteNumber("event"u8, failures[0].Index);
            JsonResponses.WriteErrors(w, failures[0].Errors);
            w.WriteStartArray("event_logs"u8);
            foreach (var (index, errs) in failures)
            {
                w.WriteStartObject();
                w.WriteNumber("event"u8, index);
                w.WriteString("status"u8, "INVALID");
                JsonResponses.WriteErrors(w, errs);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });

    public static Task ValidateAsync(HttpContext ctx, int count, List<(int Index, Reason[] Errors)>? failures,
        Reason[]?[] warnings) =>
        JsonResponses.WriteAsync(ctx, failures is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest, w =>
        {
            w.WriteStartObject();
            w.WriteString("status"u8, failures is null ? "VALID" : "INVALID");
            w.WriteBoolean("test_event"u8, true);
            w.WriteString("reason"u8, failures is null ? JsonResponses.ValidReason : JsonResponses.InvalidReason);
            w.WriteStartArray("event_logs"u8);
            var f = 0;
            for (var i = 0; i < count; i++)
            {
                Reason[]? errs = null;
                if (failures is not null && f < failures.Count && failures[f].Index == i) errs = failures[f++].Errors;
                w.WriteStartObject();
                w.WriteNumber("event"u8, i);
                w.WriteString("status"u8, errs is null ? "VALID" : "INVALID");
                if (errs is not null) JsonResponses.WriteErrors(w, errs);
                if (warnings[i] is { Length: > 0 } ws)
                {
                    w.WriteStartArray("warnings"u8);
                    foreach (var x in ws) w.WriteStringValue(x.AsWarningText());
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });

    public static Task LogsAsync(HttpContext ctx, string pixelId, IReadOnlyList<TestLogEntry> logs) =>
        JsonResponses.WriteAsync(ctx, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("status"u8, "SUCCESS");
            w.WriteString("reason"u8, "Test event logs of the last 24 hours.");
            w.WriteStartArray("logs"u8);
            foreach (var l in logs)
            {
                w.WriteStartObject();
                // As Snap's v3 OpenAPI (GetLogsResponse): strings or absent, never null (#15).
                WriteIfPresent(w, "event_name"u8, l.EventName ?? l.RawEventName);
                WriteIfPresent(w, "raw_event_name"u8, l.RawEventName);
                w.WriteString("event_time"u8, l.EventTime);
                WriteIfPresent(w, "action_source"u8, l.ActionSource);
                w.WriteString("status"u8, l.Valid ? "VALID" : "INVALID");
                WriteIfPresent(w, "integration"u8, l.Integration);
                w.WriteString("asset_id"u8, pixelId);
                // error_records and warning_records are arrays of strings, one "REASON: message" each.
                w.WriteStartArray("error_records"u8);
                foreach (var e in l.Errors) w.WriteStringValue(e.AsWarningText());
                w.WriteEndArray();
                w.WriteStartArray("warning_records"u8);
                foreach (var x in l.Warnings) w.WriteStringValue(x.AsWarningText());
                w.WriteEndArray();
                w.WriteStartObject("event_metadata"u8);
                w.WriteString("pixel_id"u8, pixelId);
                w.WritePropertyName("conversion_info"u8);
                if (l.CustomData.IsEmpty) { w.WriteStartObject(); w.WriteEndObject(); }
                else w.WriteRawValue(l.CustomData.Span, skipInputValidation: true);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });

    public static Task StatsAsync(HttpContext ctx, (int Count, long? Latest) test, (int Count, long? Latest) live) =>
        JsonResponses.WriteAsync(ctx, StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("status"u8, "SUCCESS");
            w.WriteString("reason"u8, "Event counts of the past hour.");
            w.WriteStartObject("stats"u8);
            WriteCount(w, "test"u8, test);
            WriteCount(w, "live"u8, live);
            w.WriteEndObject();
            w.WriteEndObject();
        });

    private static void WriteCount(Utf8JsonWriter w, ReadOnlySpan<byte> name, (int Count, long? Latest) c)
    {
        w.WriteStartObject(name);
        w.WriteNumber("event_count_past_hour"u8, c.Count);
        if (c.Latest is { } ts) w.WriteNumber("latest_event_ts"u8, ts); else w.WriteNull("latest_event_ts"u8);
        w.WriteEndObject();
    }

    private static void WriteIfPresent(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }
}
