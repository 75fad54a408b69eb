using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Snapconv.Core.Capi;
using Snapconv.Core.Validation.Wire;
using Snapconv.Sandbox.Store;

namespace Snapconv.Sandbox.Endpoints;

/// <summary>A request's events: elements of a parsed document, or slots of a scanned body.</summary>
internal readonly struct BatchEvents
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

/// <summary>What a request's events came to: failures, test logs, warnings, and the live events to store.</summary>
internal sealed class BatchState(PendingEvent[] pending, Reason[]?[]? warningsByEvent)
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

/// <summary>
/// Validates a request's events with Core's wire rules (spec §11.2) and files each: a failure, a test log (validate
/// or <c>test_event_code</c>, with its warnings), or a live event pending storage (a slice of the body).
/// </summary>
internal sealed class BatchValidation(EventTimeRules timeRules)
{
    /// <summary>Files every event of <paramref name="events"/> into <paramref name="state"/>.</summary>
    public void Classify(BatchState state, byte[] body, BatchEvents events, bool allTest, long nowMs)
    {
        var count = events.Count;
        if (events.Slots is { } slots)
        {
            for (var i = 0; i < count; i++)
            {
                var slot = slots[i];
                if (slot.Checked)
                {
                    state.LiveReceived++;
                    state.Pending[state.PendingCount++] = new PendingEvent(slot.Meta, body.AsMemory(slot.Offset, slot.Length));
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
            if (meta.EventTimeSeconds > 0) timeRules.AddWarnings(meta.EventTimeSeconds, warnings);
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
}
