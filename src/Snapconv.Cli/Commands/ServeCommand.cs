using System.CommandLine;
using Snapconv.Cli.Serve;
using Snapconv.Console;
using Snapconv.Jobs;
using Snapconv.Postgres;

namespace Snapconv.Cli.Commands;

/// <summary>
/// <c>snapconv serve [JOB_FILE...] [--urls URL] [--state-dir DIR] [--console-token-file FILE] [--store postgresql://USER@HOST:PORT/DB]
/// [--node-name NAME]</c>: keeps running, fires each job on its cron schedule (Quartz.NET; with <c>--store</c>, clustered
/// with every node on the same PostgreSQL) and serves the console at <c>/</c> (with <c>/api</c>, <c>/api/cluster</c>,
/// <c>/healthz</c>, <c>/metrics</c> and <c>/jobs</c>). Without a JOB_FILE the jobs are the console's. Stops cleanly on
/// SIGTERM or Ctrl+C (exit 0).
/// </summary>
internal static class ServeCommand
{
    public static Command Create(TimeProvider clock)
    {
        var files = new Argument<string[]>("JOB_FILE")
        {
            Description = "Job files (YAML or JSON); their jobs are shown read-only in the console and run on their 'schedule'. None: only the console's jobs.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        // A variadic argument takes unmatched tokens too: an unknown option stays a usage error, not a file name.
        files.Validators.Add(result =>
        {
            foreach (var t in result.Tokens)
                if (t.Value.StartsWith('-')) result.AddError($"Unrecognized command or argument '{t.Value}'.");
        });
        var urls = new Option<string>("--urls") { Description = "Listen URLs of the console, /healthz, /metrics and /jobs, ';'-separated. A non-loopback address needs a console token.", DefaultValueFactory = _ => ServeOptions.DefaultUrls };
        var stateDir = new Option<string?>("--state-dir") { Description = "Folder of state.db (console jobs, run history). Default: .snapconv beside the first JOB_FILE, or in the current folder." };
        var tokenFile = new Option<string?>("--console-token-file") { Description = $"File holding the console token (first line); or set {ConsoleOptions.TokenEnvironmentVariable}. Required to listen beyond loopback." };
        var historyDays = new Option<int>("--history-days") { Description = "Days of run history kept (a job's history_days wins).", DefaultValueFactory = _ => ServeOptions.DefaultHistoryDays };
        var logFormat = RunCommand.LogFormatOption();
        var noWait = StateLockFlags.NoWait();
        var store = new Option<string?>("--store")
        {
            Description = "The cluster's PostgreSQL, postgresql://USER@HOST:PORT/DB (default: $" + StoreVariable + "); nodes with the same store share their jobs. "
                + "The password by reference: PGPASSWORD, PGPASSFILE or --store-password-env, never in the URL.",
        };
        var passwordEnv = new Option<string?>("--store-password-env") { Description = "Name of the environment variable holding the store's password." };
        var nodeName = new Option<string?>("--node-name") { Description = "This node's name in the cluster and in the run history (default: host name and process id)." };
        var command = new Command("serve", "Run jobs on their cron schedules until stopped, with the console at / (jobs, runs, Run now), /api, /healthz, /metrics (Prometheus) and /jobs.");
        command.Arguments.Add(files);
        command.Options.Add(urls);
        command.Options.Add(stateDir);
        command.Options.Add(tokenFile);
        command.Options.Add(historyDays);
        command.Options.Add(logFormat);
        command.Options.Add(noWait);
        command.Options.Add(store);
        command.Options.Add(passwordEnv);
        command.Options.Add(nodeName);
        command.SetAction((r, ct) => ExitCodes.Guard(async () =>
        {
            var jobFiles = (r.GetValue(files) ?? []).Select(RunCommand.Load).ToList();
            var days = r.GetValue(historyDays);
            OptionFlags.ThrowIfAny(new ServeOptions { HistoryDays = days }.Validate(), r);
            var token = ReadConsoleToken(r.GetValue(tokenFile));
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
                () => ServeHost.StartAsync(jobFiles, runner, log, new ServeOptions
                {
                    Urls = listen,
                    StateDir = r.GetValue(stateDir),
                    ConsoleToken = token,
                    HistoryDays = days,
                    StateLock = StateLockFlags.Resolve(r, noWait) with { OnWaiting = null },
                    NodeName = node,
                    // A cluster's console jobs and run history live on its store, shared by every node (#18, #19).
                    StateStore = ledgers?.OpenStateStore(),
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
    /// <summary>The console token from <c>--console-token-file</c> (first line) or <c>SNAPCONV_CONSOLE_TOKEN</c>, or null.</summary>
    internal static string? ReadConsoleToken(string? file)
    {
        if (file is not null)
        {
            string text;
            try { text = File.ReadAllText(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"--console-token-file: cannot read '{file}' ({e.GetType().Name}).");
            }
            var line = text.Split('\n')[0].Trim();
            if (line.Length == 0) throw new UsageException($"--console-token-file: '{file}' is empty.");
            return Checked(line, "--console-token-file");
        }
        var env = Environment.GetEnvironmentVariable(ConsoleOptions.TokenEnvironmentVariable)?.Trim();
        return string.IsNullOrEmpty(env) ? null : Checked(env, ConsoleOptions.TokenEnvironmentVariable);
    }

    private const int MinTokenLength = 16;

    // A short token is guessed; the message never repeats it.
    private static string Checked(string token, string where) => token.Length >= MinTokenLength ? token
        : throw new UsageException($"{where}: the console token is {token.Length} characters; use at least {MinTokenLength} (e.g. `openssl rand -hex 24`).");
}

/// <summary>The cluster's store cannot be reached at start: exit 4 (retriable).</summary>
internal sealed class StoreUnavailableException(string message) : Exception(message);
