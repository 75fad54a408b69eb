using System.CommandLine;
using System.CommandLine.Invocation;
using Snapconv.Cli.Commands;

namespace Snapconv.Cli;

/// <summary>The command line: parses <c>args</c> and runs the command; returns the exit code.</summary>
public static class CliApp
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("snapconv: deliver offline conversions (in-store, phone, CRM sales) to Snap's Conversions API v3.");
        foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command);
        return root;
    }

    /// <summary>
    /// How long a command may take to stop after Ctrl+C or SIGTERM: in-flight batches finish or are left pending,
    /// and <c>serve</c> waits for its running jobs (up to 30 s) before it exits.
    /// </summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(40);

    public static Task<int> RunAsync(string[] args, CancellationToken ct = default)
    {
        var parsed = CreateRoot().Parse(args);
        if (args.Length == 0)
        {
            // `snapconv` alone: the list of commands is what the user is after, still a usage error for scripts.
            CreateRoot().Parse(["--help"]).Invoke();
            return Task.FromResult(ExitCodes.UsageOrInput);
        }
        if (UsageError(parsed) is { } usage) return Task.FromResult(usage);
        return parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = StopTimeout }, ct);
    }

    /// <summary>
    /// The one place parse errors (unknown option, missing required option or argument, bad value) become exit 2 with
    /// one line on stderr, as every command's own usage errors do; null when the command line parsed, or when
    /// <c>--help</c>/<c>--version</c> clears the errors. System.CommandLine's own handling would print the help and exit 1.
    /// </summary>
    internal static int? UsageError(ParseResult parsed)
    {
        if (parsed.Action is not ParseErrorAction || parsed.Errors.Count == 0) return null;
        // The root's own name is the host's file name (testhost, Snapconv.Cli), so the path is spelled from "snapconv".
        var path = new List<string>();
        for (Command? c = parsed.CommandResult.Command; c is not null and not RootCommand; c = c.Parents.OfType<Command>().FirstOrDefault())
            path.Insert(0, c.Name);
        var command = string.Join(' ', path.Prepend("snapconv"));
        var messages = string.Join(" ", parsed.Errors.Select(e => e.Message.TrimEnd('.') + ".").Distinct());
        System.Console.Error.WriteLine($"error: {messages} See `{command} --help`.");
        return ExitCodes.UsageOrInput;
    }
}
