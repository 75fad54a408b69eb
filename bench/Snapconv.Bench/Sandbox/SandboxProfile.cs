using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Snapconv.Core.Capi;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Samples;
using Snapconv.Core.Validation.Wire;
using Snapconv.Delivery.Upload;
using Snapconv.Sandbox;

namespace Snapconv.Bench.Sandbox;

/// <summary>
/// <c>sandbox-profile [ROWS]</c>: the sandbox's cost per event on the bodies the client really sends (generated rows,
/// 8 hashed identifiers, captured from an upload to a stub handler), stage by stage, single-threaded: parse only,
/// parse + wire validation, then the whole server (Kestrel, validation, store) over one loopback connection.
/// Prints CPU-µs per event and bytes allocated per event for each, three rounds.
/// </summary>
public static class SandboxProfile
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rows = args.Length > 0 && int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 200_000;
        var bodies = await CaptureBodiesAsync(rows);
        var events = 0L;
        foreach (var b in bodies) events += CountEvents(b);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sandbox-profile: {bodies.Count} bodies, {events:N0} events, {bodies.Sum(b => (long)b.Length) / (double)events:F0} bytes/event"));

        for (var round = 0; round < 3; round++)
        {
            var parse = Measure(bodies, events, body =>
            {
                using var doc = JsonDocument.Parse(body);
            });
            var errors = new List<Reason>(8);
            var validate = Measure(bodies, events, body =>
            {
                using var doc = JsonDocument.Parse(body);
                foreach (var ev in doc.RootElement.GetProperty("data"u8).EnumerateArray())
                {
                    errors.Clear();
                    if (!WireEventValidator.Validate(ev, errors).IsValid) throw new InvalidOperationException("bench event invalid");
                }
            });
            var slots = new WireEventSlice[2_000];
            var scan = Measure(bodies, events, body =>
            {
                if (!WireBatchScanner.TryScan(body, slots, out var k)) throw new InvalidOperationException("bench body not scanned");
                for (var i = 0; i < k; i++) if (!slots[i].Checked) throw new InvalidOperationException("bench event left to the slow path");
            });
            var store = new Snapconv.Sandbox.Store.SandboxStore(["px"], DedupClock.EventTime, journal: null);
            var prepared = new Dictionary<byte[], Snapconv.Sandbox.Store.PendingEvent[]>(ReferenceEqualityComparer.Instance);
            foreach (var body in bodies)
            {
                using var doc = JsonDocument.Parse(body);
                var list = new List<Snapconv.Sandbox.Store.PendingEvent>();
                foreach (var ev in doc.RootElement.GetProperty("data"u8).EnumerateArray())
                {
                    errors.Clear();
                    var meta = WireEventValidator.Validate(ev, errors);
                    var raw = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(ev);
                    var offset = (int)System.Runtime.CompilerServices.Unsafe.ByteOffset(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(body), ref System.Runtime.InteropServices.MemoryMarshal.GetReference(raw));
                    list.Add(new Snapconv.Sandbox.Store.PendingEvent(meta, body.AsMemory(offset, raw.Length)));
                }
                prepared[body] = [.. list];
            }
            var commit = Measure(bodies, events, body => store.Commit("px", prepared[body].Length, 0, prepared[body], 0));
            var server = await ServerAsync(bodies, events);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: parse {parse}; parse+validate {validate}; scan (fast path) {scan}; commit alone {commit}; whole server over loopback (client included) {server}"));
        }
        return 0;
    }

    private readonly record struct Cost(double CpuMicros, double AllocBytes)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{CpuMicros:F2} µs/event {AllocBytes:F0} B/event");
    }

    private static Cost Measure(List<byte[]> bodies, long events, Action<byte[]> step)
    {
        GC.Collect();
        var alloc = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        foreach (var b in bodies) step(b);
        sw.Stop();
        return new Cost(sw.Elapsed.TotalMicroseconds / events, (GC.GetAllocatedBytesForCurrentThread() - alloc) / (double)events);
    }

    private static async Task<Cost> ServerAsync(List<byte[]> bodies, long events)
    {
        await using var sandbox = await SandboxApp.StartAsync(new SandboxOptions { Urls = "http://127.0.0.1:0", LogRequests = false }, TimeProvider.System);
        var pixel = sandbox.Pixels[0];
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, UseProxy = false });
        var url = new Uri(sandbox.BaseAddress, $"/v3/{pixel.PixelId}/events");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", pixel.Token);
        // Other pixel id than the capture: the events are rewritten per body, but the store sees them as new.
        await PostAsync(http, url, bodies[0]);
        GC.Collect();
        var alloc = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        foreach (var b in bodies.Skip(1)) await PostAsync(http, url, b);
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var perBody = events / (double)bodies.Count;
        var measured = events - perBody;
        if (sandbox.Store.Count(pixel.PixelId) < (long)(events * 0.99)) throw new InvalidOperationException("the sandbox did not store the events");
        return new Cost(used.TotalMicroseconds / measured, (GC.GetTotalAllocatedBytes(precise: true) - alloc) / measured);
    }

    private static async Task PostAsync(HttpClient http, Uri url, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var res = await http.PostAsync(url, content);
        await res.Content.ReadAsByteArrayAsync();
        if (!res.IsSuccessStatusCode) throw new InvalidOperationException($"sandbox answered {(int)res.StatusCode}");
    }

    private static int CountEvents(byte[] body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("data"u8).GetArrayLength();
    }

    /// <summary>Uploads generated rows to a stub handler that keeps a copy of every request body.</summary>
    internal static async Task<List<byte[]>> CaptureBodiesAsync(int rows)
    {
        var dir = Path.Combine(Path.GetTempPath(), "snapconv-sandbox-profile-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var file = Path.Combine(dir, "rows.csv");
            await using (var w = new StreamWriter(file))
                SyntheticConversions.Write(w, new SyntheticOptions { Rows = rows, InvalidRate = 0.0, DuplicateRate = 0.0, Now = DateTimeOffset.UtcNow });
            var capture = new Capture();
            var run = new UploadRun(new UploadOptions
            {
                Endpoint = new Uri("http://127.0.0.1:9/"), PixelId = "11111111-2222-3333-4444-555555555555", Token = "bench-token",
                StateDir = Path.Combine(dir, "state"), UseLedger = false, Qps = 100_000, Concurrency = 1,
            }, TimeProvider.System) { HandlerFactory = () => capture };
            await run.ExecuteAsync([file], new Snapconv.Core.Validation.ConversionOptions { DefaultCountry = "US" }, new ConversionOutputs(), CancellationToken.None);
            return capture.Bodies;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private sealed class Capture : HttpMessageHandler
    {
        private static readonly byte[] Valid = "{\"status\":\"VALID\",\"reason\":\"Events have been processed successfully.\"}"u8.ToArray();
        public List<byte[]> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            lock (Bodies) Bodies.Add(body);
            return new HttpResponseMessage(System.Net.HttpStatusCode.OK)
            {
                Content = new ByteArrayContent(Valid) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
            };
        }
    }
}
