using System.CommandLine;
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

    public static Task<int> RunAsync(string[] args, CancellationToken ct = default) =>
        CreateRoot().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = StopTimeout }, ct);
}
