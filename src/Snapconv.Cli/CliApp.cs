using System.CommandLine;
using System.CommandLine.Invocation;
using Snapconv.Cli.Commands;
using Snapconv.Cli.Console;

namespace Snapconv.Cli;

/// <summary>The command line: parses <c>args</c> and runs the command; returns the exit code.</summary>
public static class CliApp
{
    /// <summary>
    /// <c>--debug</c> (every command): on an unexpected failure, the full details go to <see cref="DebugLog.DefaultPath"/>
    /// (or to <c>$SNAPCONV_DEBUG_LOG</c>); the terminal only ever gets one line. Off by default.
    /// </summary>
    internal static readonly Option<bool> Debug = new("--debug")
    {
        Description = "On an unexpected failure, write the full details to ./snapconv-debug.log (or $SNAPCONV_DEBUG_LOG). Default: off.",
        Recursive = true,
    };

    public static RootCommand CreateRoot() => CreateRoot(TimeProvider.System);

    /// <summary>The commands, every one reading time through <paramref name="clock"/> (the composition root's).</summary>
    internal static RootCommand CreateRoot(TimeProvider clock)
    {
        var root = new RootCommand("snapconv: deliver offline conversions (in-store, phone, CRM sales) to Snap's Conversions API v3.");
        foreach (var command in CommandCatalog.All(clock)) root.Subcommands.Add(command);
        root.Options.Add(Debug);
        return root;
    }

    /// <summary>
    /// How long a command may take to stop after Ctrl+C or SIGTERM: in-flight batches finish or are left pending,
    /// and <c>serve</c> waits for its running jobs (up to 30 s) before it exits.
    /// </summary>
    public static readonly TimeSpan StopTimeout = StopSignals.StopTimeout;

    /// <summary>The process's entry point: owns SIGINT/SIGTERM (<see cref="StopSignals"/>), then runs the command.</summary>
    public static async Task<int> MainAsync(string[] args)
    {
        // The composition root: the one place the system clock is picked.
        var clock = TimeProvider.System;
        using var signals = StopSignals.Install(clock);
        return await RunAsync(args, signals.Token, signals, clock);
    }

    public static Task<int> RunAsync(string[] args, CancellationToken ct = default) => RunAsync(args, ct, null, TimeProvider.System);

    private static async Task<int> RunAsync(string[] args, CancellationToken ct, StopSignals? signals, TimeProvider clock)
    {
        var parse = CreateRoot(clock).Parse(args);
        if (args.Length == 0)
        {
            // `snapconv` alone: the list of commands is what the user is after, still a usage error for scripts.
            await CreateRoot(clock).Parse(["--help"]).InvokeAsync(cancellationToken: ct);
            return ExitCodes.UsageOrInput;
        }
        if (UsageError(parse) is { } usage) return usage;
        var run = new CliRun(CommandPath(parse), DebugLog.Resolve(parse.GetValue(Debug), Environment.GetEnvironmentVariable), signals, clock);
        CliRun.Current = run;
        if (signals is not null)
        {
            // A failure on a thread of its own would end the process with the runtime's stack trace: one line instead,
            // then exit before the runtime prints it.
            AppDomain.CurrentDomain.UnhandledException += (_, a) =>
            {
                ExitCodes.Report(a.ExceptionObject as Exception ?? new InvalidOperationException(), System.Console.Error, run);
                StopSignals.ExitAtOnce(ExitCodes.Unexpected);
            };
        }
        try
        {
            // Signals are StopSignals' (a second one exits at once); every exception becomes one line in ExitCodes.
            return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false }, ct);
        }
        catch (Exception e)
        {
            return ExitCodes.Report(e, System.Console.Error, run);
        }
    }

    /// <summary>
    /// The one place parse errors (unknown option, missing required option or argument, bad value) become exit 2 with
    /// one line on stderr, as every command's own usage errors do; null when the command line parsed, or when
    /// <c>--help</c>/<c>--version</c> clears the errors. System.CommandLine's own handling would print the help and exit 1.
    /// </summary>
    internal static int? UsageError(ParseResult parsed)
    {
        if (parsed.Action is not ParseErrorAction || parsed.Errors.Count == 0) return null;
        var messages = string.Join(" ", parsed.Errors.Select(e => e.Message.TrimEnd('.') + ".").Distinct());
        System.Console.Error.WriteLine($"error: {messages} See `{CommandPath(parsed)} --help`.");
        return ExitCodes.UsageOrInput;
    }

    // The root's own name is the host's file name (testhost, Snapconv.Cli), so the path is spelled from "snapconv".
    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Add(r.Command is RootCommand ? "snapconv" : r.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }
}

/// <summary>What the failure handler knows of the running command (flows with the command's async calls).</summary>
/// <param name="Command">e.g. <c>snapconv validate</c>.</param>
/// <param name="DebugLog">Where the details of an unexpected failure go; null = nowhere (the default).</param>
/// <param name="Signals">The process's signal handler; null when run in-process (tests).</param>
/// <param name="Clock">The composition root's clock (the debug log's times).</param>
internal sealed record CliRun(string Command, string? DebugLog, StopSignals? Signals, TimeProvider Clock)
{
    private static readonly AsyncLocal<CliRun?> s_current = new();

    /// <summary>The command running on this async flow; null outside <see cref="CliApp.RunAsync(string[], CancellationToken)"/>.</summary>
    public static CliRun? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }
}
