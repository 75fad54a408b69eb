using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using Snapconv.Cli.Commands;
using Snapconv.Console;
using Snapconv.Console.Runtime;
using Snapconv.Console.Security;
using Snapconv.State;
using Snapconv.State.Sqlite;
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
    /// <summary>
    /// How serve takes the locks of its scheduled jobs' state directories (held for its whole life): wait, told as a WARN
    /// line (default), or fail at once with <see cref="StateDirectoryBusyException"/>.
    /// </summary>
    public StateLockOptions StateLock { get; init; } = new();
    /// <summary>
    /// Folder of the state store (<c>state.db</c>: console jobs, run history) and of console jobs' state. Default null:
    /// <c>.snapconv</c> beside the first job file, or in the current folder when serve has no job file.
    /// </summary>
    public string? StateDir { get; init; }
    /// <summary>
    /// The console token (<c>SNAPCONV_CONSOLE_TOKEN</c> or <c>--console-token-file</c>), or null. Without one serve listens
    /// on loopback addresses only; with one every page and API call needs it.
    /// </summary>
    public string? ConsoleToken { get; init; }
    /// <summary>This node's name, recorded with its runs and shown in <c>/api/cluster</c>. Default host name and process id.</summary>
    public string NodeName { get; init; } = DefaultNodeName();
    /// <summary>The cluster's store (<c>--store</c>), or null (default): one node, schedules in memory.</summary>
    public ClusterStoreOptions? Cluster { get; init; }
    /// <summary>How a cluster node watches its store (<c>/healthz</c>, standby while it is lost).</summary>
    public StoreHealthOptions StoreHealth { get; init; } = new();
    /// <summary>Runs when the store answers again, before jobs start (e.g. drop the ledgers' pooled connections).</summary>
    public Action? OnStoreBack { get; init; }
    /// <summary>The state store to use (a cluster's, on PostgreSQL), or null (default): <c>state.db</c> in <see cref="StateDir"/>.</summary>
    public IStateStore? StateStore { get; init; }
    /// <summary>Default days of run history kept (a job's <c>history_days</c> wins).</summary>
    public const int DefaultHistoryDays = StateLimits.DefaultRetentionDays;
    /// <summary>Days of run history kept, 1..3650 (<c>--history-days</c>). Default 90.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, JobSettings.MaxHistoryDays)] public int HistoryDays { get; init; } = DefaultHistoryDays;
    /// <summary>How often old runs are purged. Default: hourly (and once at start).</summary>
    public TimeSpan PurgeInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Host name and process id.</summary>
    public static string DefaultNodeName() => SchedulerOptions.DefaultNodeName();

    /// <summary>Every problem, each path under <paramref name="path"/> (the bare key <c>history_days</c> when blank); empty when valid.</summary>
    public IReadOnlyList<Snapconv.Core.Options.OptionError> Validate(string path = "") => Snapconv.Core.Options.OptionValidator.Check(this, path);
}

/// <summary>
/// <c>snapconv serve</c> as a library: one <see cref="JobScheduler"/> per scheduled job, and a loopback HTTP endpoint
/// with <c>GET /healthz</c>, <c>GET /metrics</c> (Prometheus text, see <see cref="ServeMetrics"/>) and <c>GET /jobs</c> (last run of each job with its
/// report). A failing job never stops the others. <see cref="RunningServe.StopAsync"/> stops the schedules, lets runs
/// in progress stop at their next step (unsettled objects resume next time) and closes the endpoint.
/// </summary>
public static class ServeHost
{
    /// <exception cref="StateDirectoryBusyException">A state directory is in use and <see cref="StateLockOptions.Wait"/> is false.</exception>
    public static Task<RunningServe> StartAsync(JobFile file, JobRunner runner, RunLog log, ServeOptions options, CancellationToken ct = default) =>
        StartAsync([file], runner, log, options, ct);

