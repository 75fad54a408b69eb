using System.CommandLine;
using System.Globalization;
using Snapconv.Cli.Console;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Samples;
using Snapconv.Core.Validation;
using Snapconv.Delivery.Upload;
using Snapconv.Sandbox;
using Spectre.Console;

namespace Snapconv.Cli.Commands;

/// <summary>
/// <c>snapconv demo</c>: starts the CAPI sandbox in-process on a free loopback port, generates a realistic
/// sample export (or uses <c>--input</c>), uploads it through the real delivery path and shows the
/// sandbox's own count for the pixel, proving every acknowledged event arrived once. No network, no setup.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(TimeProvider clock)
    {
        var rows = new Option<int>("--rows") { Description = "Rows in the generated sample.", DefaultValueFactory = _ => 5_000 };
        var dir = new Option<string>("--dir") { Description = "Where the sample, report, rejects and ledger go.", DefaultValueFactory = _ => "snapconv-demo" };
        var input = new Option<string?>("--input") { Description = "Use this export instead of a generated one; it is read as upload reads it (presets recognised, and the options below)." };
        var noGate = new Option<bool>("--no-sample-gate") { Description = "Upload even when more than 10% of the first 1,000 rows are rejected." };
        // The options upload reads a file with (--mapping, --preset, --contacts, --currency, --event-name, …), so
        // `demo --input` shows what `upload` of the same file would send.
        var set = new ConversionOptionSet();
        var command = new Command("demo", "Upload a realistic sample to an in-process Snap CAPI sandbox and show what arrived. No setup, no network.");
        command.Options.Add(rows);
        command.Options.Add(dir);
        command.Options.Add(input);
        command.Options.Add(noGate);
        set.AddTo(command, includePixel: false, includeInputs: false);
        command.SetAction((r, ct) => ExitCodes.Guard(() => RunAsync(set, r, r.GetValue(rows), r.GetValue(dir)!, r.GetValue(input), !r.GetValue(noGate), clock, ct)));
        return command;
    }

    private static async Task<int> RunAsync(ConversionOptionSet set, ParseResult r, int rows, string dir, string? input, bool sampleGate, TimeProvider clock, CancellationToken ct)
    {
        if (rows is < 1 or > 10_000_000) throw new UsageException("--rows must be 1..10000000.");
        if (input is not null && !File.Exists(input)) throw new UsageException($"--input '{input}' does not exist.");
        var sample = input;
        if (sample is null)
        {
            Directory.CreateDirectory(dir);
            sample = Path.Combine(dir, "store-sales.csv");
            var path = sample;
            // Generating millions of rows takes a while and the generator has no cancellation: the first signal stops
            // the wait, and the process ends with the unfinished sample (#16).
            await Task.Run(() =>
            {
                using var w = new StreamWriter(path);
                SyntheticConversions.Write(w, new SyntheticOptions { Rows = rows, Now = clock.GetUtcNow() });
            }, ct).WaitAsync(ct);
            Terminal.Err.MarkupLine($"[bold]snapconv demo[/]: generated {rows:N0} rows of in-store and phone orders in {Markup.Escape(sample)}");
        }
        // Read as upload reads it: a bad option stops here, before the sandbox starts.
        var (files, resolved) = set.Resolve(r, inputs: [sample]);
        Directory.CreateDirectory(dir);

        await using var sandbox = await SandboxApp.StartAsync(new SandboxOptions { Urls = "http://127.0.0.1:0", LogRequests = false }, clock, ct);
        var pixel = sandbox.Pixels[0];
        Terminal.Err.MarkupLine($"[grey]sandbox:[/] {Markup.Escape(sandbox.BaseAddress.AbsoluteUri)} (in-process, pixel {Markup.Escape(pixel.PixelId)})");

        // The sandbox is new on every demo, so the ledger must be too, or nothing would be sent.
        var stateDir = Path.Combine(dir, ".state");
        if (Directory.Exists(stateDir)) Directory.Delete(stateDir, recursive: true);
        var options = new UploadOptions
        {
            Endpoint = sandbox.BaseAddress,
            PixelId = pixel.PixelId,
            Token = pixel.Token,
            StateDir = stateDir,
        };
        var outputs = new ConversionOutputs
        {
            ReportPath = r.GetValue(set.Report) ?? Path.Combine(dir, "report.json"),
            RejectsPath = r.GetValue(set.Rejects) ?? Path.Combine(dir, "rejects.csv"),
            EventsPath = r.GetValue(set.EventsOut),
        };
        // The generated sample's national phone numbers are American; a user's --input says its own (--default-country):
        // the joins of --contacts are already normalized with that setting.
        var conversion = resolved with { DefaultCountry = input is null ? resolved.DefaultCountry ?? "US" : resolved.DefaultCountry, PixelId = pixel.PixelId };
        var code = await UploadCommand.RunAsync(options with { SampleGate = sampleGate }, files, conversion, outputs, "snapconv demo (upload to sandbox)", clock, ct);
        if (code == ExitCodes.SampleGate)
        {
            // Nothing was sent, so the sandbox's count proves nothing: say what stopped the demo instead.
            Terminal.Err.MarkupLine($"[yellow]the demo stopped before sending:[/] the sample gate found too many rejected rows in {Markup.Escape(sample)}. " +
                $"See {Markup.Escape(outputs.RejectsPath)} for the reasons; fix the mapping (--mapping, --preset, --event-name, --currency) or pass --no-sample-gate.");
            return code;
        }

        var counters = sandbox.GetCounters(pixel.PixelId);
        var acknowledged = RunReport.TryRead(outputs.ReportPath)?.Extra.GetValueOrDefault("acknowledged") ?? 0;
        var table = new Table().Border(TableBorder.Rounded).Title("sandbox stats for the pixel")
            .AddColumn("").AddColumn(new TableColumn("count").RightAligned());
        table.AddRow("received", N(counters.Received));
        table.AddRow("stored", N(counters.Stored));
        table.AddRow("duplicates dropped", N(counters.Duplicates));
        table.AddRow("invalid", N(counters.Invalid));
        Terminal.Err.Write(table);
        if (counters.Stored == acknowledged)
            Terminal.Err.MarkupLine($"[green]✓ the sandbox stored {N(counters.Stored)} events = {N(acknowledged)} acknowledged; every accepted event arrived once.[/]");
        else
        {
            Terminal.Err.MarkupLine($"[red]✗ the sandbox stored {N(counters.Stored)} events but {N(acknowledged)} were acknowledged.[/]");
            if (code == ExitCodes.Ok) code = ExitCodes.Unexpected;
        }
        if (input is null)
        {
            // The generated export is dirty on purpose; say so, or the rejects and warnings read as a fault of the tool.
            Terminal.Err.MarkupLine("[grey]the generated export is dirty on purpose:[/] about 5 % of rows have a bad date, amount, currency or event name, or no usable " +
                "identifier (rejected with Snap's reasons, each in rejects.csv with file, row and field), ~2 % repeat an earlier row (sent once), and about " +
                "1 phone in 10 is written [italic]555-0100 x12[/], a local-only number Snap cannot match: it is dropped with warning INVALID_PHONE " +
                "and the event is kept for its e-mail.");
        }
        Terminal.Err.MarkupLine($"[grey]next:[/] snapconv upload YOUR_EXPORT.csv --pixel-id YOUR_PIXEL (token in {UploadOptions.DefaultTokenEnv}); snapconv doctor --pixel-id YOUR_PIXEL checks the setup.");
        return code;
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
