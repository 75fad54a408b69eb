using Quartz;
using Quartz.Extensibility;
using Snapconv.Jobs;
using JobRunResult = Snapconv.Jobs.JobRunResult;

namespace Snapconv.Cli.Serve;

/// <summary>Options of <see cref="JobScheduler"/>.</summary>
public sealed record SchedulerOptions
{
    /// <summary>Quartz's scheduler name: nodes with the same store and this name are one cluster.</summary>
    public const string SchedulerName = "snapconv";
    /// <summary>Default misfire threshold: a fire later than this is a misfire, run once now (today's catch-up rule).</summary>
    public static readonly TimeSpan DefaultMisfireThreshold = TimeSpan.FromSeconds(1);

    /// <summary>This node's name (Quartz's instance id): recorded with each run. Default host name and process id.</summary>
    public string NodeName { get; init; } = DefaultNodeName();
    /// <summary>The cluster's PostgreSQL store, or null (default): one node, Quartz's RAM store.</summary>
    public ClusterStoreOptions? Cluster { get; init; }
    /// <summary>How late a fire may be before it is a misfire (fired once now, then on schedule). Default 1 s.</summary>
    public TimeSpan MisfireThreshold { get; init; } = DefaultMisfireThreshold;

    /// <summary>Host name and process id, e.g. <c>web-3-4711</c>.</summary>
    public static string DefaultNodeName() => $"{Environment.MachineName}-{Environment.ProcessId}";
}

/// <summary>What a fire carries beyond its job: what started it and, for a run now, the run recorded when it was asked for.</summary>
/// <param name="Trigger"><c>schedule</c> or <c>run_now</c> (<see cref="Snapconv.State.RunTriggers"/>).</param>
/// <param name="RunId">The run recorded when the run now was asked for (on any node), or null.</param>
/// <param name="Recovering">Whether this fire runs again a run whose node died mid-run.</param>
public sealed record JobFire(string Trigger, long? RunId, bool Recovering);

/// <summary>What <see cref="JobScheduler.RunNowAsync"/> did.</summary>
public enum RunNowOutcome
{
    /// <summary>Handed to the scheduler: a node of the cluster (or this one) runs it now.</summary>
    Started,
    /// <summary>The job runs now on some node, or a run now of it waits to start: nothing was added.</summary>
    AlreadyRunning,
    /// <summary>The scheduler has no such job.</summary>
    Unknown,
}

/// <summary>
/// Fires each scheduled job on its cron schedule (in the job's time zone) with Quartz.NET: a RAM store for one node, the
/// clustered ADO.NET store on PostgreSQL for several (<see cref="SchedulerOptions.Cluster"/>). The rules, on one node or
/// across a cluster: a schedule fires once; a job never runs twice at once (<see cref="DisallowConcurrentExecutionAttribute"/>);
/// a fire missed while a run lasted or while no node was up runs once, as soon as it can
/// (<see cref="CronTriggerMisfireInstruction.FireAndProceed"/>); a job whose node died mid-run is run again by another
/// node (<see cref="JobBuilder{TJob}.RequestRecovery"/>). On one node the last fire time is kept in the state directory
/// (<see cref="ScheduleStore"/>) so that a fire missed while serve was down is caught up once at start.
/// </summary>
public sealed class JobScheduler : IAsyncDisposable
{
    private const string Group = "snapconv";
    /// <summary>Key of a run now's trigger data: the run recorded when it was asked for (text, invariant digits).</summary>
    public const string RunIdKey = "snapconv.run_id";
    /// <summary>Key of a run now's trigger data: marks the fire as a run now.</summary>
    public const string RunNowKey = "snapconv.run_now";
    // Every job can run at once on a node; the pool grows with the jobs known at start (console jobs come later).
    private const int MinThreads = 16;
    // Fire ids of this node's runs that ended, newest last: Quartz still lists a firing for a moment after the job
    // returned (until it stores the completion), and that run is over for a user.
    private const int EndedFiresKept = 256;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _endedFires = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _activeJobs = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, JobDefinition> _jobs;
    private SchedulerOptions _options = new();
    private TimeProvider _clock = null!;
    private readonly Func<JobDefinition, JobFire, CancellationToken, Task<JobRunResult>> _run;
    private readonly Func<string, JobFire, CancellationToken, Task<JobDefinition?>>? _resolve;
    private readonly ScheduleStore? _store;
    private readonly CancellationTokenSource _stop = new();
    private readonly RunLog? _log;
    private int _runs;
    private int _active;
    private int _stopped;

