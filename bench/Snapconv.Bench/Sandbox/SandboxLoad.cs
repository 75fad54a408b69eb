using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Snapconv.Sandbox;

namespace Snapconv.Bench.Sandbox;

/// <summary>
/// Load test of the in-memory sandbox (issue #4): N concurrent loopback connections post pre-serialized
/// 2,000-event batches (unique event ids, so every event is stored) for a bounded count and time, then
/// print events/s accepted and stored, requests/s and p50/p99 latency.
/// Run: <c>dotnet run -c Release --project bench/Snapconv.Bench -- sandbox-load [--batches 200] [--concurrency 4] [--seconds 60] [--warmup 60]</c>.
/// </summary>
public static class SandboxLoad
{
    private const int EventsPerBatch = 2_000;
    private const string Pixel = "bench-pixel";
    private const string Token = "bench-token";

    /// <summary>Runs the load test; returns 0, or 1 when any request failed.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var batches = IntArg(args, "--batches", 200);
        var concurrency = IntArg(args, "--concurrency", 4);
        var seconds = Math.Min(IntArg(args, "--seconds", 60), 60);
        // Enough warm-up for tiered JIT (tier 1 + PGO) to finish on the per-event paths; 10 left it mid-way.
        var warmupBatches = IntArg(args, "--warmup", 60);

        await using var sandbox = await SandboxApp.StartAsync(new SandboxOptions
        {
            Urls = "http://127.0.0.1:0",
            Pixels = [new PixelCredential(Pixel, Token)],
            LogRequests = false,
        }, TimeProvider.System);
        // Retained events grow the heap; keep blocking gen2 collections off the request path.
        System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.SustainedLowLatency;
        var template = BatchTemplate.Create(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 86_400);
        var url = new Uri(sandbox.BaseAddress, $"/v3/{Pixel}/events?access_token={Token}");

