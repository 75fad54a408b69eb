using System.Globalization;
using Snapconv.Core.Capi;
using Snapconv.Sandbox.RateLimit;

namespace Snapconv.Sandbox.Endpoints.Filters;

/// <summary>
/// <c>--qps N</c> (spec §11.7): a token bucket per pixel (or per fixed bucket, e.g. v2); over it, 429 with
/// <c>Retry-After</c> in whole seconds.
/// </summary>
internal sealed class RateLimitFilter(PixelRateLimiter limiter, string? fixedBucket) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var ctx = context.HttpContext;
        var bucket = fixedBucket ?? (string)ctx.Request.RouteValues["pixelId"]!;
        if (!limiter.TryAcquire(bucket, out var retryAfter))
        {
            ctx.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
            await JsonResponses.ReasonAsync(ctx, StatusCodes.Status429TooManyRequests, Reason.RateLimited.Message);
            return Results.Empty;
        }
        return await next(context);
    }
}
