using System.CommandLine;
using Snapconv.Cli.Console;
using Snapconv.Delivery.Capi;
using Spectre.Console;

namespace Snapconv.Cli.Commands;

/// <summary><c>snapconv doctor</c>: checks endpoint, token and pixel with one validate call (nothing recorded).</summary>
internal static class DoctorCommand
{
    public static Command Create(TimeProvider clock)
    {
        var delivery = new DeliveryOptionSet();
        var command = new Command("doctor", "Check the endpoint, the token and the Pixel ID with one validate call (records nothing).");
        delivery.AddTo(command);
        command.SetAction((r, ct) => ExitCodes.Guard(async () =>
        {
            var options = delivery.Resolve(r);
            OptionFlags.ThrowIfAny(options.Validate(), r);
            var result = await Doctor.CheckAsync(options, clock, ct);
            foreach (var c in result.Checks)
                Terminal.Err.MarkupLine($"{(c.Ok ? "[green]ok  [/]" : "[red]FAIL[/]")} {Markup.Escape(c.Name),-14} {Markup.Escape(c.Detail)}");
            return result.Ok ? ExitCodes.Ok : result.Fatal ? ExitCodes.UsageOrInput : ExitCodes.Unexpected;
        }));
        return command;
    }
}