    /// <summary>Starts serve with the jobs of <paramref name="files"/> (none: only the console's).</summary>
    /// <exception cref="StateDirectoryBusyException">A state directory is in use and <see cref="StateLockOptions.Wait"/> is false.</exception>
    /// <exception cref="UsageException">A non-loopback listen address without a console token.</exception>
    /// <exception cref="StateStoreException">The state store cannot be opened.</exception>
    public static async Task<RunningServe> StartAsync(IReadOnlyList<JobFile> files, JobRunner runner, RunLog log, ServeOptions options, CancellationToken ct = default)
    {
        if (options.ConsoleToken is null && NonLoopback(options.Urls) is { } open)
            throw new UsageException($"--urls: '{open}' is not a loopback address; the console there needs a token: set {ConsoleOptions.TokenEnvironmentVariable} or give --console-token-file FILE (or listen on 127.0.0.1).");
        options = options with { StateDir = Path.GetFullPath(options.StateDir ?? DefaultStateDir(files)) };
        var file = new JobFile(files.Count == 1 ? files[0].Path : string.Join(", ", files.Select(f => f.Path)), files.SelectMany(f => f.Jobs).ToList());
        // One writer per state directory: serve holds the locks of its scheduled jobs' folders for its whole life, taken
        // before it listens, so its job runs never wait for each other's lock.
        var locks = new List<StateDirectoryLock>();
        try
        {
            // A cluster's nodes share their jobs through Quartz and the store's ledgers, not through a local folder.
            if (options.Cluster is not null) return await StartLockedAsync(files, file, runner, log, options, locks, [], ct).ConfigureAwait(false);
            var lockOptions = options.StateLock with { OnWaiting = options.StateLock.OnWaiting ?? (m => log.Warn("serve", "lock", m)) };
            var dirs = file.Jobs.Where(j => j.Cron is not null).Select(j => Path.GetFullPath(j.StateDir)).Distinct(StringComparer.Ordinal).ToList();
            foreach (var dir in dirs)
                locks.Add(await StateDirectoryLock.AcquireAsync(dir, lockOptions, runner.Clock, ct).ConfigureAwait(false));
            return await StartLockedAsync(files, file, runner, log, options, locks, dirs, ct).ConfigureAwait(false);
        }
        catch
        {
            foreach (var l in locks) l.Dispose();
            throw;
        }
    }

