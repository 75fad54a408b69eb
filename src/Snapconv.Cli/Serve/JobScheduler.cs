using Cronos;
using Snapconv.Jobs;

namespace Snapconv.Cli.Serve;

/// <summary>
/// Fires one job on its cron schedule (in the job's time zone), with the injected clock. Runs never overlap: the next
/// occurrence is computed after a run ends. Ticks missed while a run lasted, or while the service was down (the last
/// fire time is kept in the state directory), are caught up at most once, right away.
/// </summary>
public sealed class JobScheduler(JobDefinition job, Func<JobDefinition, CancellationToken, Task<JobRunResult>> run, TimeProvider clock,
    ScheduleStore? store = null)
{
    /// <summary>Runs started (tests).</summary>
    public int Runs => _runs;
    private int _runs;

    /// <summary>Loops until <paramref name="ct"/> is canceled. Never throws for a run's failure.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var cron = job.Cron ?? throw new InvalidOperationException("the job has no schedule");
        var now = clock.GetUtcNow();
        // Downtime: a tick due since the last fire (before this start) is run once, now.
        if (store?.GetLastFire(job.Name) is { } last && cron.GetNextOccurrence(last, job.TimeZone) is { } due && due <= now)
            await FireAsync(now, ct).ConfigureAwait(false);
        var from = clock.GetUtcNow();
        // Bounded by the process lifetime; each iteration waits for a future occurrence or ends.
        while (!ct.IsCancellationRequested)
        {
            if (cron.GetNextOccurrence(from, job.TimeZone) is not { } next) return;
            var delay = next - clock.GetUtcNow();
            if (delay > TimeSpan.Zero)
            {
                try { await Task.Delay(delay, clock, ct).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
            }
            await FireAsync(next, ct).ConfigureAwait(false);
            var after = clock.GetUtcNow();
            if (cron.GetNextOccurrence(next, job.TimeZone) is { } missed && missed <= after)
            {
                // One or more ticks passed during the run: catch up once, then continue from now.
                await FireAsync(after, ct).ConfigureAwait(false);
                after = clock.GetUtcNow();
            }
            from = after > next ? after : next;
        }
    }

    private async Task FireAsync(DateTimeOffset scheduled, CancellationToken ct)
    {
        if (ct.IsCancellationRequested) return;
        Interlocked.Increment(ref _runs);
        store?.SetLastFire(job.Name, scheduled);
        try { await run(job, ct).ConfigureAwait(false); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
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
