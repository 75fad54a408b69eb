using System.CommandLine;
using Snapconv.Jobs;
using Snapconv.Cli.Serve;

namespace Snapconv.Cli.Commands;

/// <summary>
/// <c>snapconv serve JOB_FILE [--urls URL]</c>: keeps running and fires each job on its cron schedule; serves
/// <c>/healthz</c>, <c>/metrics</c> and <c>/jobs</c> on loopback. Stops cleanly on SIGTERM or Ctrl+C (exit 0).
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("JOB_FILE") { Description = "Job file (YAML or JSON); jobs with a 'schedule' run on it." };
        var urls = new Option<string>("--urls") { Description = "Listen URLs of /healthz, /metrics and /jobs, ';'-separated.", DefaultValueFactory = _ => ServeOptions.DefaultUrls };
        var logFormat = RunCommand.LogFormatOption();
        var noWait = StateLockFlags.NoWait();
        var command = new Command("serve", "Run jobs on their cron schedules until stopped; /healthz, /metrics (Prometheus) and /jobs on loopback.");
        command.Arguments.Add(file);
        command.Options.Add(urls);
        command.Options.Add(logFormat);
        command.Options.Add(noWait);
        command.SetAction((r, ct) => ExitCodes.Guard(async () =>
        {
            var jobFile = RunCommand.Load(r.GetValue(file)!);
            if (jobFile.Jobs.All(j => j.Cron is null))
                throw new UsageException("no job has a 'schedule'; give one (e.g. schedule: \"0 * * * *\") or use `snapconv run`.");
            var log = new RunLog(RunCommand.ParseFormat(r.GetValue(logFormat)));
            var runner = new JobRunner(log) { Retry = RunCommand.RetryFromEnvironment(), OnUnexpected = ExitCodes.WriteJobFailure };
            var listen = r.GetValue(urls)!;
            await using var serve = await ListenFailure.StartAsync("--urls", listen,
                () => ServeHost.StartAsync(jobFile, runner, log, new ServeOptions
                {
                    Urls = listen,
                    StateLock = StateLockFlags.Resolve(r, noWait) with { OnWaiting = null },
                }, ct));
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { }
            await serve.StopAsync();
            return ExitCodes.Ok;
        }));
        return command;
    }
}
