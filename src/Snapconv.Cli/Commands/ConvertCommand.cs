using System.CommandLine;
using System.Globalization;
using Snapconv.Cli.Console;
using Snapconv.Core.Output;
using Snapconv.Core.Pipeline;

namespace Snapconv.Cli.Commands;

/// <summary><c>snapconv validate</c> and <c>snapconv preprocess</c>: read every row, report, send nothing.</summary>
internal static class ConvertCommand
{
    public static Command CreateValidate(TimeProvider clock)
    {
        var set = new ConversionOptionSet();
        var command = new Command("validate", "Read, map, normalize and validate every row; report what would be sent. Sends nothing.");
        set.AddTo(command);
        command.SetAction((r, ct) => ExitCodes.Guard(() => RunAsync(set, r, null, clock, ct)));
        return command;
    }

    public static Command CreatePreprocess(TimeProvider clock)
    {
        var set = new ConversionOptionSet();
        var output = new Option<string>("--output", "-o")
        {
            Description = "Where to write the normalized, hashed events: .csv for a CSV of CAPI fields, else NDJSON of CAPI events.",
            Required = true,
        };
        var command = new Command("preprocess", "Write normalized, hashed events to a file. Sends nothing.");
        set.Output = output;
        set.AddTo(command);
        command.Options.Add(output);
        command.SetAction((r, ct) => ExitCodes.Guard(() => RunAsync(set, r, r.GetValue(output), clock, ct)));
        return command;
    }

    private static async Task<int> RunAsync(ConversionOptionSet set, ParseResult r, string? output, TimeProvider clock, CancellationToken ct)
    {
        var (files, options) = set.Resolve(r);
        var progress = new LatestReport();
        var started = clock.GetTimestamp();
        var work = ConversionRun.ExecuteAsync(files, options, new ConversionOutputs
        {
            ReportPath = r.GetValue(set.Report),
            RejectsPath = r.GetValue(set.Rejects),
            EventsPath = r.GetValue(set.EventsOut) ?? (output is not null && !output.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? output : null),
            PreprocessCsvPath = output is not null && output.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? output : null,
        }, clock, ct, progress: progress);
        var result = await LiveProgress.RunAsync(work, () =>
        {
            var rows = progress.Rows;
            var secs = Math.Max(0.001, clock.GetElapsedTime(started).TotalSeconds);
            return string.Create(CultureInfo.InvariantCulture, $"rows read {rows:N0}  {rows / secs:N0} rows/s  rejected {progress.Rejected:N0}");
        }, clock);
        RunSummary.Render(result.Report, result.Outputs);
        return ExitCodes.Ok;
    }

    /// <summary>The counts the pipeline last reported (read from the progress line's thread).</summary>
    private sealed class LatestReport : IProgress<RunReport>
    {
        private long _rows, _rejected;
        public long Rows => Interlocked.Read(ref _rows);
        public long Rejected => Interlocked.Read(ref _rejected);

        public void Report(RunReport value)
        {
            Interlocked.Exchange(ref _rows, value.Rows);
            Interlocked.Exchange(ref _rejected, value.Rejected);
        }
    }
}
