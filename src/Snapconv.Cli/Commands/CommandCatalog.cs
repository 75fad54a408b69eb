using System.CommandLine;

namespace Snapconv.Cli.Commands;

/// <summary>Every top-level command of the CLI, in the order `--help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All(TimeProvider clock)
    {
        yield return DemoCommand.Create(clock);
        yield return ConvertCommand.CreateValidate(clock);
        yield return ConvertCommand.CreatePreprocess(clock);
        yield return UploadCommand.Create(clock);
        yield return DoctorCommand.Create(clock);
        yield return RunCommand.Create(clock);
        yield return ServeCommand.Create(clock);
        yield return PresetsCommand.Create();
        yield return SandboxCommand.Create(clock);
    }
}
