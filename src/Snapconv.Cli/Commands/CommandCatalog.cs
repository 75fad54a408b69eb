using System.CommandLine;

namespace Snapconv.Cli.Commands;

/// <summary>Every top-level command of the CLI, in the order `--help` lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return DemoCommand.Create();
        yield return ConvertCommand.CreateValidate();
        yield return ConvertCommand.CreatePreprocess();
        yield return UploadCommand.Create();
        yield return DoctorCommand.Create();
        yield return RunCommand.Create();
        yield return ServeCommand.Create();
        yield return PresetsCommand.Create();
        yield return SandboxCommand.Create();
    }
}
