using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Snapconv.Core.Capi;
using Snapconv.Core.Validation.Wire;
using Snapconv.Sandbox.Faults;
using Snapconv.Sandbox.Store;

namespace Snapconv.Sandbox.Endpoints;

/// <summary>
/// Snap's CAPI v3 paths (spec §1, §6, §11): events, validate, logs, stats, and the v2 tombstone.
/// Order per request: auth → rate limit → fault → validate → store → lost ack.
/// </summary>
internal sealed class CapiEndpoints(SandboxRuntime rt)
{
    /// <summary>Snap's limit of events per request (seed).</summary>
    public const int MaxEvents = 2_000;

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v3/{pixelId}/events", (HttpContext ctx, string pixelId) => EventsAsync(ctx, pixelId, validateOnly: false));
        app.MapPost("/v3/{pixelId}/events/validate", (HttpContext ctx, string pixelId) => EventsAsync(ctx, pixelId, validateOnly: true));
        app.MapGet("/v3/{pixelId}/events/validate/logs", (HttpContext ctx, string pixelId) => LogsAsync(ctx, pixelId));
        app.MapGet("/v3/{pixelId}/events/validate/stats", (HttpContext ctx, string pixelId) => StatsAsync(ctx, pixelId));
        app.MapPost("/v2/conversion", V2Async);
    }

    private async Task EventsAsync(HttpContext ctx, string pixelId, bool validateOnly)
    {
        var started = Stopwatch.GetTimestamp();
        var events = 0;
        try
        {
            if (!await AuthorizeAsync(ctx, pixelId) || !await GateAsync(ctx, pixelId)) return;
            events = await ProcessAsync(ctx, pixelId, validateOnly);
        }
        finally
        {
            LogRequest(ctx, pixelId, events, started);
        }
    }

    private async Task<int> ProcessAsync(HttpContext ctx, string pixelId, bool validateOnly)
    {
        byte[]? body;
        try
        {
            body = await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted);
        }
        catch (EndOfStreamException)
        {
            await JsonResponses.ErrorAsync(ctx, StatusCodes.Status400BadRequest, Reason.InvalidRequestBodyJson);
            return 0;
        }
        if (body is null)
        {
            await JsonResponses.ReasonAsync(ctx, StatusCodes.Status413RequestEntityTooLarge,
                $"Request body exceeds {RequestBody.MaxBytes} bytes.");
            return 0;
        }

        if (!validateOnly)
        {
            // Fast path for the usual live request: one reader pass, no document (the answers are the validator's).
            var slots = ArrayPool<WireEventSlice>.Shared.Rent(MaxEvents);
            try
            {
                if (WireBatchScanner.TryScan(body, slots.AsSpan(0, MaxEvents), out var scanned))
                {
                    await HandleBatchAsync(ctx, pixelId, body, new BatchEvents(slots, scanned), validateOnly: false, allTest: false);
                    return scanned;
                }
            }
            finally
            {
                ArrayPool<WireEventSlice>.Shared.Return(slots, clearArray: true);
            }
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body.AsMemory());
        }
        catch (JsonException)
        {
            await JsonResponses.ErrorAsync(ctx, StatusCodes.Status400BadRequest, Reason.InvalidRequestBodyJson);
            return 0;
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("data"u8, out var data)
                || data.ValueKind != JsonValueKind.Array || data.GetArrayLength() == 0)
            {
                await JsonResponses.ErrorAsync(ctx, StatusCodes.Status400BadRequest, Reason.InvalidRequestBodyJson);
                return 0;
            }
            var count = data.GetArrayLength();
            if (count > MaxEvents)
            {
                await JsonResponses.ErrorAsync(ctx, StatusCodes.Status400BadRequest, Reason.TooManyEvents);
                return count;
            }
            var rootTest = root.TryGetProperty("test_event_code"u8, out var tc) && tc.ValueKind == JsonValueKind.String
                && !string.IsNullOrWhiteSpace(tc.GetString());
            await HandleBatchAsync(ctx, pixelId, body, new BatchEvents(data, count), validateOnly, validateOnly || rootTest);
            return count;
        }
    }

    /// <summary>A request's events: elements of a parsed document, or slots of a scanned body.</summary>
    private readonly struct BatchEvents
    {
        private readonly JsonElement _data;
        private readonly WireEventSlice[]? _slots;

        public BatchEvents(JsonElement data, int count) => (_data, Count) = (data, count);

        public BatchEvents(WireEventSlice[] slots, int count) => (_slots, Count) = (slots, count);

        public int Count { get; }

        /// <summary>The slots when scanned (each either checked or to be parsed alone), else null.</summary>
        public WireEventSlice[]? Slots => _slots;

        public JsonElement.ArrayEnumerator Elements => _data.EnumerateArray();
    }

    private async Task HandleBatchAsync(HttpContext ctx, string pixelId, byte[] body, BatchEvents events,
        bool validateOnly, bool allTest)
    {
        var count = events.Count;
        var nowMs = rt.NowMs;
        var pending = ArrayPool<PendingEvent>.Shared.Rent(count);
        var state = new BatchState(pending, validateOnly ? new Reason[]?[count] : null);
        try
        {
            if (events.Slots is { } slots)
            {
                for (var i = 0; i < count; i++)
                {
                    var slot = slots[i];
                    if (slot.Checked)
                    {
                        state.LiveReceived++;
                        pending[state.PendingCount++] = new PendingEvent(slot.Meta, body.AsMemory(slot.Offset, slot.Length));
                        continue;
                    }
                    // Not on the fast path (an error, an unusual shape): the validator decides, on this event alone.
                    using var one = JsonDocument.Parse(body.AsMemory(slot.Offset, slot.Length));
                    Classify(state, body, one.RootElement, i, allTest, nowMs);
                }
            }
            else
            {
                var i = 0;
                foreach (var ev in events.Elements) Classify(state, body, ev, i++, allTest, nowMs);
            }

            if (state.TestLogs is not null) rt.Store.AddTestLogs(pixelId, state.TestLogs, nowMs);

            var stored = false;
            if (state.LiveReceived > 0)
            {
                if (state.Failures is null || rt.Options.PartialBatches == PartialBatchMode.Accept)
                {
                    rt.Store.Commit(pixelId, state.LiveReceived, state.LiveInvalid, pending.AsSpan(0, state.PendingCount), nowMs);
                    stored = state.PendingCount > 0;
                }
                else rt.Store.CountRejected(pixelId, state.LiveReceived, state.LiveInvalid);
            }

            if (stored)
            {
                switch (rt.Faults.LostAck.Decide())
                {
                    case LostAck.Abort:
                        ctx.Abort();
                        return;
                    case LostAck.ServiceUnavailable:
                        await JsonResponses.ReasonAsync(ctx, StatusCodes.Status503ServiceUnavailable, "Service temporarily unavailable.");
                        return;
                }
            }

            if (validateOnly) await WriteValidateAsync(ctx, count, state.Failures, state.WarningsByEvent!);
            else if (state.Failures is null) await JsonResponses.SuccessAsync(ctx);
            else await WriteInvalidAsync(ctx, state.Failures);
        }
        finally
        {
            ArrayPool<PendingEvent>.Shared.Return(pending, clearArray: true);
        }
    }

    /// <summary>What a request's events came to so far.</summary>
    private sealed class BatchState(PendingEvent[] pending, Reason[]?[]? warningsByEvent)
    {
        public readonly PendingEvent[] Pending = pending;
        public readonly Reason[]?[]? WarningsByEvent = warningsByEvent;
        public readonly List<Reason> Errors = new(8);
        public int PendingCount;
        public List<(int Index, Reason[] Errors)>? Failures;
        public List<TestLogEntry>? TestLogs;
        public List<Reason>? ValidateWarnings;
        public int LiveReceived, LiveInvalid;
    }

    /// <summary>Validates one event with <see cref="WireEventValidator"/> and files it: failure, test log, or pending store.</summary>
    private void Classify(BatchState state, byte[] body, JsonElement ev, int i, bool allTest, long nowMs)
    {
        var errors = state.Errors;
        errors.Clear();
        var meta = WireEventValidator.Validate(ev, errors);
        var isTest = allTest || meta.TestEventCode is not null;
        if (!meta.IsValid) (state.Failures ??= []).Add((i, errors.ToArray()));
        if (isTest)
        {
            var warnings = state.ValidateWarnings ??= new List<Reason>(3);
            warnings.Clear();
            if (meta.EventTimeSeconds > 0) rt.TimeRules.AddWarnings(meta.EventTimeSeconds, warnings);
            var warningArray = warnings.Count == 0 ? [] : warnings.ToArray();
            if (state.WarningsByEvent is not null) state.WarningsByEvent[i] = warningArray;
            (state.TestLogs ??= []).Add(ToLogEntry(ev, meta, nowMs, meta.IsValid ? [] : errors.ToArray(), warningArray));
        }
        else
        {
            state.LiveReceived++;
            if (!meta.IsValid) state.LiveInvalid++;
            else state.Pending[state.PendingCount++] = new PendingEvent(meta, StoredForm(body, ev, meta));
        }
    }

    /// <summary>The event's bytes as stored: a slice of the body, or a canonical copy when case differs.</summary>
    private static ReadOnlyMemory<byte> StoredForm(byte[] body, JsonElement ev, WireEvent meta)
    {
        if (meta.NeedsCanonicalForm)
        {
            var buffer = new ArrayBufferWriter<byte>(512);
            using (var w = new Utf8JsonWriter(buffer)) WireEventValidator.WriteCanonical(w, ev);
            return buffer.WrittenSpan.ToArray();
        }
        var raw = JsonMarshal.GetRawUtf8Value(ev);
        var offset = (int)Unsafe.ByteOffset(ref MemoryMarshal.GetArrayDataReference(body), ref MemoryMarshal.GetReference(raw));
        return body.AsMemory(offset, raw.Length);
    }

    private static TestLogEntry ToLogEntry(JsonElement ev, WireEvent meta, long nowMs, Reason[] errors, Reason[] warnings)
    {
        string eventTime = "";
        string? integration = null;
        ReadOnlyMemory<byte> custom = default;
        if (ev.ValueKind == JsonValueKind.Object)
        {
            if (ev.TryGetProperty("event_time"u8, out var t))
                eventTime = t.ValueKind == JsonValueKind.String ? t.GetString()! : t.ValueKind == JsonValueKind.Number ? t.GetRawText() : "";
            if (ev.TryGetProperty("integration"u8, out var n) && n.ValueKind == JsonValueKind.String) integration = n.GetString();
            if (ev.TryGetProperty("custom_data"u8, out var c) && c.ValueKind == JsonValueKind.Object)
                custom = JsonMarshal.GetRawUtf8Value(c).ToArray();
        }
        return new TestLogEntry(nowMs, meta.EventName, meta.RawEventName, eventTime, meta.RawActionSource, meta.IsValid,
            integration, errors, warnings, custom);
    }

    private static Task WriteInvalidAsync(HttpContext ctx, List<(int Index, Reason[] Errors)> failures) =>
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

    private static Task WriteValidateAsync(HttpContext ctx, int count, List<(int Index, Reason[] Errors)>? failures,
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

    private async Task LogsAsync(HttpContext ctx, string pixelId)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (!await AuthorizeAsync(ctx, pixelId) || !await GateAsync(ctx, pixelId)) return;
            var logs = rt.Store.GetTestLogs(pixelId, rt.NowMs);
            await JsonResponses.WriteAsync(ctx, StatusCodes.Status200OK, w =>
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
        }
        finally
        {
            LogRequest(ctx, pixelId, 0, started);
        }
    }

    private static void WriteIfPresent(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }

    private async Task StatsAsync(HttpContext ctx, string pixelId)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (!await AuthorizeAsync(ctx, pixelId) || !await GateAsync(ctx, pixelId)) return;
            var (test, live) = rt.Store.GetValidateStats(pixelId, rt.NowMs);
            await JsonResponses.WriteAsync(ctx, StatusCodes.Status200OK, w =>
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
        }
        finally
        {
            LogRequest(ctx, pixelId, 0, started);
        }

        static void WriteCount(Utf8JsonWriter w, ReadOnlySpan<byte> name, (int Count, long? Latest) c)
        {
            w.WriteStartObject(name);
            w.WriteNumber("event_count_past_hour"u8, c.Count);
            if (c.Latest is { } ts) w.WriteNumber("latest_event_ts"u8, ts); else w.WriteNull("latest_event_ts"u8);
            w.WriteEndObject();
        }
    }

    private async Task V2Async(HttpContext ctx)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            if (!await GateAsync(ctx, "v2")) return;
            await JsonResponses.ReasonAsync(ctx, StatusCodes.Status410Gone, JsonResponses.V2Reason);
        }
        finally
        {
            LogRequest(ctx, "-", 0, started);
        }
    }

    /// <summary>401 for a missing, unknown or not-owning token; 403 for a known token and unknown pixel.</summary>
    private async Task<bool> AuthorizeAsync(HttpContext ctx, string pixelId)
    {
        string? token = ctx.Request.Query["access_token"];
        if (string.IsNullOrEmpty(token))
        {
            var header = ctx.Request.Headers.Authorization.ToString();
            if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) token = header[7..].Trim();
        }
        if (string.IsNullOrEmpty(token) || !rt.TokenOwners.TryGetValue(token, out var owned))
        {
            await JsonResponses.ReasonAsync(ctx, StatusCodes.Status401Unauthorized, Reason.Unauthorized.Message);
            return false;
        }
        if (!rt.Store.Contains(pixelId))
        {
            await JsonResponses.ErrorAsync(ctx, StatusCodes.Status403Forbidden, Reason.InvalidPixelId);
            return false;
        }
        if (!owned.Contains(pixelId))
        {
            await JsonResponses.ReasonAsync(ctx, StatusCodes.Status401Unauthorized, Reason.Unauthorized.Message);
            return false;
        }
        return true;
    }

    /// <summary>Rate limit, then injected failure and latency. False when an answer was already written.</summary>
    private async Task<bool> GateAsync(HttpContext ctx, string bucket)
    {
        if (rt.Limiter is { } limiter && !limiter.TryAcquire(bucket, out var retryAfter))
        {
            ctx.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
            await JsonResponses.ReasonAsync(ctx, StatusCodes.Status429TooManyRequests, Reason.RateLimited.Message);
            return false;
        }
        if (rt.Faults.Fail.Decide().Status is { } status)
        {
            await JsonResponses.ReasonAsync(ctx, status, "Injected sandbox failure.");
            return false;
        }
        await rt.Faults.Latency.DelayAsync(ctx.RequestAborted);
        return true;
    }

    /// <summary>One line per request: method, path (no query, so never the token), pixel, events, status, ms.</summary>
    private void LogRequest(HttpContext ctx, string pixelId, int events, long started)
    {
        if (rt.Log is not { } log) return;
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var status = ctx.RequestAborted.IsCancellationRequested ? "aborted" : ctx.Response.StatusCode.ToString(CultureInfo.InvariantCulture);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{ctx.Request.Method} {ctx.Request.Path} pixel={pixelId} events={events} status={status} ms={ms:F1}"));
    }
}
