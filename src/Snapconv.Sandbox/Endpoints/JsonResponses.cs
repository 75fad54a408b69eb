using System.Text.Json;
using Snapconv.Core.Capi;

namespace Snapconv.Sandbox.Endpoints;

/// <summary>Writes the sandbox's JSON answers straight to the response pipe.</summary>
internal static class JsonResponses
{
    public const string ValidReason = "Events have been processed successfully.";
    public const string InvalidReason = "At least one of the events is invalid.";
    public const string V2Reason = "Conversions API v2 is deprecated; use POST /v3/{pixel_id}/events";

    private static readonly byte[] Success = """{"status":"VALID","reason":"Events have been processed successfully."}"""u8.ToArray();

    public static async Task WriteAsync(HttpContext ctx, int status, Action<Utf8JsonWriter> body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        using (var w = new Utf8JsonWriter(ctx.Response.BodyWriter))
        {
            body(w);
        }
        await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted);
    }

    public static async Task SuccessAsync(HttpContext ctx)
    {
        ctx.Response.StatusCode = StatusCodes.Status200OK;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        ctx.Response.ContentLength = Success.Length;
        await ctx.Response.Body.WriteAsync(Success, ctx.RequestAborted);
    }

    /// <summary>A request-level error: status INVALID, reason, and the reason's code and message.</summary>
    public static Task ErrorAsync(HttpContext ctx, int status, Reason reason) => WriteAsync(ctx, status, w =>
    {
        w.WriteStartObject();
        w.WriteString("status"u8, "INVALID");
        w.WriteString("reason"u8, reason.Message);
        w.WriteString("code"u8, reason.Code);
        w.WriteStartObject("errors"u8);
        w.WriteStartArray("codes"u8); w.WriteStringValue(reason.Code); w.WriteEndArray();
        w.WriteStartArray("error_msgs"u8); w.WriteStringValue(reason.Message); w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    });

    /// <summary>A plain <c>{"status":"INVALID","reason":…}</c> answer.</summary>
    public static Task ReasonAsync(HttpContext ctx, int status, string reason) => WriteAsync(ctx, status, w =>
    {
        w.WriteStartObject();
        w.WriteString("status"u8, "INVALID");
        w.WriteString("reason"u8, reason);
        w.WriteEndObject();
    });

    public static void WriteErrors(Utf8JsonWriter w, IReadOnlyList<Reason> errors)
    {
        w.WriteStartObject("errors"u8);
        w.WriteStartArray("codes"u8);
        foreach (var e in errors) w.WriteStringValue(e.Code);
        w.WriteEndArray();
        w.WriteStartArray("error_msgs"u8);
        foreach (var e in errors) w.WriteStringValue(e.Message);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
