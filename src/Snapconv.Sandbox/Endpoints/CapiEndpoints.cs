using Snapconv.Sandbox.Endpoints.Filters;

namespace Snapconv.Sandbox.Endpoints;

/// <summary>
/// Snap's CAPI v3 paths (spec §1, §6, §11): events, validate, logs, stats, and the v2 tombstone. Each path is
/// its handler wrapped in endpoint filters, one job each, in the order of spec §11.8: request log → auth →
/// rate limit → fault → the handler (validate → store → lost ack).
/// </summary>
internal sealed class CapiEndpoints(SandboxRuntime rt)
{
    public void Map(IEndpointRouteBuilder app)
    {
        var events = new EventsEndpoint(rt);
        Guard(app.MapPost("/v3/{pixelId}/events", (HttpContext ctx, string pixelId) => events.HandleAsync(ctx, pixelId, validateOnly: false)));
        Guard(app.MapPost("/v3/{pixelId}/events/validate", (HttpContext ctx, string pixelId) => events.HandleAsync(ctx, pixelId, validateOnly: true)));
        Guard(app.MapGet("/v3/{pixelId}/events/validate/logs", (HttpContext ctx, string pixelId) =>
            CapiAnswers.LogsAsync(ctx, pixelId, rt.Store.GetTestLogs(pixelId, rt.NowMs))));
        Guard(app.MapGet("/v3/{pixelId}/events/validate/stats", (HttpContext ctx, string pixelId) =>
        {
            var (test, live) = rt.Store.GetValidateStats(pixelId, rt.NowMs);
            return CapiAnswers.StatsAsync(ctx, test, live);
        }));
        // As a Delegate, not a RequestDelegate: only route handlers take endpoint filters.
        Guard(app.MapPost("/v2/conversion", (Delegate)V2Async), v2: true);
    }

    private static Task V2Async(HttpContext ctx) => JsonResponses.ReasonAsync(ctx, StatusCodes.Status410Gone, JsonResponses.V2Reason);

    /// <summary>The filters of a CAPI path, outermost first. v2 has no auth; its rate limit bucket is "v2" and its log pixel "-".</summary>
    private void Guard(RouteHandlerBuilder route, bool v2 = false)
    {
        if (rt.Log is { } log) route.AddEndpointFilter(new RequestLogFilter(log, v2 ? "-" : null, rt.Clock));
        if (!v2) route.AddEndpointFilter(new TokenAuthFilter(rt.TokenOwners, rt.Store));
        if (rt.Limiter is { } limiter) route.AddEndpointFilter(new RateLimitFilter(limiter, v2 ? "v2" : null));
        route.AddEndpointFilter(new FaultFilter(rt.Faults));
    }
}