        var clients = Enumerable.Range(0, concurrency).Select(_ => new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1,
            UseProxy = false,
        }) { Timeout = TimeSpan.FromSeconds(30) }).ToArray();
        try
        {
            // Warm-up: JIT, connections, pools. Batch numbers beyond the measured range keep ids unique.
            for (var i = 0; i < warmupBatches; i++)
                await PostAsync(clients[i % concurrency], url, template.Render(batches + i));
            var storedBefore = sandbox.Store.Count(Pixel);

            var latencies = new double[batches];
            var next = -1;
            var ok = 0;
            var failed = 0;
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
            var gc0 = GC.CollectionCount(0);
            var gc1 = GC.CollectionCount(1);
            var gc2 = GC.CollectionCount(2);
            var pause = GC.GetTotalPauseDuration();
            var cpu = Environment.CpuUsage.TotalTime;
            var total = Stopwatch.StartNew();
            var workers = clients.Select(client => Task.Run(async () =>
            {
                // One body buffer per connection, re-rendered per batch: the client allocates nothing large.
                var body = new byte[template.Length];
                while (!deadline.IsCancellationRequested)
                {
                    var n = Interlocked.Increment(ref next);
                    if (n >= batches) return;
                    template.RenderInto(n, body);
                    var start = Stopwatch.GetTimestamp();
                    var success = await PostAsync(client, url, body);
                    latencies[n] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    if (success) Interlocked.Increment(ref ok); else Interlocked.Increment(ref failed);
                }
            })).ToArray();
            await Task.WhenAll(workers);
            total.Stop();

            var sent = ok + failed;
            var stored = sandbox.Store.Count(Pixel) - storedBefore;
            var secs = total.Elapsed.TotalSeconds;
            var sorted = latencies.Take(sent).Order().ToArray();
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(inv, $"sandbox-load: {sent} batches x {EventsPerBatch} events, {concurrency} connections, {secs:F2} s, body {template.Length / 1024.0:F0} KiB"));
            Console.WriteLine(string.Create(inv, $"  accepted: {ok * (double)EventsPerBatch / secs,12:N0} events/s ({ok} batches answered 200, {failed} failed)"));
            Console.WriteLine(string.Create(inv, $"  stored:   {stored / secs,12:N0} events/s ({stored} events)"));
            Console.WriteLine(string.Create(inv, $"  requests: {sent / secs,12:N1} req/s"));
            Console.WriteLine(string.Create(inv, $"  latency:  p50 {Percentile(sorted, 0.50):F1} ms, p99 {Percentile(sorted, 0.99):F1} ms"));
            var cpuUsed = Environment.CpuUsage.TotalTime - cpu;
            Console.WriteLine(string.Create(inv, $"  cpu:      {cpuUsed.TotalSeconds:F2} s process CPU (client + server), {cpuUsed.TotalMicroseconds / Math.Max(1, stored):F2} µs per stored event; machine load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
            Console.WriteLine(string.Create(inv, $"  gc:       {GC.CollectionCount(0) - gc0} gen0, {GC.CollectionCount(1) - gc1} gen1, {GC.CollectionCount(2) - gc2} gen2, {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F0} ms paused (server GC: {System.Runtime.GCSettings.IsServerGC})"));
            return failed == 0 ? 0 : 1;
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    private static async Task<bool> PostAsync(HttpClient client, Uri url, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        try
        {
            using var res = await client.PostAsync(url, content);
            await res.Content.ReadAsByteArrayAsync();
            return res.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0
            ? v : fallback;
    }

    /// <summary>A pre-serialized batch whose event ids carry a fixed-width batch number patched per send.</summary>
    private sealed class BatchTemplate
    {
        private const string Marker = "000000";
        private readonly byte[] _bytes;
        private readonly int[] _slots;

        private BatchTemplate(byte[] bytes, int[] slots)
        {
            _bytes = bytes;
            _slots = slots;
        }

        public int Length => _bytes.Length;

        public static BatchTemplate Create(long eventTime)
        {
            var sb = new StringBuilder("{\"data\":[");
            var hashes = Enumerable.Range(0, 16).Select(i => Convert.ToHexStringLower(
                System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"user{i}@example.com")))).ToArray();
            for (var i = 0; i < EventsPerBatch; i++)
            {
                if (i > 0) sb.Append(',');
                var id = string.Create(CultureInfo.InvariantCulture, $"b{Marker}-e{i:D4}");
                sb.Append(CultureInfo.InvariantCulture,
                    $"{{\"event_name\":\"PURCHASE\",\"event_time\":{eventTime + i},\"action_source\":\"OFFLINE\",\"event_id\":\"{id}\",\"integration\":\"snapconv\",")
                  .Append(CultureInfo.InvariantCulture,
                    $"\"user_data\":{{\"em\":[\"{hashes[i % 16]}\"],\"ph\":[\"{hashes[(i + 7) % 16]}\"]}},")
                  .Append(CultureInfo.InvariantCulture,
                    $"\"custom_data\":{{\"value\":{i % 500}.99,\"currency\":\"USD\",\"order_id\":\"{id}\",\"event_tag\":\"in-store\"}}}}");
            }
            sb.Append("]}");
            var bytes = Encoding.UTF8.GetBytes(sb.ToString());
            var slots = new List<int>();
            var marker = Encoding.UTF8.GetBytes("\"b" + Marker + "-e");
            for (var at = 0; ;)
            {
                var k = bytes.AsSpan(at).IndexOf(marker);
                if (k < 0) break;
                slots.Add(at + k + 2);
                at += k + marker.Length;
            }
            return new BatchTemplate(bytes, [.. slots]);
        }

        /// <summary>Writes the batch with number <paramref name="n"/> into <paramref name="target"/>.</summary>
        public void RenderInto(int n, byte[] target)
        {
            _bytes.CopyTo(target, 0);
            Span<byte> digits = stackalloc byte[Marker.Length];
            var v = n;
            for (var i = Marker.Length - 1; i >= 0; i--) { digits[i] = (byte)('0' + v % 10); v /= 10; }
            foreach (var s in _slots) digits.CopyTo(target.AsSpan(s));
        }

        /// <summary>A fresh copy with batch number <paramref name="n"/> in every event id and order id.</summary>
        public byte[] Render(int n)
        {
            var copy = (byte[])_bytes.Clone();
            Span<byte> digits = stackalloc byte[Marker.Length];
            var v = n;
            for (var i = Marker.Length - 1; i >= 0; i--) { digits[i] = (byte)('0' + v % 10); v /= 10; }
            foreach (var s in _slots) digits.CopyTo(copy.AsSpan(s));
            return copy;
        }
    }
}
