using System.CommandLine;
using Snapconv.Cli.Console;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Samples;
using Snapconv.Core.Validation;
using Spectre.Console;

namespace Snapconv.Cli.Commands;

/// <summary>
/// <c>snapconv demo</c>: generates a realistic sample export (a few thousand rows with invalid and
/// repeated rows) and runs it through the pipeline, writing report and rejects under <c>./snapconv-demo/</c>.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var rows = new Option<int>("--rows") { Description = "Rows in the generated sample.", DefaultValueFactory = _ => 5_000 };
        var dir = new Option<string>("--dir") { Description = "Where the sample, report and rejects go.", DefaultValueFactory = _ => "snapconv-demo" };
        var command = new Command("demo", "Run the whole pipeline on a generated sample export, with no setup and no network.");
        command.Options.Add(rows);
        command.Options.Add(dir);
        command.SetAction((r, ct) => ExitCodes.Guard(() => RunAsync(r.GetValue(rows), r.GetValue(dir)!, ct)));
        return command;
    }

    private static async Task<int> RunAsync(int rows, string dir, CancellationToken ct)
    {
        Directory.CreateDirectory(dir);
        var sample = Path.Combine(dir, "store-sales.csv");
        await using (var w = new StreamWriter(sample))
            SyntheticConversions.Write(w, new SyntheticOptions { Rows = rows, Now = DateTimeOffset.UtcNow });
        Terminal.Err.MarkupLine($"[bold]snapconv demo[/]: generated {rows:N0} rows of in-store and phone orders in {Markup.Escape(sample)}");
        var options = new ConversionOptions { DefaultCountry = "US", PixelId = "demo-pixel" };
        var outputs = new ConversionOutputs
        {
            ReportPath = Path.Combine(dir, "report.json"),
            RejectsPath = Path.Combine(dir, "rejects.csv"),
            EventsPath = Path.Combine(dir, "events.ndjson"),
        };
        var result = await ConversionRun.ExecuteAsync([sample], options, outputs, TimeProvider.System, ct);
        RunSummary.Render(result.Report, outputs, "snapconv demo (validate)");
        return ExitCodes.Ok;
    }
}
