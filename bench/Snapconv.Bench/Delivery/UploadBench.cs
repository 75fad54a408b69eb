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
            // Each configuration twice, alternating, so neither is charged the JIT's late tiering alone.
            for (var round = 0; round < (baseline ? 2 : 1); round++)
            {
                await OnceAsync(file, dir, useLedger: true, label: "ledger on");
                if (baseline) await OnceAsync(file, dir, useLedger: false, label: "ledger off");
            }
            if (!args.Contains("--no-client-share")) await ClientShareAsync(file, dir);
            return 0;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// The client's own CPU: read + validate alone, then the whole upload against a stub HTTP handler that
    /// answers VALID at once (no sandbox, no sockets). The difference is the delivery stage per event.
    /// </summary>
    private static async Task ClientShareAsync(string file, string dir)
    {
        var validate = new List<double>();
        var on = new List<double>();
        var off = new List<double>();
        var heap = new List<double>();
        for (var round = 0; round < 2; round++)
        {
            GC.Collect();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var r = await ConversionRun.ExecuteAsync([file], new ConversionOptions { DefaultCountry = "US" }, new ConversionOutputs(), TimeProvider.System, CancellationToken.None);
            validate.Add((Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds / Math.Max(1, r.Report.Accepted));
            var (cpuOn, peakOn) = await StubOnceAsync(file, dir, useLedger: true);
            on.Add(cpuOn);
            heap.Add(peakOn / 1e6);
            off.Add((await StubOnceAsync(file, dir, useLedger: false)).CpuMicros);
        }
        static string F(List<double> x) => string.Join(" / ", x.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)));
        Console.WriteLine($"client only, CPU µs/event per round: read+validate {F(validate)}; upload to a stub handler: ledger on {F(on)}, ledger off {F(off)}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"client delivery stage (best round, upload − read+validate): ledger on {on.Min() - validate.Min():F1} µs/event, ledger off {off.Min() - validate.Min():F1} µs/event"));
        // The client's memory without the sandbox's store: what an upload to Snap holds.
        Console.WriteLine($"client only, peak managed heap of the whole upload (ledger on, stub handler) per round: {F(heap)} MB");

        // The delivery stage alone on built events (key, serialize, batch, body, stub answer, ledger): less noisy.
        var events = new List<Snapconv.Core.Capi.CapiEvent>(200_000);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        for (var i = 0; i < 200_000; i++)
        {
            var e = new Snapconv.Core.Capi.CapiEvent { EventName = "PURCHASE", EventTime = now - 3_600 - i % 86_400, EventId = "order-" + i.ToString(CultureInfo.InvariantCulture) };
            e.UserData.Em = [Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)))];
            e.UserData.Ph = [Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(-i)))];
            e.CustomData.Currency = "USD";
            e.CustomData.Value = 10 + i % 500;
            e.CustomData.OrderId = e.EventId;
            events.Add(e);
        }
        var sendOn = new List<double>();
        var sendOff = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            sendOn.Add(await SendOnceAsync(events, dir, useLedger: true));
            sendOff.Add(await SendOnceAsync(events, dir, useLedger: false));
        }
        Console.WriteLine($"delivery stage alone on {events.Count:N0} built events, CPU µs/event per round: ledger on {F(sendOn)}, ledger off {F(sendOff)}");
    }

    private static async Task<double> SendOnceAsync(List<Snapconv.Core.Capi.CapiEvent> events, string dir, bool useLedger)
    {
        var options = new UploadOptions
        {
            Endpoint = new Uri("http://127.0.0.1:9/"), PixelId = "11111111-2222-3333-4444-555555555555", Token = "bench-token",
            StateDir = Path.Combine(dir, "state-" + Guid.NewGuid().ToString("N")[..6]), UseLedger = useLedger, Qps = 100_000,
        };
        GC.Collect();
        var run = new UploadRun(options, TimeProvider.System) { HandlerFactory = () => new ValidStub() };
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        await run.SendEventsAsync(events, CancellationToken.None);
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds;
        if (run.Stats.Acknowledged != events.Count) throw new InvalidOperationException("stub run did not acknowledge every event");
        return cpu / events.Count;
    }

    private static async Task<(double CpuMicros, long PeakHeap)> StubOnceAsync(string file, string dir, bool useLedger)
    {
        var options = new UploadOptions
        {
            Endpoint = new Uri("http://127.0.0.1:9/"), PixelId = "11111111-2222-3333-4444-555555555555", Token = "bench-token",
            StateDir = Path.Combine(dir, "state-" + Guid.NewGuid().ToString("N")[..6]), UseLedger = useLedger, Qps = 100_000,
        };
        GC.Collect();
        var run = new UploadRun(options, TimeProvider.System) { HandlerFactory = () => new ValidStub() };
        long peak = 0;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        UploadResult result;
        using (new Timer(_ => peak = Math.Max(peak, GC.GetTotalMemory(false)), null, 0, 50))
            result = await run.ExecuteAsync([file], new ConversionOptions { DefaultCountry = "US" }, new ConversionOutputs(), CancellationToken.None);
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds;
        if (result.Stats.Acknowledged != result.Report.Accepted) throw new InvalidOperationException("stub run did not acknowledge every event");
        return (cpu / Math.Max(1, result.Stats.Acknowledged), peak);
    }

    /// <summary>Answers every request 200 VALID without reading it further than the client already did.</summary>
    private sealed class ValidStub : HttpMessageHandler
    {
        private static readonly byte[] Valid = "{\"status\":\"VALID\",\"reason\":\"Events have been processed successfully.\"}"u8.ToArray();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK)
            {
                Content = new ByteArrayContent(Valid) { Headers = { ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") } },
            });
    }

    private static async Task OnceAsync(string file, string dir, bool useLedger, string? label, long limitRows = 0)
    {
        if (limitRows > 0)
        {
            var small = Path.Combine(dir, "warmup.csv");
            File.WriteAllLines(small, File.ReadLines(file).Take((int)limitRows + 1));
            file = small;
        }
        await using var sandbox = await SandboxApp.StartAsync(new SandboxOptions { Urls = "http://127.0.0.1:0", LogRequests = false }, TimeProvider.System);
        var pixel = sandbox.Pixels[0];
        var options = new UploadOptions
        {
            Endpoint = sandbox.BaseAddress, PixelId = pixel.PixelId, Token = pixel.Token,
            StateDir = Path.Combine(dir, "state-" + Guid.NewGuid().ToString("N")[..6]), UseLedger = useLedger, Qps = 100_000,
        };
        GC.Collect();
        var run = new UploadRun(options, TimeProvider.System);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var pauseBefore = GC.GetTotalPauseDuration();
        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        var sw = Stopwatch.StartNew();
        long peak = 0;
        using var sampler = new Timer(_ => peak = Math.Max(peak, GC.GetTotalMemory(false)), null, 0, 50);
        var result = await run.ExecuteAsync([file], new ConversionOptions { DefaultCountry = "US" }, new ConversionOutputs(), CancellationToken.None);
        sw.Stop();
        if (label is null) return;

        var secs = sw.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds;
        var s = result.Stats;
        var stored = sandbox.GetCounters(pixel.PixelId).Stored;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label,-10}: {s.Acknowledged:N0} events acknowledged (sandbox stored {stored:N0}) in {secs:F2} s = {s.Acknowledged / secs:N0} events/s, " +
            $"{s.Requests / secs:N1} requests/s, CPU {cpu / Math.Max(1, s.Acknowledged):F1} µs/event (client + sandbox), latency p50 {s.LatencyPercentile(0.5):F1} ms p99 {s.LatencyPercentile(0.99):F1} ms, " +
            $"peak managed heap {peak / 1e6:F0} MB, process peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:F0} MB, " +
            $"GCs {GC.CollectionCount(0) - gen0} ({GC.CollectionCount(2) - gen2} gen2), GC pauses {(GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds:F0} ms"));
    }
}
