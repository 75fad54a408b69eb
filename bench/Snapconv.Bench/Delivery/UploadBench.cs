using System.Diagnostics;
using System.Globalization;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Samples;
using Snapconv.Core.Validation;
using Snapconv.Delivery.Upload;
using Snapconv.Sandbox;

namespace Snapconv.Bench.Delivery;

/// <summary>
/// <c>upload-load</c>: generated rows (default 1M) uploaded end to end (read → validate → batch → HTTP →
/// ledger) to an in-memory sandbox on loopback, once with the ledger and once without. Reports events/s,
/// requests/s, p50/p99 request latency and peak memory. Args: <c>[rows] [--no-baseline]</c>.
/// </summary>
public static class UploadBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rows = args.Length > 0 && long.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 1_000_000;
        var baseline = !args.Contains("--no-baseline");
        var dir = Path.Combine(Path.GetTempPath(), "snapconv-upload-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var file = Path.Combine(dir, "load.csv");
            await using (var w = new StreamWriter(file))
                SyntheticConversions.Write(w, new SyntheticOptions { Rows = rows, InvalidRate = 0.01, DuplicateRate = 0.0, Now = DateTimeOffset.UtcNow });
            Console.WriteLine($"upload-load: {rows:N0} rows, {new FileInfo(file).Length / 1e6:F0} MB CSV, {Environment.ProcessorCount} cores");
            // Warm-up on a small slice so JIT is not charged to the first configuration only.
            await OnceAsync(file, dir, useLedger: true, label: null, limitRows: 20_000);
            await OnceAsync(file, dir, useLedger: true, label: "ledger on");
            if (baseline) await OnceAsync(file, dir, useLedger: false, label: "ledger off");
            return 0;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task OnceAsync(string file, string dir, bool useLedger, string? label, long limitRows = 0)
    {
        if (limitRows > 0)
        {
            var small = Path.Combine(dir, "warmup.csv");
            File.WriteAllLines(small, File.ReadLines(file).Take((int)limitRows + 1));
            file = small;
        }
        await using var sandbox = await SandboxApp.StartAsync(new SandboxOptions { Urls = "http://127.0.0.1:0", LogRequests = false });
        var pixel = sandbox.Pixels[0];
        var options = new UploadOptions
        {
            Endpoint = sandbox.BaseAddress, PixelId = pixel.PixelId, Token = pixel.Token,
            StateDir = Path.Combine(dir, "state-" + Guid.NewGuid().ToString("N")[..6]), UseLedger = useLedger, Qps = 100_000,
        };
        GC.Collect();
        var run = new UploadRun(options);
        var sw = Stopwatch.StartNew();
        long peak = 0;
        using var sampler = new Timer(_ => peak = Math.Max(peak, GC.GetTotalMemory(false)), null, 0, 50);
        var result = await run.ExecuteAsync([file], new ConversionOptions { DefaultCountry = "US" }, new ConversionOutputs(), CancellationToken.None);
        sw.Stop();
        if (label is null) return;
        var secs = sw.Elapsed.TotalSeconds;
        var s = result.Stats;
        var stored = sandbox.GetCounters(pixel.PixelId).Stored;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-10}: {s.Acknowledged:N0} events acknowledged (sandbox stored {stored:N0}) in {secs:F2} s = {s.Acknowledged / secs:N0} events/s, " +
            $"{s.Requests / secs:N1} requests/s, latency p50 {s.LatencyPercentile(0.5):F1} ms p99 {s.LatencyPercentile(0.99):F1} ms, " +
            $"peak managed heap {peak / 1e6:F0} MB, process peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB"));
    }
}
