using Npgsql;

namespace Snapconv.Cli.Serve;

/// <summary>Options of <see cref="StoreHealth"/>.</summary>
public sealed record StoreHealthOptions
{
    /// <summary>Default wait between probes while the store answers: 2 s.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(2);
    /// <summary>Default longest wait between probes while it does not: 30 s.</summary>
    public static readonly TimeSpan DefaultMaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>Wait between probes while healthy, and the first backoff. Default 2 s.</summary>
    public TimeSpan Interval { get; init; } = DefaultInterval;
    /// <summary>The backoff doubles from <see cref="Interval"/> up to this. Default 30 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = DefaultMaxBackoff;
}

/// <summary>
/// Watches the cluster's PostgreSQL: a probe (<c>SELECT 1</c>) every <see cref="StoreHealthOptions.Interval"/>. When a
/// probe fails the node is unhealthy (<c>/healthz</c> answers 503), <paramref name="onLost"/> runs (serve puts its
/// scheduler on standby: it starts no job) and probes back off, doubling up to <see cref="StoreHealthOptions.MaxBackoff"/>;
/// the first probe that succeeds runs <paramref name="onBack"/> (the scheduler starts again: the node rejoins).
/// </summary>
public sealed class StoreHealth(Func<CancellationToken, Task> probe, StoreHealthOptions options, TimeProvider clock,
    Func<Task> onLost, Func<Task> onBack, Action<string>? warn = null)
{
    private volatile string? _problem;

    /// <summary>Null while the store answers; else why it does not (no secrets: fixed wording and the error's kind).</summary>
    public string? Problem => _problem;
    /// <summary>Whether the last probe succeeded.</summary>
    public bool Healthy => _problem is null;

    /// <summary>A probe of a PostgreSQL connection string: opens a connection and runs <c>SELECT 1</c>.</summary>
    public static Func<CancellationToken, Task> Postgres(string connectionString) => async ct =>
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("SELECT 1", conn);
        await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
    };

    /// <summary>Probes until <paramref name="ct"/> is canceled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var wait = options.Interval;
        // Bounded by the process lifetime: one probe per wait.
        while (!ct.IsCancellationRequested)
        {
            string? problem = null;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                // Real time: the probe's timeout bounds Npgsql's wait on a socket, which runs on the wall clock.
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                await probe(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or OperationCanceledException or TimeoutException or InvalidOperationException)
            {
                problem = $"the store does not answer ({e.GetType().Name})";
            }
            var was = _problem;
            _problem = problem;
            if (problem is not null && was is null)
            {
                warn?.Invoke($"{problem}: this node starts no job and retries with backoff.");
                await onLost().ConfigureAwait(false);
            }
            else if (problem is null && was is not null)
            {
                warn?.Invoke("the store answers again: this node rejoins the cluster.");
                await onBack().ConfigureAwait(false);
            }
            wait = problem is null ? options.Interval : TimeSpan.FromTicks(Math.Min(options.MaxBackoff.Ticks, (was is null ? options.Interval : wait * 2).Ticks));
            try { await Task.Delay(wait, clock, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }
}
