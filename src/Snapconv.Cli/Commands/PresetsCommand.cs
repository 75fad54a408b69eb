using System.CommandLine;
using Snapconv.Core.Presets;
using Spectre.Console;

namespace Snapconv.Cli.Commands;

/// <summary>
/// <c>snapconv presets</c>: the shipped CRM presets (name, system, files, won rule, verified or not);
/// <c>snapconv presets show NAME</c>: one preset as a mapping file, to copy, edit and pass as <c>--mapping</c>.
/// </summary>
internal static class PresetsCommand
{
    public static Command Create()
    {
        var command = new Command("presets", "List the CRM and point-of-sale export presets (HubSpot, Salesforce, Zoho, Dynamics 365, Bitrix24, Freshsales, LeadSquared, mParticle, Shopify, Stripe, Square, Loyverse).");
        command.SetAction((ParseResult _) =>
        {
            var table = new Table().Border(TableBorder.Rounded)
                .AddColumn("name").AddColumn("system").AddColumn("files it expects").AddColumn("won rule").AddColumn("verified");
            foreach (var p in PresetCatalog.All)
                table.AddRow(Markup.Escape(p.Name), Markup.Escape(p.Info.System), Markup.Escape(p.Info.Files), Markup.Escape(p.Info.Won),
                    p.Info.Verified ? "yes" : "[yellow]unverified[/]");
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Out) });
            console.Write(table);
            console.WriteLine("Unverified: built from documentation, not from a real export; see docs/presets.md for what would confirm it.");
            return ExitCodes.Ok;
        });

        var name = new Argument<string>("NAME") { Description = "The preset's name." };
        var show = new Command("show", "Print a preset as a mapping file (YAML), to copy, edit and pass as --mapping.");
        show.Arguments.Add(name);
        show.SetAction((ParseResult r) =>
        {
            var n = r.GetValue(name) ?? "";
            if (!PresetCatalog.TryGet(n, out var preset))
            {
                System.Console.Error.WriteLine($"error: '{n}' is not a preset; presets: {string.Join(", ", PresetCatalog.All.Select(p => p.Name))}.");
                return ExitCodes.UsageOrInput;
            }
            System.Console.Out.Write(preset.Yaml);
            if (preset.Spec.Options.Count > 0)
            {
                // The switches, also as text a user reads without the YAML (stderr keeps stdout a mapping file to copy).
                System.Console.Error.WriteLine($"options of {preset.Name} (--preset-option NAME=VALUE, job key preset_options):");
                foreach (var o in preset.Spec.Options)
                    System.Console.Error.WriteLine($"  {o.Name} (default {(o.Default ? "true" : "false")}): {o.Description}");
            }
            if (preset.Spec.RequiresCurrency)
                System.Console.Error.WriteLine($"{preset.Name} needs --currency CODE: its export carries no currency.");
            return ExitCodes.Ok;
        });
        command.Subcommands.Add(show);
        return command;
    }
}
