using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Snapconv.Sandbox.Endpoints;
using Snapconv.Sandbox.Store;

namespace Snapconv.Sandbox;

/// <summary>
/// The local Snap CAPI v3 sandbox (issue #4, spec §11): an ASP.NET Core minimal-API server that behaves as
/// Snap's Conversions API v3 does, reusing <c>Snapconv.Core</c>'s rules.
/// </summary>
public static class SandboxApp
{
    /// <summary>
    /// Builds the sandbox with every endpoint mapped. Nothing listens until the app is started.
    /// </summary>
    /// <param name="options">Validated here.</param>
    /// <param name="clock">Clock for receipt times, warnings, dedup on arrival, rate limits, latency (the composition root's).</param>
    /// <param name="configure">Runs last on the builder, e.g. <c>b =&gt; b.WebHost.UseTestServer()</c>.</param>
    /// <exception cref="ArgumentException">The options are invalid (every error listed).</exception>
    public static WebApplication Build(SandboxOptions options, TimeProvider clock, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        var runtime = new SandboxRuntime(options, clock);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(options.Urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            // The sandbox answers 413 itself above 16 MiB; Kestrel's own 30 MB cap would answer differently.
            k.Limits.MaxRequestBodySize = null;
            k.AddServerHeader = false;
        });
        // The caller owns Ctrl+C and SIGTERM (the CLI stops the upload first, then the sandbox): the default console
        // lifetime would stop the sandbox on the first signal, under the batches still in flight (#16).
        builder.Services.AddSingleton<IHostLifetime, CallerLifetime>();
        builder.Services.AddSingleton(runtime);
        builder.Services.AddSingleton<ISandboxStore>(runtime.Store);
        configure?.Invoke(builder);
        var app = builder.Build();
        new CapiEndpoints(runtime).Map(app);
        new InspectionEndpoints(runtime).Map(app);
        app.Lifetime.ApplicationStopped.Register(runtime.Dispose);
        return app;
    }

    /// <summary>
    /// Builds and starts the sandbox. Use <c>Urls = "http://127.0.0.1:0"</c> for a free loopback port.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static async Task<RunningSandbox> StartAsync(SandboxOptions options, TimeProvider clock, CancellationToken ct = default)
    {
        var app = Build(options, clock);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? options.Urls.Split(';')[0];
        return new RunningSandbox(app, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)),
            app.Services.GetRequiredService<SandboxRuntime>());
    }
}

/// <summary>A started sandbox. Dispose to stop it.</summary>
public sealed class RunningSandbox : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SandboxRuntime _runtime;

    internal RunningSandbox(WebApplication app, Uri baseAddress, SandboxRuntime runtime)
    {
        _app = app;
        _runtime = runtime;
        BaseAddress = baseAddress;
    }

    /// <summary>Where it listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The pixels served: the configured ones, or the generated demo pixel.</summary>
    public IReadOnlyList<PixelCredential> Pixels => _runtime.Pixels;

    /// <summary>True when <see cref="Pixels"/> holds a generated demo pixel.</summary>
    public bool PixelsGenerated => _runtime.PixelsGenerated;

    /// <summary>The live event store (events as merged, counters).</summary>
    public ISandboxStore Store => _runtime.Store;

    /// <summary>Stored live events of a pixel, oldest first.</summary>
    public IReadOnlyList<SandboxStoredEvent> GetEvents(string pixelId, int offset = 0, int limit = int.MaxValue) =>
        _runtime.Store.GetEvents(pixelId, offset, limit);

    /// <summary>Live counters of a pixel.</summary>
    public SandboxCounters GetCounters(string pixelId) => _runtime.Store.GetCounters(pixelId);

    /// <summary>Completes when the host stops (Ctrl+C in the CLI).</summary>
    public Task WaitForShutdownAsync(CancellationToken ct = default) => _app.WaitForShutdownAsync(ct);

    /// <summary>Stops the server and closes the store.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _runtime.Dispose();
    }
}

/// <summary>A host lifetime that leaves start and stop to the caller: no signal handlers.</summary>
internal sealed class CallerLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
