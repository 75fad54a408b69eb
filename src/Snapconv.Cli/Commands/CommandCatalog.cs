using System.CommandLine;

namespace Snapconv.Cli.Commands;

/// <summary>Every top-level command of the CLI, in the order `--help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return VersionProbe();
    }

    private static Command VersionProbe()
    {
        var c = new Command("version", "Print the version.");
        c.SetAction(_ => { Console.WriteLine(typeof(CommandCatalog).Assembly.GetName().Version); return 0; });
        return c;
    }
}
