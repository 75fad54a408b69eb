using System.CommandLine;
using Snapconv.Cli.Serve;
using Snapconv.Console;
using Snapconv.Jobs;

namespace Snapconv.Cli.Commands;

/// <summary>
/// <c>snapconv serve [JOB_FILE...] [--urls URL] [--state-dir DIR] [--console-token-file FILE]</c>: keeps running, fires
/// each job on its cron schedule and serves the console at <c>/</c> (with <c>/api</c>, <c>/healthz</c>, <c>/metrics</c>
/// and <c>/jobs</c>). Without a JOB_FILE the jobs are the console's. Stops cleanly on SIGTERM or Ctrl+C (exit 0).
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
        var command = new Command("serve", "Run jobs on their cron schedules until stopped, with the console at / (jobs, runs, Run now), /api, /healthz, /metrics (Prometheus) and /jobs.");
        command.Arguments.Add(files);
        command.Options.Add(urls);
        command.Options.Add(stateDir);
        command.Options.Add(tokenFile);
        command.Options.Add(historyDays);
        command.Options.Add(logFormat);
        command.Options.Add(noWait);
        command.SetAction((r, ct) => ExitCodes.Guard(async () =>
        {
            var jobFiles = (r.GetValue(files) ?? []).Select(RunCommand.Load).ToList();
            var days = r.GetValue(historyDays);
            if (days is < 1 or > 3650) throw new UsageException("--history-days: between 1 and 3650.");
            var token = ReadConsoleToken(r.GetValue(tokenFile));
            var log = new RunLog(RunCommand.ParseFormat(r.GetValue(logFormat)), clock);
            var runner = new JobRunner(log, clock) { Retry = RunCommand.RetryFromEnvironment(), OnUnexpected = ExitCodes.WriteJobFailure };
            var listen = r.GetValue(urls)!;
            await using var serve = await ListenFailure.StartAsync("--urls", listen,
                () => ServeHost.StartAsync(jobFiles, runner, log, new ServeOptions
                {
                    Urls = listen,
                    StateDir = r.GetValue(stateDir),
                    ConsoleToken = token,
                    HistoryDays = days,
                    StateLock = StateLockFlags.Resolve(r, noWait) with { OnWaiting = null },
                }, ct));
            try { await Task.Delay(Timeout.InfiniteTimeSpan, clock, ct); }
            catch (OperationCanceledException) { }
            await serve.StopAsync();
            return ExitCodes.Ok;
        }));
        return command;
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
