using Snapconv.Sandbox.Faults;

namespace Snapconv.Sandbox.Endpoints.Filters;

/// <summary>
/// Injected faults before processing (spec §11.8): <c>--fail-rate</c> answers 500/503, <c>--latency-ms</c>
/// delays on the injected clock. (A lost acknowledgement comes after storing: the events endpoint decides it.)
/// </summary>
internal sealed class FaultFilter(FaultPipeline faults) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var ctx = context.HttpContext;
        if (faults.Fail.Decide().Status is { } status)
        {
            await JsonResponses.ReasonAsync(ctx, status, "Injected sandbox failure.");
            return Results.Empty;
        }
        await faults.Latency.DelayAsync(ctx.RequestAborted);
        return await next(context);
    }
}
