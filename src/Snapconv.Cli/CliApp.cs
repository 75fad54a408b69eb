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

    public static Task<int> RunAsync(string[] args, CancellationToken ct = default) =>
        CreateRoot().Parse(args).InvokeAsync(cancellationToken: ct);
}
