using Spectre.Console;

namespace Snapconv.Cli.Console;

/// <summary>The human-facing console: everything for people goes to stderr, so stdout stays clean for pipes.</summary>
internal static class Terminal
{
    /// <summary>
    /// Width of tables and lines when stderr is not a terminal (logs, CI): wide enough that nothing wraps; Spectre's
    /// own default there is 80 columns, which broke table rows and file paths over several lines.
    /// </summary>
    public const int RedirectedWidth = 4096;

    private static (TextWriter Writer, IAnsiConsole Console)? _current;

    /// <summary>
    /// The console on the current <see cref="System.Console.Error"/>: made again when stderr is replaced (tests capture
    /// it with <see cref="System.Console.SetError"/>), so what a command prints always goes where stderr goes now.
    /// </summary>
    public static IAnsiConsole Err
    {
        get
        {
            var writer = System.Console.Error;
            var current = _current;
            if (current is { } c && ReferenceEquals(c.Writer, writer)) return c.Console;
            var console = Create(writer, System.Console.IsErrorRedirected);
            _current = (writer, console);
            return console;
        }
    }

    /// <summary>A console on <paramref name="writer"/>; <paramref name="redirected"/>: not a terminal, so full width.</summary>
    internal static IAnsiConsole Create(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (redirected) console.Profile.Width = RedirectedWidth;
        return console;
    }
}
