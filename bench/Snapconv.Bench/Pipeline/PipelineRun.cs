using System.Diagnostics;
using System.Globalization;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;

namespace Snapconv.Bench.Pipeline;

/// <summary>
/// <c>pipeline FILE [--block N] [--inflight N]</c>: the validate pipeline in-process (no output files),
/// printing rows/s, GC counts, heap size and peak working set.
/// </summary>
public static class PipelineRun
{
    public static async Task<int> RunAsync(string[] args)
    {
        var file = args[0];
        var block = Arg(args, "--block");
        var inflight = Arg(args, "--inflight") ?? Environment.ProcessorCount * 4;
        var sw = Stopwatch.StartNew();
        var result = await ConversionRun.ExecuteAsync([file], new ConversionOptions { DefaultCountry = "US" }, new ConversionOutputs(),
            TimeProvider.System, CancellationToken.None, pipeline: new PipelineOptions { BlockSize = block, MaxBlocksInFlight = inflight });
        var elapsed = sw.Elapsed.TotalSeconds;
        var info = GC.GetGCMemoryInfo();
        using var p = Process.GetCurrentProcess();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rows={result.Report.Rows} accepted={result.Report.Accepted} seconds={elapsed:0.00} rows_per_s={result.Report.Rows / elapsed:0} cpu_s={p.TotalProcessorTime.TotalSeconds:0.00} cpu_us_per_row={p.TotalProcessorTime.TotalMicroseconds / result.Report.Rows:0.00} " +
            $"gc0={GC.CollectionCount(0)} gc1={GC.CollectionCount(1)} gc2={GC.CollectionCount(2)} heap_mb={info.HeapSizeBytes >> 20} " +
            $"committed_mb={info.TotalCommittedBytes >> 20} peak_ws_mb={p.PeakWorkingSet64 >> 20} allocated_mb={GC.GetTotalAllocatedBytes() >> 20}"));
        return 0;
    }

    private static int? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : null;
    }
}
