using System.Text.Json;
using Snapconv.Console;
using Snapconv.Console.Runtime;
using Snapconv.Delivery.Ledger;
using Snapconv.Jobs;
using Snapconv.State;

namespace Snapconv.Cli.Serve;

/// <summary>
/// The jobs of one <c>serve</c>: those of its job files (read-only) and those set up in the console (kept in the state
/// store), each with its schedule, one run at a time per job, every run recorded in the store (<see cref="RunRecorder"/>).
/// What the console asks of serve (<see cref="IConsoleRuntime"/>).
/// </summary>
public sealed class ServeJobs : IConsoleRuntime, IAsyncDisposable
{
    private sealed class Entry(JobDefinition job, string? definedIn, JsonElement settings, SemaphoreSlim? gate = null)
    {
        public JobDefinition Job { get; } = job;
        public string? DefinedIn { get; } = definedIn;
        public JsonElement Settings { get; } = settings;
        public JsonElement? Keys { get; init; }
        // One run at a time per job name; an edited job keeps its gate, so its next run waits for one in progress.
        public SemaphoreSlim Gate { get; } = gate ?? new(1, 1);
    }

    private readonly Dictionary<string, Entry> _jobs = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly List<Task> _tasks = [];
    private readonly IStateStore _store;
    private readonly JobRunner _runner;
    private readonly RunLog _log;
    private readonly ServeOptions _options;
    private readonly ServeMetrics _metrics;
    private readonly ScheduleStore _schedules;
    private readonly HashSet<string> _lockedDirs;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _runNow = new(1, 1);
    private readonly string _stateDir;
    private JobScheduler? _scheduler;

    internal ServeJobs(IStateStore store, JobRunner runner, RunLog log, ServeOptions options, ServeMetrics metrics, RunRecorder recorder,
        IEnumerable<string> lockedDirs)
    {
        _store = store;
        _stateDir = options.StateDir ?? throw new ArgumentException("the state folder is resolved by ServeHost", nameof(options));
        _runner = runner;
        _log = log;
        _options = options;
        _metrics = metrics;
        Recorder = recorder;
        _lockedDirs = lockedDirs.Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
        _schedules = new ScheduleStore(name => Find(name)?.Job.StateDir ?? _stateDir);
    }

    /// <summary>The recorder of this serve's runs.</summary>
    public RunRecorder Recorder { get; }

    /// <summary>Every scheduler and run-now task (they end after <see cref="StopAsync"/>).</summary>
    internal Task Completion
    {
        get { lock (_gate) return Task.WhenAll(_tasks.ToList()); }
    }

    /// <summary>Adds the job files' jobs and the console's (a console job named like a file job is left out, said as a WARN line).</summary>
    internal async Task LoadAsync(IReadOnlyList<JobFile> files, CancellationToken ct)
    {
        foreach (var file in files)
            foreach (var job in file.Jobs)
                lock (_gate) _jobs[job.Name] = new Entry(job, file.Path, JobKeys.SettingsOf(job));
        foreach (var record in await _store.ListJobsAsync(ct).ConfigureAwait(false)) Load(record);
    }

    /// <summary>The Quartz scheduler of this node (after <see cref="StartSchedulesAsync"/>).</summary>
    public JobScheduler Scheduler => _scheduler ?? throw new InvalidOperationException("the schedules are not started");

    /// <summary>Starts the one scheduler (Quartz) with every scheduled job, file and console alike.</summary>
    internal async Task StartSchedulesAsync(SchedulerOptions options, CancellationToken ct)
    {
        List<Entry> all;
        lock (_gate) all = _jobs.Values.OrderBy(e => e.Job.Name, StringComparer.Ordinal).ToList();
        foreach (var e in all)
        {
            if (e.Job.Cron is null) _log.Info(e.Job.Name, "schedule", "no schedule: this job runs only with `snapconv run` or Run now.");
            else LogScheduled(e.Job);
        }
        // A fire runs the job's current definition (a console job may have been edited since it was scheduled). Every job
        // is in Quartz, scheduled or not, so that run now goes through it too (#19).
        _scheduler = await JobScheduler.StartAsync(all.Select(e => e.Job), (j, fire, c) => RunAsync(Find(j.Name)?.Job ?? j, fire, c),
            options, _runner.Clock, options.Cluster is null ? _schedules : null, _log, ResolveAsync, ct).ConfigureAwait(false);
    }

