using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Snapconv.Jobs;

namespace Snapconv.Cli.Serve;

/// <summary>
/// Counters of <c>serve</c>, per job, as <see cref="System.Diagnostics.Metrics"/> instruments of the meter
/// <see cref="MeterName"/> (ids and counts only, no PII), exported on <c>/metrics</c> by OpenTelemetry's Prometheus
/// exporter beside the runtime's and the HTTP server's metrics. Names follow <c>snapconv_&lt;name&gt;_&lt;unit&gt;_total</c>;
/// the gauge <c>snapconv_job_lag_seconds</c> is the time since the job's last settled run (or since the service
/// started), <c>snapconv_job_running</c> 1 while a run is going on. Thread-safe; dispose to unpublish the instruments.
/// </summary>
public sealed class ServeMetrics : IDisposable
{
    /// <summary>The meter's name (what an OpenTelemetry <c>AddMeter</c> selects).</summary>
    public const string MeterName = "Snapconv.Serve";

    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private readonly DateTimeOffset _started;
    private readonly List<string> _jobs;
    private readonly Dictionary<string, DateTimeOffset> _lastSettled = [];
    private readonly Dictionary<string, JobRunResult> _last = [];
    private readonly HashSet<string> _running = [];
    private readonly Dictionary<(string Name, string Job, string? Label), long> _counters = [];
    private readonly Meter _meter = new(MeterName);

    /// <summary>Creates the instruments; every job's unlabelled counters read 0 before its first run.</summary>
    public ServeMetrics(TimeProvider clock, IEnumerable<string> jobs)
    {
        _clock = clock;
        _started = clock.GetUtcNow();
        _jobs = jobs.ToList();
        // Observable counters over our own totals: a scrape reads them as they are, and a job's series exist from the
        // start (a plain Counter's series appear only once a listener saw an Add).
        Counter("snapconv_runs_total", "Runs of each job by outcome.", "runs", "outcome");
        Counter("snapconv_rows_read_total", "Rows read from sources.", "rows_read");
        Counter("snapconv_objects_read_total", "Source objects read (new, changed or resumed).", "objects_read");
        Counter("snapconv_events_accepted_total", "Events Snap acknowledged.", "events_accepted");
        Counter("snapconv_events_rejected_total", "Events rejected, by reason.", "events_rejected", "reason");
        Counter("snapconv_batches_total", "CAPI requests sent (retries included).", "batches");
        Counter("snapconv_retries_total", "Requests repeated after a transient failure or 429.", "retries");
        Counter("snapconv_throttled_total", "429 answers.", "throttled");
        _meter.CreateObservableGauge("snapconv_job_lag_seconds", ObserveLag,
            description: "Seconds since the job's last settled run (or since the service started).");
        _meter.CreateObservableGauge("snapconv_job_running", ObserveRunning, description: "Whether a run of the job is going on.");
    }

    /// <summary>Marks a job as running.</summary>
    public void Started(string job)
    {
        lock (_gate) _running.Add(job);
    }

    /// <summary>Adds a finished run's counts.</summary>
    public void Record(JobRunResult r)
    {
        lock (_gate)
        {
            _running.Remove(r.Job);
            _last[r.Job] = r;
            Add("runs", r.Job, JobRunner.Snake(r.Outcome), 1);
            Add("objects_read", r.Job, null, r.ObjectsRead);
            if (r.Report is { } rep)
            {
                Add("rows_read", r.Job, null, rep.Rows);
                foreach (var (reason, n) in rep.RejectedByReason) Add("events_rejected", r.Job, reason, n);
            }
            if (r.Stats is { } s)
            {
                Add("events_accepted", r.Job, null, s.Acknowledged);
                if (s.RejectedByApi > 0) Add("events_rejected", r.Job, "API_REJECTED", s.RejectedByApi);
                Add("batches", r.Job, null, s.Requests);
                Add("retries", r.Job, null, s.Retries);
                Add("throttled", r.Job, null, s.Throttled);
            }
            if (r.Outcome is JobOutcome.Completed or JobOutcome.NothingNew) _lastSettled[r.Job] = r.FinishedAt;
        }
    }

    /// <summary>The last run of each job (null before its first).</summary>
    public IReadOnlyDictionary<string, JobRunResult?> LastRuns()
    {
        lock (_gate) return _jobs.ToDictionary(j => j, j => _last.GetValueOrDefault(j));
    }

    /// <summary>True while a run of <paramref name="job"/> is going on.</summary>
    public bool IsRunning(string job)
    {
        lock (_gate) return _running.Contains(job);
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private void Add(string name, string job, string? label, long n) =>
        _counters[(name, job, label)] = _counters.GetValueOrDefault((name, job, label)) + n;

    private void Counter(string metric, string help, string key, string? labelName = null) =>
        _meter.CreateObservableCounter(metric, () => Observe(key, labelName), description: help);

    private List<Measurement<long>> Observe(string key, string? labelName)
    {
        lock (_gate)
        {
            var list = new List<Measurement<long>>();
            foreach (var job in _jobs)
            {
                if (labelName is null)
                {
                    list.Add(new Measurement<long>(_counters.GetValueOrDefault((key, job, null)), Job(job)));
                    continue;
                }
                foreach (var ((name, j, label), v) in _counters)
                {
                    if (name == key && j == job && label is not null) list.Add(new Measurement<long>(v, Job(job), new(labelName, label)));
                }
            }
            return list;
        }
    }

    private List<Measurement<double>> ObserveLag()
    {
        var now = _clock.GetUtcNow();
        lock (_gate)
        {
            return _jobs.Select(j => new Measurement<double>(
                Math.Round(Math.Max(0, (now - _lastSettled.GetValueOrDefault(j, _started)).TotalSeconds), 3), Job(j))).ToList();
        }
    }

    private List<Measurement<int>> ObserveRunning()
    {
        lock (_gate) return _jobs.Select(j => new Measurement<int>(_running.Contains(j) ? 1 : 0, Job(j))).ToList();
    }

    private static KeyValuePair<string, object?> Job(string job) => new("job", job);
}

/// <summary>Registers <c>serve</c>'s metrics with OpenTelemetry.</summary>
public static class ServeMetricsServiceCollectionExtensions
{
    /// <summary>
    /// OpenTelemetry metrics with a Prometheus exporter (map it with <c>MapPrometheusScrapingEndpoint()</c> at
    /// <c>/metrics</c>): <see cref="ServeMetrics.MeterName"/>, the .NET runtime's and ASP.NET Core's meters. Scrapes are
    /// not cached (each one reads the counters as they are).
    /// </summary>
    public static IServiceCollection AddServeMetrics(this IServiceCollection services)
    {
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("snapconv"))
            .WithMetrics(m => m
            .AddMeter(ServeMetrics.MeterName)
            .AddRuntimeInstrumentation()
            .AddAspNetCoreInstrumentation()
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }
}
