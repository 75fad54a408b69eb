using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Snapconv.Jobs;
using Snapconv.Core.Redaction;
using Snapconv.Delivery.Ledger;

namespace Snapconv.Cli.Serve;

/// <summary>Options of <c>snapconv serve</c>.</summary>
public sealed record ServeOptions
{
    /// <summary>Default listen URL: loopback only.</summary>
    public const string DefaultUrls = "http://127.0.0.1:9464";
    /// <summary>Listen URLs, ';'-separated. Default http://127.0.0.1:9464.</summary>
    public string Urls { get; init; } = DefaultUrls;
    /// <summary>Clock of the schedules. Default: the system clock.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
    /// <summary>
    /// How serve takes the locks of its scheduled jobs' state directories (held for its whole life): wait, told as a WARN
    /// line (default), or fail at once with <see cref="StateDirectoryBusyException"/>.
    /// </summary>
    public StateLockOptions StateLock { get; init; } = new();
}

/// <summary>
/// <c>snapconv serve</c> as a library: one <see cref="JobScheduler"/> per scheduled job, and a loopback HTTP endpoint
/// with <c>GET /healthz</c>, <c>GET /metrics</c> (Prometheus text) and <c>GET /jobs</c> (last run of each job with its
/// report). A failing job never stops the others. <see cref="RunningServe.StopAsync"/> stops the schedules, lets runs
/// in progress stop at their next step (unsettled objects resume next time) and closes the endpoint.
/// </summary>
public static class ServeHost
{
    /// <exception cref="StateDirectoryBusyException">A state directory is in use and <see cref="StateLockOptions.Wait"/> is false.</exception>
    public static async Task<RunningServe> StartAsync(JobFile file, JobRunner runner, RunLog log, ServeOptions options, CancellationToken ct = default)
    {
        // One writer per state directory: serve holds the locks of its scheduled jobs' folders for its whole life, taken
        // before it listens, so its job runs never wait for each other's lock.
        var locks = new List<StateDirectoryLock>();
        try
        {
            var lockOptions = options.StateLock.OnWaiting is null ? options.StateLock with { OnWaiting = m => log.Warn("serve", "lock", m) } : options.StateLock;
            foreach (var dir in file.Jobs.Where(j => j.Cron is not null).Select(j => Path.GetFullPath(j.StateDir)).Distinct(StringComparer.Ordinal))
                locks.Add(await StateDirectoryLock.AcquireAsync(dir, lockOptions, ct).ConfigureAwait(false));
            return await StartLockedAsync(file, runner, log, options, locks, ct).ConfigureAwait(false);
        }
        catch
        {
            foreach (var l in locks) l.Dispose();
            throw;
        }
    }

    private static async Task<RunningServe> StartLockedAsync(JobFile file, JobRunner runner, RunLog log, ServeOptions options,
        List<StateDirectoryLock> locks, CancellationToken ct)
    {
        var metrics = new ServeMetrics(options.Clock, file.Jobs.Select(j => j.Name));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok\n", "text/plain"));
        app.MapGet("/metrics", () => Results.Text(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"));
        app.MapGet("/jobs", () => Results.Bytes(JobsJson(file, metrics), "application/json"));
        await app.StartAsync(ct).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

        var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var store = new ScheduleStore(name => file.Jobs.First(j => j.Name == name).StateDir);
        var tasks = new List<Task>();
        foreach (var job in file.Jobs)
        {
            if (job.Cron is null)
            {
                log.Info(job.Name, "schedule", "no schedule: this job runs only with `snapconv run`.");
                continue;
            }
            log.Info(job.Name, "schedule", $"scheduled '{job.Schedule}' ({job.TimeZone.Id})");
            var scheduler = new JobScheduler(job, async (j, c) =>
            {
                metrics.Started(j.Name);
                var r = await runner.RunAsync(j, lockHeld: true, c).ConfigureAwait(false);
                metrics.Record(r);
                return r;
            }, options.Clock, store);
            tasks.Add(Task.Run(() => scheduler.RunAsync(stop.Token), CancellationToken.None));
        }
        log.Info("serve", "listen", $"listening on {string.Join(", ", addresses)} (/healthz, /metrics, /jobs)");
        return new RunningServe(app, stop, tasks, metrics, addresses, log) { Locks = locks };
    }

    private static byte[] JobsJson(JobFile file, ServeMetrics metrics)
    {
        var last = metrics.LastRuns();
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("jobs");
            foreach (var job in file.Jobs)
            {
                w.WriteStartObject();
                w.WriteString("name", job.Name);
                w.WriteString("source", job.Source.Kind);
                if (job.Schedule is null) w.WriteNull("schedule"); else w.WriteString("schedule", job.Schedule);
                w.WriteString("timezone", job.TimeZone.Id);
                w.WriteBoolean("running", metrics.IsRunning(job.Name));
                if (last[job.Name] is not { } r) w.WriteNull("last_run");
                else
                {
                    w.WriteStartObject("last_run");
                    w.WriteString("started_at", r.StartedAt.ToString("O"));
                    w.WriteString("finished_at", r.FinishedAt.ToString("O"));
                    w.WriteString("outcome", JobRunner.Snake(r.Outcome));
                    w.WriteNumber("exit_code", r.ExitCode);
                    if (r.Message is null) w.WriteNull("message"); else w.WriteString("message", Redactor.Text(r.Message));
                    w.WriteNumber("objects_listed", r.ObjectsListed);
                    w.WriteNumber("objects_read", r.ObjectsRead);
                    w.WriteNumber("objects_skipped", r.ObjectsSkipped);
                    w.WriteStartArray("warnings");
                    foreach (var warning in r.Warnings) w.WriteStringValue(Redactor.Text(warning));
                    w.WriteEndArray();
                    if (r.ReportPath is null) w.WriteNull("report_path"); else w.WriteString("report_path", r.ReportPath);
                    if (r.RejectsPath is null) w.WriteNull("rejects_path"); else w.WriteString("rejects_path", r.RejectsPath);
                    if (r.Report is null) w.WriteNull("report");
                    else
                    {
                        using var rep = new MemoryStream();
                        r.Report.WriteJson(rep);
                        w.WritePropertyName("report");
                        w.WriteRawValue(rep.ToArray());
                    }
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }
}

/// <summary>A started <c>serve</c>.</summary>
public sealed class RunningServe(WebApplication app, CancellationTokenSource stop, List<Task> schedulers, ServeMetrics metrics,
    IReadOnlyList<string> addresses, RunLog log) : IAsyncDisposable
{
    private int _stopped;

    /// <summary>The listen addresses (port 0 resolved).</summary>
    public IReadOnlyList<string> Addresses { get; } = addresses;
    /// <summary>The counters.</summary>
    public ServeMetrics Metrics { get; } = metrics;

    /// <summary>The state directories' locks, released once the runs stopped.</summary>
    internal IReadOnlyList<StateDirectoryLock> Locks { get; init; } = [];

    /// <summary>Completes when every scheduler ended (after a stop).</summary>
    public Task Completion => Task.WhenAll(schedulers);

    /// <summary>Stops the schedules, waits up to <paramref name="grace"/> for runs in progress, closes the endpoint.</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        log.Info("serve", "stop", "stopping: no new runs; runs in progress stop at their next step.");
        await stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAny(Task.WhenAll(schedulers), Task.Delay(grace ?? TimeSpan.FromSeconds(30))).ConfigureAwait(false);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(cts.Token).ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        stop.Dispose();
        foreach (var l in Locks) l.Dispose();
        log.Info("serve", "stop", "stopped.");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