    // A fire of a job this node was not given: a console job saved on another node of the cluster after this one started
    // is read from the shared store. A run now nobody here can run is closed in the history rather than left open.
    private async Task<JobDefinition?> ResolveAsync(string name, JobFire fire, CancellationToken ct)
    {
        JobDefinition? job = null;
        try
        {
            if (await _store.GetJobAsync(name, ct).ConfigureAwait(false) is { } record) job = Load(record);
        }
        catch (StateStoreException e) { _log.Warn(name, "console", e.Message); }
        if (job is null && fire.RunId is { } id)
            await Recorder.AbandonAsync(id, $"node {_options.NodeName} has no job '{name}'; give every node the same job files.").ConfigureAwait(false);
        return job;
    }

    // A console job read from the store (at start, or later for a fire): kept unless a job file defines that name.
    private JobDefinition? Load(ConsoleJobRecord record)
    {
        if (Find(record.Name) is { DefinedIn: { } f })
        {
            _log.Warn("serve", "console", $"console job '{record.Name}' is not loaded: {f} defines a job of that name.");
            return null;
        }
        using var doc = JsonDocument.Parse(record.Definition);
        var keys = doc.RootElement.Clone();
        var (job, errors) = JobKeys.Parse(keys, _stateDir, Directory.GetCurrentDirectory());
        if (job is null)
        {
            _log.Warn("serve", "console", $"console job '{record.Name}' is not loaded: {string.Join(" ", errors.Select(e => $"{e.Field}: {e.Message}"))}");
            return null;
        }
        lock (_gate) _jobs[job.Name] = new Entry(job, null, JobKeys.ForDisplay(keys), _jobs.GetValueOrDefault(job.Name)?.Gate) { Keys = keys };
        return job;
    }

    // In a cluster a console job may have been edited on another node: a fire runs the definition the store holds now.
    private async Task<JobDefinition> CurrentAsync(JobDefinition job, CancellationToken ct)
    {
        if (_options.Cluster is null || Find(job.Name) is not { DefinedIn: null } e) return job;
        try
        {
            if (await _store.GetJobAsync(job.Name, ct).ConfigureAwait(false) is { } record
                && (e.Keys is not { } keys || keys.GetRawText() != record.Definition) && Load(record) is { } changed)
                return changed;
        }
        catch (StateStoreException) { }
        return job;
    }

    private void LogScheduled(JobDefinition job) => _log.Info(job.Name, "schedule", $"scheduled '{job.Schedule}' ({job.TimeZone.Id})");

    // A console job saved or deleted while serve runs: its trigger is replaced or removed. The save waits for it, so that
    // a Run now right after the save finds the job in Quartz; the task itself never throws.
    private Task RescheduleAsync(JobDefinition job, bool deleted)
    {
        if (_scheduler is not { } s || _stop.IsCancellationRequested) return Task.CompletedTask;
        if (job.Cron is not null && !deleted) LogScheduled(job);
        var scheduling = Task.Run(async () =>
        {
            try
            {
                if (deleted) await s.RemoveAsync(job.Name, _stop.Token).ConfigureAwait(false);
                else await s.AddOrReplaceAsync(job, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _log.Warn(job.Name, "schedule", $"the schedule could not be changed ({e.GetType().Name}); restart serve to apply it.");
            }
            catch (OperationCanceledException) { }
        }, CancellationToken.None);
        Track(scheduling);
        return scheduling;
    }

    private void Track(Task t)
    {
        lock (_gate)
        {
            _tasks.RemoveAll(x => x.IsCompleted);
            _tasks.Add(t);
        }
    }

    private Entry? Find(string name)
    {
        lock (_gate) return _jobs.GetValueOrDefault(name);
    }

    // Every run, scheduled or run now, is a Quartz fire: Quartz keeps a job's runs from overlapping on any node; the gate
    // (this node's) also covers an edited job whose old run is still going.
    private async Task<JobRunResult> RunAsync(JobDefinition job, JobFire fire, CancellationToken ct)
    {
        job = await CurrentAsync(job, ct).ConfigureAwait(false);
        var e = Find(job.Name);
        var gate = e?.Gate ?? new SemaphoreSlim(1, 1);
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            RecordedRun? recorded;
            if (fire.Trigger == RunTriggers.RunNow)
            {
                // The run was recorded when it was asked for (on this node or another): this node takes it over.
                recorded = fire.RunId is { } id ? await Recorder.ClaimAsync(job.Name, id, ct).ConfigureAwait(false)
                    : await Recorder.StartAsync(job.Name, RunTriggers.RunNow, ct).ConfigureAwait(false);
                _log.Info(job.Name, "console", "run now");
            }
            else recorded = await Recorder.StartAsync(job.Name, RunTriggers.Schedule, ct).ConfigureAwait(false);
            return await RunHeldAsync(job, recorded, ct).ConfigureAwait(false);
        }
        finally { gate.Release(); }
    }

