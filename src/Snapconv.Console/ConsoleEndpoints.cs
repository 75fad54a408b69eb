using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Snapconv.Console.Api;
using Snapconv.Console.Security;
using Snapconv.State;

namespace Snapconv.Console;

/// <summary>
/// Puts the console into a <see cref="WebApplication"/>: <see cref="AddSnapconvConsole"/> registers its services (Razor
/// Pages from this assembly, antiforgery, the login cookie), <see cref="MapSnapconvConsole"/> adds the security
/// middleware and maps the pages, <c>/api/…</c>, <c>/login</c> and <c>/assets/…</c>.
/// </summary>
public static class ConsoleEndpoints
{
    /// <summary>Registers the console's services with its store and runtime.</summary>
    public static IServiceCollection AddSnapconvConsole(this IServiceCollection services, ConsoleOptions options, IStateStore store, IConsoleRuntime runtime)
    {
        services.AddSingleton(options);
        services.AddSingleton(store);
        services.AddSingleton(runtime);
        services.AddRazorPages().AddApplicationPart(typeof(ConsoleEndpoints).Assembly);
        ConsoleSecurity.AddServices(services, options);
        return services;
    }

    /// <summary>Adds the console's middleware (security headers, login) and endpoints. Call after the app is built.</summary>
    public static WebApplication MapSnapconvConsole(this WebApplication app)
    {
        // Server-Timing: the time from the request to the answer's first byte (the pages' and the bench's figure).
        var clock = app.Services.GetRequiredService<IConsoleRuntime>().Clock;
        app.Use(async (http, next) =>
        {
            var started = clock.GetTimestamp();
            http.Response.OnStarting(() =>
            {
                http.Response.Headers["Server-Timing"] = string.Create(CultureInfo.InvariantCulture, $"app;dur={clock.GetElapsedTime(started).TotalMilliseconds:0.00}");
                return Task.CompletedTask;
            });
            await next(http).ConfigureAwait(false);
        });
        ConsoleSecurity.Use(app);
        Map(app);
        return app;
    }

    /// <summary>Maps the console's endpoints (pages, API, login, assets) on <paramref name="routes"/>.</summary>
    public static void Map(IEndpointRouteBuilder routes)
    {
        ConsoleAssets.Map(routes);
        ConsoleApi.Map(routes);
        LoginEndpoints.Map(routes);
        routes.MapRazorPages();
    }
}
