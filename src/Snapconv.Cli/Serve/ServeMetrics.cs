using System.Globalization;
using System.Text;
using Snapconv.Jobs;

namespace Snapconv.Cli.Serve;

/// <summary>
/// Counters of <c>serve</c>, per job, in Prometheus text format (hand-written: no PII, ids and counts only). Names
/// follow <c>snapconv_&lt;name&gt;_&lt;unit&gt;_total</c>; <c>snapconv_job_lag_seconds</c> is the time since the job's last
/// settled run (or since the service started). Thread-safe.
/// </summary>
public sealed class ServeMetrics(TimeProvider clock, IEnumerable<string> jobs)
{
    private readonly Lock _gate = new();
    private readonly DateTimeOffset _started = clock.GetUtcNow();
    private readonly List<string> _jobs = jobs.ToList();
    private readonly Dictionary<(string Name, string Job, string? Label), double> _counters = [];
    private readonly Dictionary<string, DateTimeOffset> _lastSettled = [];
    private readonly Dictionary<string, JobRunResult> _last = [];
    private readonly HashSet<string> _running = [];

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

    private void Add(string name, string job, string? label, double n) =>
        _counters[(name, job, label)] = _counters.GetValueOrDefault((name, job, label)) + n;

    /// <summary>The Prometheus exposition text.</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            Family(sb, "snapconv_runs_total", "Runs of each job by outcome.", "outcome", "runs");
            Family(sb, "snapconv_rows_read_total", "Rows read from sources.", null, "rows_read");
            Family(sb, "snapconv_objects_read_total", "Source objects read (new, changed or resumed).", null, "objects_read");
            Family(sb, "snapconv_events_accepted_total", "Events Snap acknowledged.", null, "events_accepted");
            Family(sb, "snapconv_events_rejected_total", "Events rejected, by reason.", "reason", "events_rejected");
            Family(sb, "snapconv_batches_total", "CAPI requests sent (retries included).", null, "batches");
            Family(sb, "snapconv_retries_total", "Requests repeated after a transient failure or 429.", null, "retries");
            Family(sb, "snapconv_throttled_total", "429 answers.", null, "throttled");
            sb.Append("# HELP snapconv_job_lag_seconds Seconds since the job's last settled run (or since the service started).\n");
            sb.Append("# TYPE snapconv_job_lag_seconds gauge\n");
            foreach (var j in _jobs)
            {
                var since = _lastSettled.TryGetValue(j, out var t) ? t : _started;
                sb.Append("snapconv_job_lag_seconds{job=\"").Append(j).Append("\"} ")
                    .Append(Math.Max(0, (now - since).TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture)).Append('\n');
            }
            sb.Append("# HELP snapconv_job_running Whether a run of the job is going on.\n# TYPE snapconv_job_running gauge\n");
            foreach (var j in _jobs) sb.Append("snapconv_job_running{job=\"").Append(j).Append("\"} ").Append(_running.Contains(j) ? '1' : '0').Append('\n');
        }
        return sb.ToString();
    }

    private void Family(StringBuilder sb, string metric, string help, string? labelName, string key)
    {
        sb.Append("# HELP ").Append(metric).Append(' ').Append(help).Append('\n');
        sb.Append("# TYPE ").Append(metric).Append(" counter\n");
        foreach (var j in _jobs)
        {
            var any = false;
            foreach (var ((name, job, label), v) in _counters.OrderBy(c => c.Key.Label, StringComparer.Ordinal))
            {
                if (name != key || job != j) continue;
                any = true;
                sb.Append(metric).Append("{job=\"").Append(j).Append('"');
                if (labelName is not null && label is not null) sb.Append(',').Append(labelName).Append("=\"").Append(Escape(label)).Append('"');
                sb.Append("} ").Append(v.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
            if (!any && labelName is null) sb.Append(metric).Append("{job=\"").Append(j).Append("\"} 0\n");
        }
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
