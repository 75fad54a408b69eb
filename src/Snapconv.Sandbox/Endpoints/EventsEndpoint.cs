using System.Buffers;
using System.Text.Json;
using Snapconv.Core.Capi;
using Snapconv.Core.Validation.Wire;
using Snapconv.Sandbox.Endpoints.Filters;
using Snapconv.Sandbox.Faults;
using Snapconv.Sandbox.Store;

namespace Snapconv.Sandbox.Endpoints;

/// <summary>
/// <c>POST /v3/{pixel}/events[/validate]</c> after auth, rate limit and faults (the filters): reads the body,
/// validates its events (<see cref="BatchValidation"/>), stores the live ones (spec §11.3: a partial batch per
/// <c>--partial-batches</c>), may lose the acknowledgement, and answers.
/// </summary>
internal sealed class EventsEndpoint(SandboxRuntime rt)
{
    /// <summary>Snap's limit of events per request (seed).</summary>
    public const int MaxEvents = 2_000;

    private readonly BatchValidation _validation = new(rt.TimeRules);

    public async Task HandleAsync(HttpContext ctx, string pixelId, bool validateOnly)
    {
        var events = await ProcessAsync(ctx, pixelId, validateOnly);
        RequestLogFilter.SetEvents(ctx, events);
    }

    /// <summary>Answers the request; returns how many events it carried (0 when the body was unreadable).</summary>
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

    private async Task HandleBatchAsync(HttpContext ctx, string pixelId, byte[] body, BatchEvents events,
        bool validateOnly, bool allTest)
    {
        var count = events.Count;
        var nowMs = rt.NowMs;
        var pending = ArrayPool<PendingEvent>.Shared.Rent(count);
        var state = new BatchState(pending, validateOnly ? new Reason[]?[count] : null);
        try
        {
            _validation.Classify(state, body, events, allTest, nowMs);

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

            if (validateOnly) await CapiAnswers.ValidateAsync(ctx, count, state.Failures, state.WarningsByEvent!);
            else if (state.Failures is null) await JsonResponses.SuccessAsync(ctx);
            else await CapiAnswers.InvalidAsync(ctx, state.Failures);
        }
        finally
        {
            ArrayPool<PendingEvent>.Shared.Return(pending, clearArray: true);
        }
    }
}
