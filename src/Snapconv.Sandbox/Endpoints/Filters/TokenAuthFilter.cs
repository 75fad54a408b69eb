using System.Collections.Frozen;
using Snapconv.Core.Capi;
using Snapconv.Sandbox.Store;

namespace Snapconv.Sandbox.Endpoints.Filters;

/// <summary>
/// Snap's auth (spec §1, §11.1): the <c>access_token</c> query parameter, else <c>Authorization: Bearer</c>.
/// 401 for a missing, unknown or not-owning token; 403 for a known token and an unknown pixel.
/// </summary>
internal sealed class TokenAuthFilter(FrozenDictionary<string, FrozenSet<string>> tokenOwners, SandboxStore store) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var ctx = context.HttpContext;
        var pixelId = (string)ctx.Request.RouteValues["pixelId"]!;
        string? token = ctx.Request.Query["access_token"];
        if (string.IsNullOrEmpty(token))
        {
            var header = ctx.Request.Headers.Authorization.ToString();
            if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) token = header[7..].Trim();
        }
        if (string.IsNullOrEmpty(token) || !tokenOwners.TryGetValue(token, out var owned))
        {
            await JsonResponses.ReasonAsync(ctx, StatusCodes.Status401Unauthorized, Reason.Unauthorized.Message);
            return Results.Empty;
        }
        if (!store.Contains(pixelId))
        {
            await JsonResponses.ErrorAsync(ctx, StatusCodes.Status403Forbidden, Reason.InvalidPixelId);
            return Results.Empty;
        }
        if (!owned.Contains(pixelId))
        {
            await JsonResponses.ReasonAsync(ctx, StatusCodes.Status401Unauthorized, Reason.Unauthorized.Message);
            return Results.Empty;
        }
        return await next(context);
    }
}
