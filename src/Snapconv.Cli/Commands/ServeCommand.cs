using System.CommandLine;
using Snapconv.Jobs;
using Snapconv.Cli.Serve;
using Snapconv.Postgres;

namespace Snapconv.Cli.Commands;

/// <summary>
/// <c>snapconv serve JOB_FILE [--urls URL] [--store postgresql://USER@HOST:PORT/DB] [--node-name NAME]</c>: keeps running
/// and fires each job on its cron schedule (Quartz.NET; with <c>--store</c>, clustered with every node on the same
/// PostgreSQL); serves <c>/healthz</c>, <c>/metrics</c>, <c>/jobs</c> and <c>/api/cluster</c> on loopback. Stops cleanly on
/// SIGTERM or Ctrl+C (exit 0).
/// </summary>
internal static class ServeCommand
{
    public static Command Create(TimeProvider clock)
    {
        var file = new Argument<string>("JOB_FILE") { Description = "Job file (YAML or JSON); jobs with a 'schedule' run on it." };
        var urls = new Option<string>("--urls") { Description = "Listen URLs of /healthz, /metrics and /jobs, ';'-separated.", DefaultValueFactory = _ => ServeOptions.DefaultUrls };
        var logFormat = RunCommand.LogFormatOption();
        var noWait = StateLockFlags.NoWait();
        var store = new Option<string?>("--store")
        {
            Description = "The cluster's PostgreSQL, postgresql://USER@HOST:PORT/DB (default: $" + StoreVariable + "); nodes with the same store share their jobs. "
                + "The password by reference: PGPASSWORD, PGPASSFILE or --store-password-env, never in the URL.",
        };
        var passwordEnv = new Option<string?>("--store-password-env") { Description = "Name of the environment variable holding the store's password." };
        var nodeName = new Option<string?>("--node-name") { Description = "This node's name in the cluster and in the run history (default: host name and process id)." };
        var command = new Command("serve", "Run jobs on their cron schedules until stopped; /healthz, /metrics (Prometheus) and /jobs on loopback.");
        command.Arguments.Add(file);
        command.Options.Add(urls);
        command.Options.Add(logFormat);
        command.Options.Add(noWait);
        command.Options.Add(store);
        command.Options.Add(passwordEnv);
        command.Options.Add(nodeName);
        command.SetAction((r, ct) => ExitCodes.Guard(async () =>
        {
            var jobFile = RunCommand.Load(r.GetValue(file)!);
            if (jobFile.Jobs.All(j => j.Cron is null))
                throw new UsageException("no job has a 'schedule'; give one (e.g. schedule: \"0 * * * *\") or use `snapconv run`.");
            var log = new RunLog(RunCommand.ParseFormat(r.GetValue(logFormat)), clock);
            var node = r.GetValue(nodeName) ?? SchedulerOptions.DefaultNodeName();
            if (node.Length is 0 or > 200) throw new UsageException("--node-name: give 1 to 200 characters.");
            await using var ledgers = await OpenStoreAsync(r.GetValue(store) ?? Environment.GetEnvironmentVariable(StoreVariable), r.GetValue(passwordEnv), node, log, ct);
            var runner = new JobRunner(log, clock)
            {
                Retry = RunCommand.RetryFromEnvironment(), OnUnexpected = ExitCodes.WriteJobFailure,
                // A cluster's jobs keep their ledgers on the store, so that two nodes never deliver one event twice (#19).
                SourceLedgers = ledgers is null ? null : (_, c) => ledgers.OpenSourceLedger(c),
                DeliveryLedgers = ledgers is null ? null : c => ledgers.OpenDeliveryLedger(c),
            };
            var listen = r.GetValue(urls)!;
            await using var serve = await ListenFailure.StartAsync("--urls", listen,
                () => ServeHost.StartAsync(jobFile, runner, log, new ServeOptions
                {
                    Urls = listen,
                    StateLock = StateLockFlags.Resolve(r, noWait) with { OnWaiting = null },
                    NodeName = node,
                    OnStoreBack = ledgers is null ? null : () => ledgers.DataSource.Clear(),
                    Cluster = ledgers is null ? null : new ClusterStoreOptions
                    {
                        ConnectionString = ledgers.Options.ConnectionString, Schema = ledgers.Options.Schema + QuartzSchemaSuffix,
                    },
                }, ct));
            try { await Task.Delay(Timeout.InfiniteTimeSpan, clock, ct); }
            catch (OperationCanceledException) { }
            await serve.StopAsync();
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The variable <c>--store</c> defaults to.</summary>
    public const string StoreVariable = "SNAPCONV_STORE";
    /// <summary>Quartz's tables live in the store's schema name with this suffix (<c>snapconv_quartz</c> by default).</summary>
    public const string QuartzSchemaSuffix = "_quartz";

    /// <summary>Opens the cluster's store (migrating the project's tables), or null without <c>--store</c>.</summary>
    private static async Task<PostgresStore?> OpenStoreAsync(string? text, string? passwordEnv, string node, RunLog log, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (passwordEnv is not null) throw new UsageException("--store-password-env needs --store (or $" + StoreVariable + ").");
            return null;
        }
        PostgresStoreOptions options;
        PostgresUrl url;
        try
        {
            url = PostgresUrl.Parse(text);
            options = PostgresStoreOptions.From(url, passwordEnv, node);
        }
        catch (PostgresUrlException e) { throw new UsageException(e.Message); }
        try
        {
            var opened = await PostgresStore.OpenAsync(options, ct);
            log.Info("serve", "store", $"cluster store {url} (schema {options.Schema}), node {node}");
            return opened;
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            // The URL is printable (it never holds the password); the library's message may not be.
            throw new StoreUnavailableException($"the store {url} does not answer ({e.GetType().Name}); start PostgreSQL or check --store, then start serve again.");
        }
    }
}

/// <summary>The cluster's store cannot be reached at start: exit 4 (retriable).</summary>
internal sealed class StoreUnavailableException(string message) : Exception(message);