    private async Task<JobRunResult> RunHeldAsync(JobDefinition job, RecordedRun? recorded, CancellationToken ct)
    {
        _metrics.Started(job.Name);
        var r = await _runner.RunAsync(job, lockHeld: _lockedDirs.Contains(Path.GetFullPath(job.StateDir)), ct).ConfigureAwait(false);
        _metrics.Record(r);
        if (recorded is not null) await Recorder.FinishAsync(recorded, r).ConfigureAwait(false);
        return r;
    }

    /// <summary>Stops the schedules, asks runs in progress to stop, waits up to <paramref name="grace"/> for the scheduler's.</summary>
    internal async Task StopAsync(TimeSpan grace)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_scheduler is { } s) await s.StopAsync(grace).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_scheduler is { } s) await s.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    // ---- IConsoleRuntime ----

    /// <inheritdoc />
    public TimeProvider Clock => _runner.Clock;

    public IReadOnlyList<JobView> Jobs()
    {
        List<Entry> all;
        lock (_gate) all = _jobs.Values.ToList();
        return all.OrderBy(e => e.Job.Name, StringComparer.Ordinal).Select(View).ToList();
    }

    /// <inheritdoc />
    public JobView? Job(string name) => Find(name) is { } e ? View(e) : null;

    private JobView View(Entry e) => new()
    {
        Name = e.Job.Name,
        PixelId = e.Job.PixelId,
        SourceType = e.Job.Source.Kind,
        SourceWhere = JobKeys.Where(e.Job.Source),
        Schedule = e.Job.Schedule,
        TimeZone = e.Job.TimeZone.Id,
        NextFireAt = e.Job.Cron?.GetNextOccurrence(_runner.Clock.GetUtcNow(), e.Job.TimeZone),
        DefinedIn = e.DefinedIn,
        Settings = e.Settings,
        HistoryDays = e.Job.HistoryDays ?? _options.HistoryDays,
    };

    /// <summary>The retention of every job (its <c>history_days</c>, or serve's default).</summary>
    internal RetentionPolicy Retention()
    {
        lock (_gate)
            return new RetentionPolicy
            {
                DefaultDays = _options.HistoryDays,
                JobDays = _jobs.Values.Where(e => e.Job.HistoryDays is not null).ToDictionary(e => e.Job.Name, e => e.Job.HistoryDays!.Value, StringComparer.Ordinal),
            };
    }

    /// <inheritdoc />
    public IReadOnlyList<FieldError> Validate(JsonElement keys) => JobKeys.Parse(keys, _stateDir, Directory.GetCurrentDirectory()).Errors;

    /// <inheritdoc />
    public async Task<SaveResult> SaveAsync(JsonElement keys, CancellationToken ct)
    {
        var (job, errors) = JobKeys.Parse(keys, _stateDir, Directory.GetCurrentDirectory());
        if (job is null) return new SaveResult(false, false, errors, null);
        if (Find(job.Name) is { DefinedIn: { } file })
            return new SaveResult(false, false, [new FieldError("name", $"'{job.Name}' is defined in {file}; choose another name.")], null);
        var now = _runner.Clock.GetUtcNow();
        var created = await _store.UpsertJobAsync(new ConsoleJobRecord { Name = job.Name, Definition = keys.GetRawText(), CreatedAt = now, UpdatedAt = now }, ct)
            .ConfigureAwait(false);
        Entry entry;
        Entry? old;
        lock (_gate)
        {
            old = _jobs.GetValueOrDefault(job.Name);
            entry = new Entry(job, null, JobKeys.ForDisplay(keys), old?.Gate) { Keys = keys.Clone() };
            _jobs[job.Name] = entry;
        }
        _log.Info(job.Name, "console", created ? "job created in the console" : "job changed in the console");
        await RescheduleAsync(job, deleted: false).ConfigureAwait(false);
        return new SaveResult(true, created, [], View(entry));
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string name, CancellationToken ct)
    {
        if (Find(name) is not { DefinedIn: null } e) return false;
        await _store.DeleteJobAsync(name, ct).ConfigureAwait(false);
        lock (_gate) _jobs.Remove(name);
        await RescheduleAsync(e.Job, deleted: true).ConfigureAwait(false);
        _log.Info(name, "console", "job deleted in the console");
        return true;
    }

    /// <inheritdoc />
    public string? ExportYaml(string name) => Find(name) is { DefinedIn: null, Keys: { } keys } ? JobKeys.ToYaml(keys) : null;

    /// <inheritdoc />
    /// <remarks>
    /// Through Quartz on both stores (#19): the run is recorded here, at once (its id is the answer), and fired with
    /// <c>TriggerJob</c>; whichever node Quartz hands it to claims the record and runs it. Refused while the job runs on any
    /// node or a run now of it waits: a user who clicks again while it runs gets "running", not a second run later.
    /// </remarks>
    public async Task<RunNowResult> RunNowAsync(string name, CancellationToken ct)
    {
        if (Find(name) is not { } e) return new RunNowResult(RunNowStatus.NotFound, null);
        // Serve is still starting (the console listens before the schedules start).
        if (_scheduler is not { } s || _stop.IsCancellationRequested) return new RunNowResult(RunNowStatus.Unavailable, null);
        // One request at a time on this node: two clicks cannot both pass the check below.
        await _runNow.WaitAsync(ct).ConfigureAwait(false);
        long? id = null;
        try
        {
            if (e.Gate.CurrentCount == 0 || await s.IsBusyAsync(name, ct).ConfigureAwait(false)) return new RunNowResult(RunNowStatus.AlreadyRunning, null);
            id = await Recorder.RequestAsync(name, ct).ConfigureAwait(false);
            // Told before the fire: once fired, this job's lines go to the run's own log.
            _log.Info(name, "console", id is { } r ? $"run now asked for (run {r}); it starts on the node the scheduler picks" : "run now asked for");
            var outcome = await s.RunNowAsync(name, id, ct).ConfigureAwait(false);
            if (outcome != RunNowOutcome.Started && id is { } notRun)
                await Recorder.AbandonAsync(notRun, outcome == RunNowOutcome.Unknown ? "the job is not scheduled on this node." : "the job was already running.").ConfigureAwait(false);
            return outcome switch
            {
                RunNowOutcome.Started => new RunNowResult(RunNowStatus.Started, id),
                RunNowOutcome.AlreadyRunning => new RunNowResult(RunNowStatus.AlreadyRunning, null),
                _ => new RunNowResult(RunNowStatus.NotFound, null),
            };
        }
        catch (Quartz.SchedulerException ex)
        {
            // The cluster's store does not answer (Quartz could not store the fire): nothing will run.
            _log.Warn(name, "console", $"run now could not be handed to the scheduler ({ex.GetType().Name}).");
            if (id is { } notRun) await Recorder.AbandonAsync(notRun, "the scheduler's store did not answer; nothing ran.").ConfigureAwait(false);
            return new RunNowResult(RunNowStatus.Unavailable, null);
        }
        finally { _runNow.Release(); }
    }

    /// <inheritdoc />
    public bool IsRunning(string name) => Find(name) is { } e && (e.Gate.CurrentCount == 0 || _scheduler?.IsActive(name) == true);

    /// <inheritdoc />
    public Task<ConnectionTestResult> TestConnectionAsync(ConnectionTestRequest request, CancellationToken ct) =>
        ConnectionTest.RunAsync(request, _runner.Clock, ct);

    /// <inheritdoc />
    public Task<PreviewResult> PreviewAsync(JsonElement keys, int rows, CancellationToken ct) =>
        Preview.RunAsync(keys, rows, _stateDir, Directory.GetCurrentDirectory(), _runner.Clock, ct);
}