    private static async Task<RunningServe> StartLockedAsync(IReadOnlyList<JobFile> files, JobFile file, JobRunner runner, RunLog log, ServeOptions options,
        List<StateDirectoryLock> locks, IReadOnlyList<string> lockedDirs, CancellationToken ct)
    {
        var metrics = new ServeMetrics(runner.Clock, file.Jobs.Select(j => j.Name));
        // The run history and the console's jobs (#18): every run, scheduled or run now, is recorded with this node's name.
        var store = options.StateStore ?? await SqliteStateStore.OpenAsync(options.StateDir!, ct).ConfigureAwait(false);
        var recorder = new RunRecorder(store, options.NodeName, runner.Clock) { OnStoreError = m => log.Warn("serve", "history", m) };
        var observing = log.Observe(recorder.Observe);
        var jobs = new ServeJobs(store, runner, log, options, metrics, recorder, lockedDirs);
        try
        {
            var closed = await store.CloseOpenRunsAsync(options.NodeName, runner.Clock.GetUtcNow(), ct).ConfigureAwait(false);
            if (closed > 0) log.Warn("serve", "history", $"{closed} run(s) of this node had not finished (the process stopped); marked interrupted.");
            await jobs.LoadAsync(files, ct).ConfigureAwait(false);
        }
        catch
        {
            observing.Dispose();
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.Services.AddSnapconvConsole(new ConsoleOptions
        {
            Token = options.ConsoleToken, KeysDir = Path.Combine(options.StateDir!, "console-keys"),
        }, store, jobs);
        builder.Services.AddServeMetrics();
        var app = builder.Build();
        StoreHealth? health = null;
        app.MapSnapconvConsole();
        app.MapGet("/healthz", () => health?.Problem is { } problem
            ? Results.Text($"unavailable: {problem}\n", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ok\n", "text/plain"));
        app.MapPrometheusScrapingEndpoint();
        app.MapGet("/jobs", () => Results.Bytes(JobsJson(file, metrics), "application/json"));
        app.MapGet("/api/cluster", async (CancellationToken c) => health?.Healthy == false
            ? Results.Text("the store does not answer\n", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Bytes(await ClusterJson(jobs.Scheduler, options.Cluster, runner.Clock, c).ConfigureAwait(false), "application/json"));
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            observing.Dispose();
            await app.DisposeAsync().ConfigureAwait(false);
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

        var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            if (options.Cluster is { } cluster && await QuartzSchema.EnsureAsync(cluster.ConnectionString, cluster.Schema, ct).ConfigureAwait(false))
                log.Info("serve", "store", $"created Quartz's tables in schema {cluster.Schema}.");
            await jobs.StartSchedulesAsync(new SchedulerOptions { NodeName = options.NodeName, Cluster = options.Cluster }, ct)
                .ConfigureAwait(false);
        }
        catch
        {
            observing.Dispose();
            await jobs.DisposeAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var tasks = new List<Task> { Task.Run(() => PurgeLoopAsync(store, jobs, options, runner.Clock, log, stop.Token), CancellationToken.None) };
        if (options.Cluster is { } storeOptions)
        {
            var s = jobs.Scheduler;
            health = new StoreHealth(StoreHealth.Postgres(storeOptions.ConnectionString), options.StoreHealth, runner.Clock,
                async () => await s.Quartz.Standby().ConfigureAwait(false),
                async () =>
                {
                    // Connections pooled before the outage are dead (a restarted server closed them): drop them, so the
                    // first runs after the rejoin do not fail on them.
                    Npgsql.NpgsqlConnection.ClearAllPools();
                    options.OnStoreBack?.Invoke();
                    // Runs that ended while the store was lost get their end written now, not left open in the history.
                    var written = await recorder.FlushAsync(stop.Token).ConfigureAwait(false);
                    if (written > 0) log.Info("serve", "history", $"{written} run(s) that ended while the store did not answer recorded now.");
                    await s.Quartz.Start().ConfigureAwait(false);
                },
                m => log.Warn("serve", "store", m));
            tasks.Add(Task.Run(() => health.RunAsync(stop.Token), CancellationToken.None));
            log.Info("serve", "cluster", $"node {options.NodeName} joined the cluster (check-in every {storeOptions.CheckinInterval.TotalSeconds:0} s).");
        }
        log.Info("serve", "listen", $"listening on {string.Join(", ", addresses)} (console at /, /api, /api/cluster, /healthz, /metrics, /jobs; state {options.StateDir})");
        return new RunningServe(app, stop, tasks, metrics, addresses, log, runner.Clock) { Locks = locks, Jobs = jobs, Store = store, Observing = observing };
    }

    // Old runs go hourly (and at start), each job after its own history_days.
    private static async Task PurgeLoopAsync(IStateStore store, ServeJobs jobs, ServeOptions options, TimeProvider clock, RunLog log, CancellationToken ct)
    {
        // Bounded by the process lifetime: one purge per interval until stopped.
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var n = await store.PurgeAsync(jobs.Retention(), clock.GetUtcNow(), ct).ConfigureAwait(false);
                if (n > 0) log.Info("serve", "history", $"{n} run(s) older than their history_days removed from the history.");
            }
            catch (StateStoreException e) { log.Warn("serve", "history", e.Message); }
            catch (OperationCanceledException) { return; }
            try { await Task.Delay(options.PurgeInterval, clock, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    private static string DefaultStateDir(IReadOnlyList<JobFile> files) =>
        files.Count > 0 && Path.GetDirectoryName(Path.GetFullPath(files[0].Path)) is { } dir
            ? Path.Combine(dir, Snapconv.Delivery.Upload.UploadOptions.DefaultStateDir)
            : Snapconv.Delivery.Upload.UploadOptions.DefaultStateDir;

    /// <summary>The first listen URL whose host is not a loopback address, or null.</summary>
    internal static string? NonLoopback(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // "http://*:80" and "http://+:80" listen everywhere; Uri cannot read them.
            var host = url.Contains("://*", StringComparison.Ordinal) || url.Contains("://+", StringComparison.Ordinal) ? "*"
                : Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.Host : "*";
            if (!ConsoleSecurity.IsLoopbackHost(host)) return url;
        }
        return null;
    }

    private static async Task<byte[]> ClusterJson(JobScheduler scheduler, ClusterStoreOptions? cluster, TimeProvider clock, CancellationToken ct)
    {
        var nodes = cluster is null
            ? await LocalNodeAsync(scheduler, ct).ConfigureAwait(false)
            : await ClusterNodes.ReadAsync(cluster, scheduler.NodeName, clock.GetUtcNow(), ct).ConfigureAwait(false);
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("nodes");
            foreach (var n in nodes)
            {
                w.WriteStartObject();
                w.WriteString("name", n.Name);
                if (n.LastCheckinAt is { } at) w.WriteString("last_checkin_at", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
                else w.WriteNull("last_checkin_at");
                w.WriteString("state", n.State);
                w.WriteBoolean("this_node", n.Name == scheduler.NodeName);
                w.WriteStartArray("running");
                foreach (var job in n.Running) w.WriteStringValue(job);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    // One node, RAM store: Quartz knows what it runs; there are no check-ins.
    private static async Task<IReadOnlyList<ClusterNode>> LocalNodeAsync(JobScheduler scheduler, CancellationToken ct)
    {
        var running = await scheduler.Quartz.QueryFireInstances(new Quartz.FireInstanceQuery(), ct).ConfigureAwait(false);
        return [new ClusterNode(scheduler.NodeName, null, "alive",
            running.Items.Where(f => f.JobKey is not null).Select(f => f.JobKey!.Name).Distinct().Order(StringComparer.Ordinal).ToList())];
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
    IReadOnlyList<string> addresses, RunLog log, TimeProvider clock) : IAsyncDisposable
{
    private int _stopped;

    /// <summary>The listen addresses (port 0 resolved).</summary>
    public IReadOnlyList<string> Addresses { get; } = addresses;
    /// <summary>The counters.</summary>
    public ServeMetrics Metrics { get; } = metrics;

    /// <summary>The state directories' locks, released once the runs stopped.</summary>
    internal IReadOnlyList<StateDirectoryLock> Locks { get; init; } = [];

    /// <summary>The jobs (file and console), their schedules and runs.</summary>
    public ServeJobs? Jobs { get; init; }

    /// <summary>The scheduler (Quartz) of this node.</summary>
    public JobScheduler Scheduler => Jobs?.Scheduler ?? throw new InvalidOperationException("serve has no scheduler");

    /// <summary>The state store (run history, console jobs); closed by <see cref="StopAsync"/>.</summary>
    public IStateStore? Store { get; init; }

    internal IDisposable? Observing { get; init; }

    /// <summary>Completes when every scheduler and run ended (after a stop).</summary>
    public Task Completion => Jobs is null ? Task.WhenAll(schedulers) : Task.WhenAll(Task.WhenAll(schedulers), Jobs.Completion);

    /// <summary>Stops the schedules, waits up to <paramref name="grace"/> for runs in progress, closes the endpoint.</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        log.Info("serve", "stop", "stopping: no new runs; runs in progress stop at their next step.");
        await stop.CancelAsync().ConfigureAwait(false);
        if (Jobs is not null) await Jobs.StopAsync(grace ?? TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        await Task.WhenAny(Completion, Task.Delay(grace ?? TimeSpan.FromSeconds(30), clock)).ConfigureAwait(false);
        // Real time: Kestrel closes its connections on the wall clock; this only bounds how long it may take.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(cts.Token).ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        stop.Dispose();
        Metrics.Dispose();
        Observing?.Dispose();
        if (Jobs is not null) await Jobs.DisposeAsync().ConfigureAwait(false);
        if (Store is not null) await Store.DisposeAsync().ConfigureAwait(false);
        foreach (var l in Locks) l.Dispose();
        log.Info("serve", "stop", "stopped.");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
