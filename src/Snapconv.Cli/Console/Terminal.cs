using Spectre.Console;

namespace Snapconv.Cli.Console;

/// <summary>The human-facing console: everything for people goes to stderr, so stdout stays clean for pipes.</summary>
internal static class Terminal
{
    public static readonly IAnsiConsole Err = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(System.Console.Error),
    });
}