    private JobScheduler(IEnumerable<JobDefinition> jobs, Func<JobDefinition, JobFire, CancellationToken, Task<JobRunResult>> run, ScheduleStore? store,
        RunLog? log, Func<string, JobFire, CancellationToken, Task<JobDefinition?>>? resolve)
    {
        _jobs = new(jobs.Select(j => KeyValuePair.Create(j.Name, j)), StringComparer.Ordinal);
        _run = run;
        _resolve = resolve;
        _store = store;
        _log = log;
    }

    /// <summary>The Quartz scheduler (cluster queries, tests).</summary>
    public IScheduler Quartz { get; private set; } = null!;
    /// <summary>Runs started on this node (tests).</summary>
    public int Runs => Volatile.Read(ref _runs);
    /// <summary>Runs in progress on this node.</summary>
    public int Active => Volatile.Read(ref _active);
    /// <summary>This node's name.</summary>
    public string NodeName { get; private set; } = "";

    /// <summary>Builds the scheduler, stores each scheduled job and its trigger, and starts firing.</summary>
    /// <param name="jobs">Jobs with a schedule (others are ignored).</param>
    /// <param name="run">Runs one job once; its failures are its result, an exception is logged and the schedule goes on.</param>
    /// <param name="options">Node name, store, misfire threshold.</param>
    /// <param name="clock">
    /// Clock of the schedules. Quartz reads it for fire times and its idle waits; in cluster mode the check-ins and the
    /// database's misfire sweep are stamped with it too, so a cluster runs on the system clock.
    /// </param>
    /// <param name="store">Last fire times (one node only; null: no catch-up after downtime).</param>
    /// <param name="log">Where each fire is told (<c>fire</c> and <c>fire_end</c> lines with the node's name), or null.</param>
    /// <param name="ct">Cancels the start.</param>
    /// <exception cref="FormatException">A schedule Quartz cannot say (the job-file loader refuses those first).</exception>
    public static Task<JobScheduler> StartAsync(IEnumerable<JobDefinition> jobs, Func<JobDefinition, CancellationToken, Task<JobRunResult>> run,
        SchedulerOptions options, TimeProvider clock, ScheduleStore? store = null, RunLog? log = null, CancellationToken ct = default) =>
        StartAsync(jobs, (j, _, c) => run(j, c), options, clock, store, log, null, ct);

    /// <summary>
    /// Builds the scheduler with every job — those with a schedule get their trigger, the others are stored for
    /// <see cref="RunNowAsync"/> — and starts firing.
    /// </summary>
    /// <param name="jobs">The jobs.</param>
    /// <param name="run">Runs one job once, told what fired it; its failures are its result.</param>
    /// <param name="options">Node name, store.</param>
    /// <param name="clock">The clock of fires and catch-up (Quartz in a cluster reads the system clock for its check-ins).</param>
    /// <param name="store">Last fire times (one node only; null: no catch-up after downtime).</param>
    /// <param name="log">Where each fire is told, or null.</param>
    /// <param name="resolve">
    /// Finds a job this node was not given (a console job saved on another node of the cluster), or null to skip the
    /// fire; null: such fires are skipped.
    /// </param>
    /// <param name="ct">Cancels the start.</param>
    /// <exception cref="FormatException">A schedule Quartz cannot say (the job-file loader refuses those first).</exception>
    public static async Task<JobScheduler> StartAsync(IEnumerable<JobDefinition> jobs, Func<JobDefinition, JobFire, CancellationToken, Task<JobRunResult>> run,
        SchedulerOptions options, TimeProvider clock, ScheduleStore? store, RunLog? log, Func<string, JobFire, CancellationToken, Task<JobDefinition?>>? resolve,
        CancellationToken ct = default)
    {
        var scheduled = jobs.ToList();
        var s = new JobScheduler(scheduled, run, options.Cluster is null ? store : null, log, resolve) { NodeName = options.NodeName, _options = options, _clock = clock };
        var factory = QuartzSchedulerBuilder.Create(q =>
        {
            q.ConfigureScheduler(o =>
            {
                o.InstanceName = SchedulerOptions.SchedulerName;
                o.InstanceId = options.NodeName;
                o.DefaultTimeZone = TimeZoneInfo.Utc;
                // One trigger per acquisition round: the nodes of a cluster then share the fires due at one instant
                // instead of the fastest node taking them all (Quartz's default batch is its thread count).
                o.MaxBatchSize = 1;
            });
            q.UseTimeProvider(clock);
            q.UseJobFactory(new Factory(s));
            // Every job can run at once on this node; Quartz's rules keep each job to one run at a time.
            q.UseDefaultThreadPool(Math.Max(MinThreads, scheduled.Count));
            if (options.Cluster is { } cluster) cluster.Configure(q, options.MisfireThreshold);
            else q.UseInMemoryStore(o => o.MisfireThreshold = options.MisfireThreshold);
        }).Build();
        s.Quartz = await factory.GetScheduler(ct).ConfigureAwait(false);
        await s.ScheduleAsync(scheduled, options, ct).ConfigureAwait(false);
        await s.Quartz.Start(ct).ConfigureAwait(false);
        return s;
    }

