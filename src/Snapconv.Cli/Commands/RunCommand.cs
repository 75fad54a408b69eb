using System.CommandLine;
using System.Globalization;
using Snapconv.Jobs;
using Snapconv.Delivery.Resilience;

namespace Snapconv.Cli.Commands;

/// <summary>
/// <c>snapconv run JOB_FILE [--job NAME]</c>: runs each job of a job file once, one after the other. Exit code: the
/// most serious of the jobs' outcomes (1 unexpected, 2 usage/input, 3 sample gate, 4 pending or source unreachable,
/// 0 all delivered or nothing new).
/// </summary>
internal static class RunCommand
{
    public static Command Create(TimeProvider clock)
    {
        var file = new Argument<string>("JOB_FILE") { Description = "Job file (YAML or JSON): sources, mappings, pixels, schedules." };
        var job = new Option<string[]>("--job") { Description = "Run only this job (repeatable). Default: every job." };
        var logFormat = LogFormatOption();
        var noWait = StateLockFlags.NoWait();
        var command = new Command("run", "Run each job of a job file once: read new objects from its source and deliver them exactly once.");
        command.Arguments.Add(file);
        command.Options.Add(job);
        command.Options.Add(logFormat);
        command.Options.Add(noWait);
        command.SetAction((r, ct) => ExitCodes.Guard(async () =>
        {
            var jobs = Select(Load(r.GetValue(file)!), r.GetValue(job));
            var runner = new JobRunner(new RunLog(ParseFormat(r.GetValue(logFormat)), clock), clock)
            {
                Retry = RetryFromEnvironment(),
                OnUnexpected = ExitCodes.WriteJobFailure,
                StateLock = StateLockFlags.Resolve(r, noWait) with { OnWaiting = null },
            };
            var exit = ExitCodes.Ok;
            foreach (var j in jobs)
            {
                if (ct.IsCancellationRequested) break;
                var result = await runner.RunAsync(j, ct);
                if (result.Outcome != JobOutcome.Canceled) exit = Worst(exit, result.ExitCode);
            }
            // Stopped by a signal: unsettled objects resume with the next run, so the exit code is the retriable one (#16).
            return ct.IsCancellationRequested ? Worst(exit, ExitCodes.PendingAfterRetries) : exit;
        }));
        return command;
    }

    internal static Option<string> LogFormatOption()
    {
        var o = new Option<string>("--log-format") { Description = "text (a sentence per line) or json (one JSON object per run step).", DefaultValueFactory = _ => "text" };
        o.AcceptOnlyFromAmong("text", "json");
        return o;
    }

    /// <summary>Loads a job file; its problems become a usage error (exit 2) listing each with its path.</summary>
    internal static JobFile Load(string path)
    {
        try { return JobFileLoader.Load(path); }
        catch (JobFileException e) { throw new UsageException(e.Message); }
    }

    internal static LogFormat ParseFormat(string? value) => value == "json" ? LogFormat.Json : LogFormat.Text;

    /// <summary>The jobs named by <c>--job</c>, or all; an unknown name is a usage error.</summary>
    internal static IReadOnlyList<JobDefinition> Select(JobFile file, string[]? names)
    {
        if (names is null || names.Length == 0) return file.Jobs;
        var unknown = names.Where(n => file.Jobs.All(j => j.Name != n)).ToList();
        if (unknown.Count > 0)
            throw new UsageException($"--job: no job named {string.Join(", ", unknown.Select(u => $"'{u}'"))} in {file.Path}; jobs: {string.Join(", ", file.Jobs.Select(j => j.Name))}.");
        return file.Jobs.Where(j => names.Contains(j.Name)).ToList();
    }

    /// <summary>The more serious of two exit codes: 1 &gt; 2 &gt; 3 &gt; 4 &gt; 0 (130 = stopped wins).</summary>
    internal static int Worst(int a, int b)
    {
        static int Rank(int code) => code switch
        {
            ExitCode.StoppedBySigint => 6, ExitCode.Unexpected => 5, ExitCode.UsageOrInput => 4, ExitCode.SampleGate => 3,
            ExitCode.Retriable => 2, ExitCode.Ok => 0, _ => 5,
        };
        return Rank(b) > Rank(a) ? b : a;
    }

    /// <summary>Tests shrink the backoff through SNAPCONV_RETRY_BASE_MS (as upload).</summary>
    internal static RetryOptions RetryFromEnvironment()
    {
        var o = new RetryOptions();
        if (int.TryParse(Environment.GetEnvironmentVariable("SNAPCONV_RETRY_BASE_MS"), NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            o = o with { BaseDelay = TimeSpan.FromMilliseconds(ms), MaxDelay = TimeSpan.FromMilliseconds(Math.Max(ms, ms * 8)) };
        return o;
    }
}
