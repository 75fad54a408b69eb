using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Snapconv.Console;

/// <summary>Serves the files of <c>Assets/</c> (embedded in this assembly) at <c>/assets/{name}</c>.</summary>
internal static class ConsoleAssets
{
    private static readonly Assembly Self = typeof(ConsoleAssets).Assembly;
    private static readonly HashSet<string> Names = new(Self.GetManifestResourceNames().Where(n => n.StartsWith("assets/", StringComparison.Ordinal)), StringComparer.Ordinal);

    public static void Map(IEndpointRouteBuilder routes) => routes.MapGet("/assets/{**path}", (string path, HttpContext http) =>
    {
        var name = "assets/" + path.Replace('\\', '/');
        if (!Names.Contains(name)) return Results.NotFound();
        http.Response.Headers.CacheControl = "public, max-age=3600";
        return Results.Stream(Self.GetManifestResourceStream(name)!, ContentType(name));
    });

    private static string ContentType(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        ".woff2" => "font/woff2",
        _ => "application/octet-stream",
    };
}
