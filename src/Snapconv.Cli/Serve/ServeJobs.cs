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
        foreach (var record in await _store.ListJobsAsync(ct).ConfigureAwait(false))
        {
            if (Find(record.Name) is { DefinedIn: { } f })
            {
                _log.Warn("serve", "console", $"console job '{record.Name}' is not loaded: {f} defines a job of that name.");
                continue;
            }
            using var doc = JsonDocument.Parse(record.Definition);
            var keys = doc.RootElement.Clone();
            var (job, errors) = JobKeys.Parse(keys, _stateDir, Directory.GetCurrentDirectory());
            if (job is null)
            {
                _log.Warn("serve", "console", $"console job '{record.Name}' is not loaded: {string.Join(" ", errors.Select(e => $"{e.Field}: {e.Message}"))}");
                continue;
            }
            lock (_gate) _jobs[job.Name] = new Entry(job, null, JobKeys.ForDisplay(keys)) { Keys = keys };
        }
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
        // A fire runs the job's current definition (a console job may have been edited since it was scheduled).
        _scheduler = await JobScheduler.StartAsync(all.Select(e => e.Job), (j, c) => RunAsync(Find(j.Name)?.Job ?? j, RunTriggers.Schedule, c),
            options, _runner.Clock, options.Cluster is null ? _schedules : null, _log, ct).ConfigureAwait(false);
    }

    private void LogScheduled(JobDefinition job) => _log.Info(job.Name, "schedule", $"scheduled '{job.Schedule}' ({job.TimeZone.Id})");

    // A console job saved or deleted while serve runs: its trigger is replaced or removed.
    private void Reschedule(JobDefinition job, bool deleted)
    {
        if (_scheduler is not { } s || _stop.IsCancellationRequested) return;
        if (job.Cron is not null && !deleted) LogScheduled(job);
        Track(Task.Run(async () =>
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
        }, CancellationToken.None));
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

    // A scheduled run waits for a run in progress (run now) to end; runs of one job never overlap.
    private async Task<JobRunResult> RunAsync(JobDefinition job, string trigger, CancellationToken ct)
    {
        var e = Find(job.Name);
        var gate = e?.Gate ?? new SemaphoreSlim(1, 1);
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var recorded = await Recorder.StartAsync(job.Name, trigger, ct).ConfigureAwait(false);
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
        Reschedule(job, deleted: false);
        return new SaveResult(true, created, [], View(entry));
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string name, CancellationToken ct)
    {
        if (Find(name) is not { DefinedIn: null } e) return false;
        await _store.DeleteJobAsync(name, ct).ConfigureAwait(false);
        lock (_gate) _jobs.Remove(name);
        Reschedule(e.Job, deleted: true);
        _log.Info(name, "console", "job deleted in the console");
        return true;
    }

    /// <inheritdoc />
    public string? ExportYaml(string name) => Find(name) is { DefinedIn: null, Keys: { } keys } ? JobKeys.ToYaml(keys) : null;

    /// <inheritdoc />
    public async Task<RunNowResult> RunNowAsync(string name, CancellationToken ct)
    {
        if (Find(name) is not { } e) return new RunNowResult(RunNowStatus.NotFound, null);
        if (!await e.Gate.WaitAsync(0, ct).ConfigureAwait(false)) return new RunNowResult(RunNowStatus.AlreadyRunning, null);
        RecordedRun? recorded;
        try
        {
            recorded = await Recorder.StartAsync(name, RunTriggers.RunNow, ct).ConfigureAwait(false);
        }
        catch
        {
            e.Gate.Release();
            throw;
        }
        var job = e.Job;
        _log.Info(name, "console", "run now");
        Track(Task.Run(async () =>
        {
            try { await RunHeldAsync(job, recorded, _stop.Token).ConfigureAwait(false); }
            finally { e.Gate.Release(); }
        }, CancellationToken.None));
        return new RunNowResult(RunNowStatus.Started, recorded?.Id);
    }

    /// <inheritdoc />
    public bool IsRunning(string name) => Find(name) is { } e && e.Gate.CurrentCount == 0;

    /// <inheritdoc />
    public Task<ConnectionTestResult> TestConnectionAsync(ConnectionTestRequest request, CancellationToken ct) =>
        ConnectionTest.RunAsync(request, _runner.Clock, ct);

    /// <inheritdoc />
    public Task<PreviewResult> PreviewAsync(JsonElement keys, int rows, CancellationToken ct) =>
        Preview.RunAsync(keys, rows, _stateDir, Directory.GetCurrentDirectory(), _runner.Clock, ct);
}