    private async Task ScheduleAsync(IReadOnlyList<JobDefinition> jobs, SchedulerOptions options, CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        // One read and one write for all the jobs: on a cluster each is a transaction under Quartz's TRIGGER_ACCESS lock,
        // which the other nodes' firing rounds take too.
        var stored = (await Quartz.GetTriggers(jobs.Select(j => new TriggerKey(j.Name, Group)).ToList(), ct).ConfigureAwait(false))
            .OfType<ICronTrigger>().ToDictionary(t => t.Key.Name, StringComparer.Ordinal);
        var changed = new Dictionary<IJobDetail, IReadOnlyCollection<ITrigger>>();
        var unscheduled = new List<TriggerKey>();
        foreach (var job in jobs)
        {
            var key = new JobKey(job.Name, Group);
            if (job.Schedule is null)
            {
                // Stored without a trigger, for run now; a schedule it had before (an edited console job) goes.
                changed[Detail(key, job.Name)] = [];
                if (stored.ContainsKey(job.Name)) unscheduled.Add(new TriggerKey(job.Name, Group));
                continue;
            }
            var cron = QuartzCron.Translate(job.Schedule!);
            var trigger = (ICronTrigger)TriggerBuilder.Create(_clock).WithIdentity(job.Name, Group).ForJob(key).StartAt(now)
                .WithSchedule(CronScheduleBuilder.Create(cron).InTimeZone(job.TimeZone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
                .Build();
            // Nodes starting with the same job files keep the stored trigger (its next fire; a misfire to run); a changed
            // schedule or time zone replaces it.
            if (stored.TryGetValue(job.Name, out var existing) && existing.CronExpressionString == trigger.CronExpressionString
                && existing.TimeZone.Id == job.TimeZone.Id) continue;
            changed[Detail(key, job.Name)] = [trigger];
        }
        if (changed.Count > 0) await Quartz.ScheduleJobs(changed, ScheduleJobOptions.Replacing, ct).ConfigureAwait(false);
        if (unscheduled.Count > 0) await Quartz.UnscheduleJobs(unscheduled, ct).ConfigureAwait(false);
        // Downtime on one node: the RAM store starts empty and Quartz computes a new trigger's first fire from now, so a
        // fire due since the last one (kept in the state directory) is fired once now, by hand. A cluster's store keeps
        // its triggers: there the missed fire is a misfire, and FireAndProceed runs it once.
        foreach (var job in jobs.Where(j => j.Schedule is not null))
            if (_store?.GetLastFire(job.Name) is { } last
                && new CronExpression(QuartzCron.Translate(job.Schedule!), job.TimeZone).GetNextValidTimeAfter(last) is { } due && due <= now)
                await Quartz.TriggerJob(new JobKey(job.Name, Group), new JobDataMap(), ct).ConfigureAwait(false);
    }

    private static IJobDetail Detail(JobKey key, string name) =>
        JobBuilder.Create<ScheduledRun>().WithIdentity(key).DisallowConcurrentExecution().RequestRecovery().StoreDurably()
            .WithDescription($"snapconv job {name}").Build();

    private static JobFire FireOf(IJobExecutionContext context)
    {
        var data = context.MergedJobDataMap;
        var runNow = data.ContainsKey(RunNowKey);
        long? id = runNow && data.TryGetString(RunIdKey, out var text)
            && long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
        return new JobFire(runNow ? Snapconv.State.RunTriggers.RunNow : Snapconv.State.RunTriggers.Schedule, id, context.Recovering);
    }

    private async Task ExecuteAsync(IJobExecutionContext context, CancellationToken ct)
    {
        var name = context.JobDetail.Key.Name;
        _activeJobs.AddOrUpdate(name, 1, (_, n) => n + 1);
        try { await ExecuteKnownAsync(context, name, ct).ConfigureAwait(false); }
        finally
        {
            _endedFires.Enqueue(context.FireInstanceId);
            while (_endedFires.Count > EndedFiresKept && _endedFires.TryDequeue(out _)) { }
            _activeJobs.AddOrUpdate(name, 0, (_, n) => n - 1);
        }
    }

    private async Task ExecuteKnownAsync(IJobExecutionContext context, string name, CancellationToken ct)
    {
        var fire = FireOf(context);
        if (!_jobs.TryGetValue(name, out var job))
        {
            if (_resolve is not null && await _resolve(name, fire, ct).ConfigureAwait(false) is { } found) job = _jobs.GetOrAdd(name, found);
            else
            {
                _log?.Warn(name, "fire", $"this node ({NodeName}) has no job '{name}' in its job files; the fire is skipped (give every node the same job files).");
                return;
            }
        }
        if (_stop.IsCancellationRequested) return;
        Interlocked.Increment(ref _runs);
        Interlocked.Increment(ref _active);
        var fields = new Dictionary<string, object?>
        {
            ["node"] = NodeName, ["fire_id"] = context.FireInstanceId, ["recovering"] = context.Recovering,
            ["scheduled_at"] = context.ScheduledFireTimeUtc?.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["trigger"] = fire.Trigger,
        };
        JobRunResult? result = null;
        try
        {
            if (context.Recovering) _log?.Warn(name, "fire", $"recovering a run whose node stopped mid-run: node {NodeName} runs it again (acknowledged events are not sent again).", fields);
            else _log?.Info(name, "fire", $"run on node {NodeName}", fields);
            // A run now is not a schedule's fire: the catch-up after downtime counts from the schedule's own fires.
            if (fire.Trigger == Snapconv.State.RunTriggers.Schedule) _store?.SetLastFire(name, context.ScheduledFireTimeUtc ?? context.FireTimeUtc);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
            try { result = await _run(job, fire, linked.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) when (linked.IsCancellationRequested) { }
        }
        finally
        {
            Interlocked.Decrement(ref _active);
            fields["outcome"] = result is null ? "canceled" : JobRunner.Snake(result.Outcome);
            _log?.Info(name, "fire_end", $"run ended on node {NodeName}", fields);
        }
    }

    /// <summary>Whether a run of <paramref name="job"/> is in progress on this node (it may have started elsewhere too).</summary>
    public bool IsActive(string job) => _activeJobs.TryGetValue(job, out var n) && n > 0;

    /// <summary>
    /// Whether <paramref name="job"/> runs on any node of the cluster (this one: until its run returned), or a run now of
    /// it waits to start.
    /// </summary>
    public async Task<bool> IsBusyAsync(string job, CancellationToken ct = default)
    {
        if (IsActive(job)) return true;
        var key = new JobKey(job, Group);
        var fires = await Quartz.QueryFireInstances(new FireInstanceQuery { Job = key, State = null }, ct).ConfigureAwait(false);
        if (fires.Items.Any(f => f.SchedulerInstanceId != NodeName || !_endedFires.Contains(f.FireInstanceId))) return true;
        foreach (var t in await Quartz.GetTriggersOfJob(key, ct).ConfigureAwait(false))
            if (t.JobDataMap.ContainsKey(RunNowKey)
                && await Quartz.GetTriggerState(t.Key, ct).ConfigureAwait(false) is TriggerState.Normal or TriggerState.Blocked or TriggerState.Paused)
                return true;
        return false;
    }

    /// <summary>
    /// Fires <paramref name="job"/> now (the console's Run now) through Quartz, so that it never overlaps a run of the same
    /// job on any node and runs on whichever node Quartz picks: refused while the job runs anywhere or a run now of it
    /// waits. <paramref name="runId"/> (the run recorded when it was asked for) goes with the fire, for the node that runs
    /// it to claim. Should a scheduled fire start between the check and the trigger, the run now waits for it and runs
    /// next (Quartz's <see cref="DisallowConcurrentExecutionAttribute"/>), never beside it.
    /// </summary>
    public async Task<RunNowOutcome> RunNowAsync(string job, long? runId = null, CancellationToken ct = default)
    {
        if (!_jobs.ContainsKey(job)) return RunNowOutcome.Unknown;
        if (await IsBusyAsync(job, ct).ConfigureAwait(false)) return RunNowOutcome.AlreadyRunning;
        var data = new JobDataMap { [RunNowKey] = "true" };
        if (runId is { } id) data[RunIdKey] = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await Quartz.TriggerJob(new JobKey(job, Group), data, ct).ConfigureAwait(false);
        return RunNowOutcome.Started;
    }

    /// <summary>
    /// Schedules a job set up (or changed) after the start — a console job (#18) — replacing its trigger; a job without a
    /// schedule is kept for run now, without a trigger.
    /// </summary>
    public async Task AddOrReplaceAsync(JobDefinition job, CancellationToken ct = default)
    {
        _jobs[job.Name] = job;
        await ScheduleAsync([job], _options, ct).ConfigureAwait(false);
    }

    /// <summary>Removes a job and its schedule (a console job deleted).</summary>
    public async Task RemoveAsync(string job, CancellationToken ct = default)
    {
        _jobs.TryRemove(job, out _);
        await Quartz.DeleteJob(new JobKey(job, Group), ct).ConfigureAwait(false);
    }

    /// <summary>Stops firing, asks runs in progress to stop at their next step, waits up to <paramref name="grace"/> for them.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await Quartz.Standby().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        var shutdown = Quartz.Shutdown(waitForJobsToComplete: true).AsTask();
        await Task.WhenAny(shutdown, Task.Delay(grace, _clock)).ConfigureAwait(false);
    }

    /// <summary>Stops with a 30 s grace.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        _stop.Dispose();
    }

    [DisallowConcurrentExecution]
    private sealed class ScheduledRun(JobScheduler owner) : IJob
    {
        public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default) =>
            new(owner.ExecuteAsync(context, cancellationToken));
    }

    private sealed class Factory(JobScheduler owner) : IJobFactory
    {
        public ValueTask<JobScope> CreateJob(TriggerFiredBundle bundle, IScheduler scheduler, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new JobScope(new ScheduledRun(owner), null!));

        public ValueTask ReturnJob(JobScope scope, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}

/// <summary>Remembers each job's last fire time (a small text file per job in the state directory).</summary>
public sealed class ScheduleStore(Func<string, string> stateDirOf)
{
    private static string FileOf(string dir, string job) => Path.Combine(dir, "runs", job, "last-fire");

    /// <summary>The last fire time, or null.</summary>
    public DateTimeOffset? GetLastFire(string job)
    {
        var f = FileOf(stateDirOf(job), job);
        try
        {
            return File.Exists(f) && DateTimeOffset.TryParse(File.ReadAllText(f).Trim(), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t : null;
        }
        catch (IOException) { return null; }
    }

    /// <summary>Stores the fire time.</summary>
    public void SetLastFire(string job, DateTimeOffset at)
    {
        var f = FileOf(stateDirOf(job), job);
        Directory.CreateDirectory(Path.GetDirectoryName(f)!);
        File.WriteAllText(f, at.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }
}
