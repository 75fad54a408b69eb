using System.Globalization;
using System.Threading.Channels;
using Snapconv.Core.Formats;
using Snapconv.Core.Mapping;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Redaction;
using Snapconv.Core.Validation;
using Snapconv.Delivery.Capi;
using Snapconv.Delivery.Ledger;
using Snapconv.Delivery.Resilience;
using Snapconv.Delivery.Upload;
using Snapconv.Sources;
using Snapconv.Sources.Ledger;
using Snapconv.Sources.Staging;

namespace Snapconv.Jobs;

/// <summary>How one run of a job ended.</summary>
public enum JobOutcome
{
    /// <summary>Every event settled; the objects are finalised (exit 0).</summary>
    Completed,
    /// <summary>Nothing new to read (exit 0).</summary>
    NothingNew,
    /// <summary>Some events failed after retries and stay pending; objects stay unfinalised (exit 4).</summary>
    PendingLeft,
    /// <summary>The sample gate stopped the upload (exit 3).</summary>
    SampleGate,
    /// <summary>The source could not be reached; nothing read, retried next time (exit 4).</summary>
    SourceUnavailable,
    /// <summary>Bad configuration, secret, input file or token (exit 2).</summary>
    InvalidInput,
    /// <summary>An unexpected failure (exit 1).</summary>
    Failed,
    /// <summary>Stopped by shutdown (exit 130).</summary>
    Canceled,
}

