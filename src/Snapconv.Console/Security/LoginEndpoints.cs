using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Snapconv.Console.Security;

/// <summary>
/// <c>GET /login</c> (the form), <c>POST /login</c> (form field <c>token</c>, with the antiforgery token; sets the
/// HttpOnly, SameSite=Strict cookie and goes back to <c>return</c>), <c>POST /logout</c>. A wrong token answers the form
/// again with 401 and says so; the token is never echoed.
/// </summary>
internal static class LoginEndpoints
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet("/login", (HttpContext http, IAntiforgery af, ConsoleOptions options, string? @return) =>
            Form(http, af, options, @return, null)).DisableAntiforgery();
        routes.MapPost("/login", async (HttpContext http, IAntiforgery af, ConsoleOptions options) =>
        {
            try { await af.ValidateRequestAsync(http).ConfigureAwait(false); }
            catch (AntiforgeryValidationException) { return Results.BadRequest("the form is stale or was posted from another site; reload it\n"); }
            var form = await http.Request.ReadFormAsync().ConfigureAwait(false);
            var back = form["return"].ToString();
            if (options.Token is null) return Results.Redirect(SafeReturn(back));
            if (!ConsoleSecurity.TokenMatches(options.Token, form["token"].ToString()))
                return Form(http, af, options, back, "That token is not the console token.", StatusCodes.Status401Unauthorized);
            await ConsoleSecurity.SignInAsync(http, options.Token).ConfigureAwait(false);
            return Results.Redirect(SafeReturn(back));
        });
        routes.MapPost("/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(ConsoleSecurity.Scheme).ConfigureAwait(false);
            return Results.Redirect("/login");
        });
    }

    // Only a local path: never an open redirect to another site.
    internal static string SafeReturn(string? back) =>
        back is { Length: > 0 } && back[0] == '/' && (back.Length == 1 || (back[1] != '/' && back[1] != '\\')) ? back : "/";

    private static IResult Form(HttpContext http, IAntiforgery af, ConsoleOptions options, string? back, string? error, int status = 200)
    {
        var tokens = af.GetAndStoreTokens(http);
        var e = (string? s) => WebUtility.HtmlEncode(s ?? "");
        var html = $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Log in · snapconv console</title><link rel="stylesheet" href="/assets/console.css"></head>
            <body class="login">
            <main>
            <h1>snapconv console</h1>
            {{(options.Token is null ? "<p>This console needs no token (it listens on loopback only).</p>" : "")}}
            <form method="post" action="/login">
            <input type="hidden" name="{{e(tokens.FormFieldName)}}" value="{{e(tokens.RequestToken)}}">
            <input type="hidden" name="return" value="{{e(SafeReturn(back))}}">
            <label for="token">Console token</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required{{(error is null ? "" : " aria-invalid=\"true\" aria-describedby=\"token-error\"")}}>
            {{(error is null ? "" : $"<p id=\"token-error\" class=\"field-error\" role=\"alert\">{e(error)}</p>")}}
            <p class="hint">The token is the value of SNAPCONV_CONSOLE_TOKEN or of the file given with --console-token-file where serve runs.</p>
            <button type="submit">Log in</button>
            </form>
            </main>
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
