using System.Globalization;

namespace Snapconv.Sandbox.Endpoints.Filters;

/// <summary>
/// One line per request (<c>--log-requests</c>): method, path (no query, so never the token), pixel, events,
/// status, ms. Outermost filter, so refusals by the inner ones are logged too.
/// </summary>
internal sealed class RequestLogFilter(TextWriter log, string? fixedPixel, TimeProvider clock) : IEndpointFilter
{
    private static readonly object Key = new();

    /// <summary>Records how many events the request carried (no-op unless the request is being logged).</summary>
    public static void SetEvents(HttpContext ctx, int events)
    {
        if (ctx.Items.TryGetValue(Key, out var entry) && entry is Entry e) e.Events = events;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var ctx = context.HttpContext;
        var started = clock.GetTimestamp();
        var entry = new Entry();
        ctx.Items[Key] = entry;
        try
        {
            return await next(context);
        }
        finally
        {
            var pixel = fixedPixel ?? ctx.Request.RouteValues["pixelId"] as string;
            var ms = clock.GetElapsedTime(started).TotalMilliseconds;
            var status = ctx.RequestAborted.IsCancellationRequested ? "aborted" : ctx.Response.StatusCode.ToString(CultureInfo.InvariantCulture);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{ctx.Request.Method} {ctx.Request.Path} pixel={pixel} events={entry.Events} status={status} ms={ms:F1}"));
        }
    }

    private sealed class Entry
    {
        public int Events;
    }
}