/// <summary>The result of one run of a job (also what <c>GET /jobs</c> shows).</summary>
public sealed record JobRunResult
{
    public required string Job { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset FinishedAt { get; init; }
    public JobOutcome Outcome { get; init; }
    public string? Message { get; init; }
    public int ObjectsListed { get; init; }
    public int ObjectsRead { get; init; }
    public int ObjectsSkipped { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public RunReport? Report { get; init; }
    public DeliveryStats? Stats { get; init; }
    public string? ReportPath { get; init; }
    public string? RejectsPath { get; init; }

    /// <summary>The process exit code of this outcome (as <c>snapconv upload</c>).</summary>
    public int ExitCode => Outcome switch
    {
        JobOutcome.Completed or JobOutcome.NothingNew => Jobs.ExitCode.Ok,
        JobOutcome.PendingLeft or JobOutcome.SourceUnavailable => Jobs.ExitCode.Retriable,
        JobOutcome.SampleGate => Jobs.ExitCode.SampleGate,
        JobOutcome.InvalidInput => Jobs.ExitCode.UsageOrInput,
        JobOutcome.Canceled => Jobs.ExitCode.StoppedBySigint,
        _ => Jobs.ExitCode.Unexpected,
    };
}

/// <summary>
/// Runs one job once: stage new/changed/half-delivered objects from its source, deliver them with
/// <see cref="UploadRun"/>, and finalise each object as soon as its own events settled (an object with a cursor, and
/// any left, once the whole run completed); an object with a pending event stays unfinalised. Writes the report and rejects
/// into <c>{state_dir}/runs/{job}/</c>, named by run time. Never throws for a job problem: the outcome says it.
/// </summary>
/// <param name="log">Where each run step is told.</param>
/// <param name="clock">The composition root's clock: run times, report names, event ages, ledger times.</param>
/// <param name="env">Environment variables (tokens, source secrets); null: the process's.</param>
public sealed class JobRunner(RunLog log, TimeProvider clock, Func<string, string?>? env = null)
{
    private readonly TimeProvider _clock = clock;

    /// <summary>The clock the runs read (serve's schedules and metrics share it).</summary>
    public TimeProvider Clock => _clock;

    /// <summary>Retry settings for delivery (tests shrink the backoff).</summary>
    public RetryOptions Retry { get; init; } = new();

    /// <summary>
    /// How a run takes its state directory's lock (<see cref="StateDirectoryLock"/>): wait (default, told as a WARN line)
    /// or, with <see cref="StateLockOptions.Wait"/> false, end at once as <see cref="JobOutcome.InvalidInput"/> (exit 2).
    /// </summary>
    public StateLockOptions StateLock { get; init; } = new();

    /// <summary>
    /// Told the job's name and the exception of an unexpected failure (the CLI writes it to its <c>--debug</c> log);
    /// the run's outcome is <see cref="JobOutcome.Failed"/> either way. Default: nothing.
    /// </summary>
    public Action<string, Exception>? OnUnexpected { get; init; }

    /// <summary>
    /// Opens a run's source ledger; null (default): the SQLite one in the job's state directory. <c>serve --store</c>
    /// gives the cluster's, on PostgreSQL (#19).
    /// </summary>
    public Func<JobDefinition, TimeProvider, ISourceLedger>? SourceLedgers { get; init; }

    /// <summary>
    /// Opens a run's delivery ledger; null (default): the SQLite one in the job's state directory. <c>serve --store</c>
    /// gives the cluster's, on PostgreSQL (#19).
    /// </summary>
    public Func<TimeProvider, IDeliveryLedger>? DeliveryLedgers { get; init; }

    /// <summary>Runs <paramref name="job"/> once, holding the lock of its state directory for the run.</summary>
    public Task<JobRunResult> RunAsync(JobDefinition job, CancellationToken ct) => RunAsync(job, lockHeld: false, ct);

    /// <summary>Runs <paramref name="job"/> once; <paramref name="lockHeld"/>: the caller holds the state directory's lock (serve).</summary>
    internal async Task<JobRunResult> RunAsync(JobDefinition job, bool lockHeld, CancellationToken ct)
    {
        var started = _clock.GetUtcNow();
        var result = new JobRunResult { Job = job.Name, StartedAt = started };
        log.Info(job.Name, "start", $"run started: source {job.Source.Kind}");
        StagingResult? staged = null;
        string? companion = null;
        StateDirectoryLock? held = null;
        try
        {
            if (!lockHeld)
            {
                var options = StateLock with { OnWaiting = StateLock.OnWaiting ?? (m => log.Warn(job.Name, "lock", m)) };
                held = await StateDirectoryLock.AcquireAsync(job.StateDir, options, _clock, ct).ConfigureAwait(false);
            }
            result = await RunCoreAsync(job, started, s => staged = s, c => companion = c, ct).ConfigureAwait(false);
        }
        catch (StateDirectoryBusyException e)
        {
            result = result with { Outcome = JobOutcome.InvalidInput, Message = e.Message };
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            result = result with { Outcome = JobOutcome.Canceled, Message = "stopped before the run finished; unsettled objects resume next run." };
        }
        catch (SourceException e)
        {
            result = result with { Outcome = e.IsConfiguration ? JobOutcome.InvalidInput : JobOutcome.SourceUnavailable, Message = e.Message };
        }
        catch (InputException e)
        {
            result = result with { Outcome = JobOutcome.InvalidInput, Message = e.Message };
        }
        catch (LedgerUnavailableException e)
        {
            // Retriable (#19): the ledger's store went away mid-run; what was not acknowledged stays pending (exit 4).
            result = result with { Outcome = JobOutcome.PendingLeft, Message = e.Message };
        }
        catch (DeliveryFatalException e)
        {
            result = result with { Outcome = JobOutcome.InvalidInput, Message = e.Message };
        }
        catch (ArgumentException e) when (e.ParamName is null)
        {
            // UploadOptions.EnsureValid lists option problems (no secrets in them).
            result = result with { Outcome = JobOutcome.InvalidInput, Message = e.Message.ReplaceLineEndings(" ") };
        }
        catch (Exception e)
        {
            // Fixed wording: a library's message can carry data.
            result = result with { Outcome = JobOutcome.Failed, Message = $"unexpected failure {UnexpectedFailure.Describe(e)}." };
            // The details go only to the --debug log, never to the terminal or the run log (#16).
            OnUnexpected?.Invoke(job.Name, e);
        }
        finally
        {
            if (staged is not null) SourceStaging.Cleanup(staged.Staged);
            if (companion is not null) { try { File.Delete(companion); } catch (IOException) { } catch (UnauthorizedAccessException) { } }
            held?.Dispose();
        }
        // Messages reach logs, /jobs and metrics: no URL secret in them, whichever part of the run wrote them.
        result = result with
        {
            FinishedAt = _clock.GetUtcNow(), Message = Redactor.TextOrNull(result.Message),
            Warnings = result.Warnings.Select(Redactor.Text).ToList(),
        };
        var fields = new Dictionary<string, object?>
        {
            ["outcome"] = Snake(result.Outcome), ["exit_code"] = result.ExitCode, ["objects_read"] = result.ObjectsRead,
            ["objects_skipped"] = result.ObjectsSkipped, ["rows"] = result.Report?.Rows, ["accepted"] = result.Report?.Accepted,
            ["rejected"] = result.Report?.Rejected, ["acknowledged"] = result.Stats?.Acknowledged,
            ["failed_pending"] = result.Stats?.FailedPending, ["report"] = result.ReportPath,
            ["duration_seconds"] = Math.Round((result.FinishedAt - started).TotalSeconds, 3),
        };
        foreach (var f in result.Report?.InputFiles ?? [])
            if (f.EveryRowMissedEventName)
                log.Warn(job.Name, "mapping", $"{f.File}: all {f.MissingEventName} rows were rejected as MISSING_EVENT_NAME (the file names no event); set event_name: PURCHASE in the job (or the event these rows are).");
        var line = result.Message ?? $"run finished: {Snake(result.Outcome)}";
        if (result.ExitCode is 0) log.Info(job.Name, "finish", line, fields);
        // Retriable (pending, source unreachable, stopped): nothing lost, so a WARN.
        else if (Jobs.ExitCode.KindOf(result.ExitCode) is FailureKind.Retriable) log.Warn(job.Name, "finish", line, fields);
        else log.Error(job.Name, "finish", line, fields);
        return result;
    }

    private async Task<JobRunResult> RunCoreAsync(JobDefinition job, DateTimeOffset started, Action<StagingResult> onStaged, Action<string> onCompanion, CancellationToken ct)
    {
        var token = Doctor.ReadToken(job.TokenEnv, job.TokenFile, out var problem);
        if (token is null)
            return new JobRunResult { Job = job.Name, StartedAt = started, Outcome = JobOutcome.InvalidInput, Message = problem?.Replace("--token-file", "token_file", StringComparison.Ordinal) };

        var stamp = started.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var runsDir = Path.Combine(job.StateDir, "runs", job.Name);
        var stagingDir = Path.Combine(job.StateDir, "staging", job.Name);
        Directory.CreateDirectory(runsDir);

        using var ledger = SourceLedgers?.Invoke(job, _clock) ?? new SourceLedger(job.StateDir, _clock);
        await using var source = SourceFactory.Create(job.Source, env);

        // contacts: the companion objects are listed first so the main listing leaves them out.
        await using var contactsSource = job.ContactsPattern is { } cp && job.Source.WithPattern(cp) is { } co ? SourceFactory.Create(co, env) : null;
        var contactsContext = new SourceContext(job.Name, null, m => log.Info(job.Name, "contacts", m));
        IReadOnlyList<SourceObject> contactObjects = contactsSource is null ? [] : await contactsSource.ListAsync(contactsContext, ct).ConfigureAwait(false);

        var staging = new SourceStaging(source, ledger, job.Name, stagingDir) { ExcludeKeys = contactObjects.Select(o => o.Key).ToHashSet(StringComparer.Ordinal) };
        var staged = await staging.StageAsync(m => log.Info(job.Name, "source", m), ct).ConfigureAwait(false);
        onStaged(staged);
        foreach (var w in staged.Warnings) log.Warn(job.Name, "source", w);
        var baseResult = new JobRunResult
        {
            Job = job.Name, StartedAt = started, ObjectsListed = staged.Listed, ObjectsRead = staged.Staged.Count,
            ObjectsSkipped = staged.Skipped, Warnings = staged.Warnings,
        };
        log.Info(job.Name, "source", $"{source.Description}: {staged.Listed} listed, {staged.Staged.Count} to read, {staged.Skipped} already delivered",
            new Dictionary<string, object?> { ["objects_listed"] = staged.Listed, ["objects_read"] = staged.Staged.Count, ["objects_skipped"] = staged.Skipped });
        if (staged.Staged.Count == 0) return baseResult with { Outcome = JobOutcome.NothingNew, Message = "nothing new to deliver." };

        var options = job.Delivery with
        {
            Endpoint = job.Endpoint, PixelId = job.PixelId, Token = token, StateDir = job.StateDir, Retry = Retry,
            LedgerFactory = DeliveryLedgers,
        };
        var mapping = job.Mapping;
        if (contactsSource is not null)
        {
            // As --contacts: the newest matching object is read into the mapping's join tables.
            var newest = SourceStaging.Newest(contactObjects)
                ?? throw new SourceException($"{contactsSource.Description}: no object matches contacts.pattern '{job.ContactsPattern}'; nothing was delivered (retried next run).");
            var (contactsPath, temporary) = await SourceStaging.FetchCompanionAsync(contactsSource, newest, stagingDir, contactsContext, ct).ConfigureAwait(false);
            if (temporary) onCompanion(contactsPath);
            var data = JoinSet.Load(mapping, [contactsPath], mapping.ReaderOptions, job.DefaultCountry);
            foreach (var (_, join) in data.Files) log.Info(job.Name, "contacts", $"joining {newest.Key} as {join}");
            mapping = mapping with { JoinData = data };
        }
        else if (mapping.Joins.Count > 0 && mapping.PresetName is not null)
        {
            log.Info(job.Name, "contacts", $"preset {mapping.PresetName} can join {string.Join("; ", mapping.Joins.Select(j => j.Description ?? j.Name))} (contacts: {{pattern: …}}); without it, e-mail and phone come only from the main file.");
        }
        var conversion = new ConversionOptions
        {
            PixelId = job.PixelId, DefaultCountry = job.DefaultCountry, TimeZone = job.TimeZone,
            MaxEventAgeDays = job.MaxEventAgeDays, Mapping = mapping,
        };
        var outputs = new ConversionOutputs
        {
            ReportPath = Path.Combine(runsDir, $"{stamp}-report.json"),
            RejectsPath = Path.Combine(runsDir, $"{stamp}-rejects.csv"),
            // After the delivery counters, before the report's one write.
            CompleteReport = r =>
            {
                r.Extra["source_objects_listed"] = staged.Listed;
                r.Extra["source_objects_read"] = staged.Staged.Count;
                r.Extra["source_objects_skipped"] = staged.Skipped;
                if (staged.Warnings.Count > 0) r.WarningsByReason["SOURCE_OBJECT_CHANGED"] = staged.Warnings.Count;
            },
        };
        // Each object is committed once its own events settled, one at a time, while the run goes on: a run stopped
        // after nine of ten objects reads only the tenth again. A cursor moves in object order, so an object with a
        // cursor waits for the end of the run.
        var committed = new bool[staged.Staged.Count];
        var settledObjects = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
        var committer = Task.Run(async () =>
        {
            await foreach (var i in settledObjects.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                await staging.CommitObjectAsync(staged.Staged[i], m => log.Info(job.Name, "source", m), ct).ConfigureAwait(false);
                committed[i] = true;
                log.Info(job.Name, "commit", $"{staged.Staged[i].Object.Key}: every event settled; committed");
            }
        }, CancellationToken.None);
        var run = new UploadRun(options, _clock)
        {
            OnFileSettled = options.IsLive ? i => { if (staged.Staged[i].Fetch.Cursor is null) settledObjects.Writer.TryWrite(i); } : null,
        };
        UploadResult upload;
        try
        {
            upload = await run.ExecuteAsync(staged.Files, conversion, outputs, ct).ConfigureAwait(false);
        }
        catch (Exception)
        {
            settledObjects.Writer.TryComplete();
            // The upload's failure is the one the run tells; an object not committed is read again next run.
            try { await committer.ConfigureAwait(false); } catch (Exception) { }
            throw;
        }
        settledObjects.Writer.TryComplete();
        await committer.ConfigureAwait(false);
        var report = upload.Report;

        var outcome = upload.Outcome switch
        {
            UploadOutcome.SampleGateTripped => JobOutcome.SampleGate,
            UploadOutcome.PendingLeft => JobOutcome.PendingLeft,
            _ => JobOutcome.Completed,
        };
        string? message = null;
        if (outcome == JobOutcome.Completed && options.IsLive)
        {
            for (var i = 0; i < staged.Staged.Count; i++)
                if (!committed[i]) await staging.CommitObjectAsync(staged.Staged[i], m => log.Info(job.Name, "source", m), ct).ConfigureAwait(false);
        }
        else if (outcome == JobOutcome.PendingLeft)
            message = $"{upload.Stats.FailedPending} events failed after retries and stay pending; the objects they belong to resume next run.";
        else if (outcome == JobOutcome.SampleGate)
            message = "stopped by the sample gate: more than 10% of the first 1,000 rows were rejected; nothing was sent. Check the mapping and the rejects file.";
        return baseResult with
        {
            Outcome = outcome, Message = message, Report = report, Stats = upload.Stats,
            ReportPath = outputs.ReportPath, RejectsPath = outputs.RejectsPath,
        };
    }

    /// <summary>snake_case name of an outcome (logs, metrics, /jobs).</summary>
    public static string Snake(JobOutcome o) => o switch
    {
        JobOutcome.NothingNew => "nothing_new",
        JobOutcome.PendingLeft => "pending_left",
        JobOutcome.SampleGate => "sample_gate",
        JobOutcome.SourceUnavailable => "source_unavailable",
        JobOutcome.InvalidInput => "invalid_input",
        _ => o.ToString().ToLowerInvariant(),
    };
}
