using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Snapconv.Console.Security;

/// <summary>
/// The console's guard. Always: security headers (a Content-Security-Policy allowing no inline script, no framing),
/// and a refusal (403) of any POST, PUT, PATCH or DELETE sent by another site (<c>Sec-Fetch-Site: cross-site</c> or an
/// <c>Origin</c> other than the request's own). Without a token (loopback only): requests must name a loopback host
/// (no DNS rebinding). With a token: every path but <c>/healthz</c>, <c>/metrics</c>, <c>/login</c> and <c>/assets/</c>
/// needs <c>Authorization: Bearer TOKEN</c> or the login cookie; the API answers 401 without it, pages redirect to
/// <c>/login</c>.
/// </summary>
public static class ConsoleSecurity
{
    internal const string Scheme = CookieAuthenticationDefaults.AuthenticationScheme;
    private const string FingerprintClaim = "snapconv:token";

    /// <summary>The Content-Security-Policy of every answer.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    internal static void AddServices(IServiceCollection services, ConsoleOptions options)
    {
        var dp = services.AddDataProtection().SetApplicationName("snapconv-console");
        if (options.KeysDir is { } dir) dp.PersistKeysToFileSystem(new DirectoryInfo(dir));
        services.AddAntiforgery(a =>
        {
            a.Cookie.Name = "snapconv_af";
            a.Cookie.HttpOnly = true;
            a.Cookie.SameSite = SameSiteMode.Strict;
            a.HeaderName = "X-CSRF-TOKEN";
        });
        services.AddAuthentication(Scheme).AddCookie(Scheme, c =>
        {
            c.Cookie.Name = ConsoleOptions.CookieName;
            c.Cookie.HttpOnly = true;
            c.Cookie.SameSite = SameSiteMode.Strict;
            c.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            c.ExpireTimeSpan = TimeSpan.FromHours(12);
            c.SlidingExpiration = true;
            c.LoginPath = "/login";
            c.Events.OnValidatePrincipal = ctx =>
            {
                // A cookie issued for another token (the token was changed) is void.
                if (options.Token is null || ctx.Principal?.FindFirst(FingerprintClaim)?.Value != Fingerprint(options.Token))
                    ctx.RejectPrincipal();
                return Task.CompletedTask;
            };
        });
    }

    internal static void Use(WebApplication app)
    {
        var options = app.Services.GetRequiredService<ConsoleOptions>();
        app.Use(async (http, next) =>
        {
            var h = http.Response.Headers;
            h.ContentSecurityPolicy = ContentSecurityPolicy;
            h.XContentTypeOptions = "nosniff";
            h.XFrameOptions = "DENY";
            h["Referrer-Policy"] = "same-origin";
            if (IsUnsafe(http.Request.Method) && IsCrossSite(http.Request))
            {
                http.Response.StatusCode = StatusCodes.Status403Forbidden;
                await http.Response.WriteAsync("cross-site request refused\n").ConfigureAwait(false);
                return;
            }
            if (options.Token is null && !IsLoopbackHost(http.Request.Host.Host))
            {
                http.Response.StatusCode = StatusCodes.Status403Forbidden;
                await http.Response.WriteAsync("without a console token the console answers loopback host names only\n").ConfigureAwait(false);
                return;
            }
            await next(http).ConfigureAwait(false);
        });
        app.UseAuthentication();
        app.Use(async (http, next) =>
        {
            if (options.Token is null || IsOpen(http.Request.Path) || HasBearer(http.Request, options.Token)
                || http.User.Identity?.IsAuthenticated == true)
            {
                await next(http).ConfigureAwait(false);
                return;
            }
            if (http.Request.Path.StartsWithSegments("/api"))
            {
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                http.Response.Headers.WWWAuthenticate = "Bearer";
                await http.Response.WriteAsJsonAsync(new { error = "the console token is required (Authorization: Bearer, or log in at /login)" }).ConfigureAwait(false);
                return;
            }
            var back = http.Request.Path + http.Request.QueryString;
            http.Response.Redirect("/login?return=" + Uri.EscapeDataString(back));
        });
        app.UseAntiforgery();
    }

    /// <summary>True when <paramref name="given"/> is the token (constant time).</summary>
    internal static bool TokenMatches(string token, string? given) =>
        given is not null && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(token)), SHA256.HashData(Encoding.UTF8.GetBytes(given)));

    /// <summary>Signs the browser in (the login cookie).</summary>
    internal static Task SignInAsync(HttpContext http, string token) => http.SignInAsync(Scheme,
        new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "console"), new Claim(FingerprintClaim, Fingerprint(token))], Scheme)),
        new AuthenticationProperties { IsPersistent = false });

    private static string Fingerprint(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("snapconv-console:" + token)));

    private static bool HasBearer(HttpRequest request, string token)
    {
        var auth = request.Headers.Authorization.ToString();
        return auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && TokenMatches(token, auth["Bearer ".Length..].Trim());
    }

    private static bool IsOpen(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/login")
        || path.StartsWithSegments("/assets");

    private static bool IsUnsafe(string method) => !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method));

    private static bool IsCrossSite(HttpRequest request)
    {
        if (request.Headers["Sec-Fetch-Site"].ToString() is "cross-site" or "same-site") return true;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) return false;
        if (origin == "null") return true;
        return !Uri.TryCreate(origin, UriKind.Absolute, out var o)
            || !string.Equals(o.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>True for <c>localhost</c>, <c>*.localhost</c> and loopback IP addresses.</summary>
    public static bool IsLoopbackHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
        || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));
}
