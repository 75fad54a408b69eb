using System.Diagnostics;
using Snapconv.Core.Formats;
using Snapconv.Core.Mapping;
using Snapconv.Core.Normalization;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;

namespace Snapconv.Bench.Pipeline;

/// <summary><c>stages FILE</c>: single-thread time of each stage over one file (read; read+build), to find the hot spot.</summary>
public static class StageProfile
{
    public static int Run(string[] args)
    {
        var file = args[0];
        for (var round = 0; round < 2; round++)
        {
            var sw = Stopwatch.StartNew();
            long n = 0;
            using (var r = RecordReaders.Open(file))
            {
                var w = r.Headers.Count;
                while (r.Read()) { for (var i = 0; i < w; i++) r.GetString(i); n++; }
            }
            Console.WriteLine($"read: {n / sw.Elapsed.TotalSeconds:N0} rows/s");

            Console.WriteLine($"read allocates {GC.GetAllocatedBytesForCurrentThread() / Math.Max(1, n)} B/row (cumulative)");
            sw.Restart();
            n = 0;
            var options = new ConversionOptions { DefaultCountry = "US" };
            using (var r = RecordReaders.Open(file))
            {
                var bound = BoundMapping.Bind(options.Mapping, r.Headers, file);
                var builder = new EventBuilder(bound, options, file, TimeProvider.System);
                var w = r.Headers.Count;
                var stage = new Stopwatch[Enum.GetValues<IdentifierKind>().Length];
                while (r.Read())
                {
                    var f = new string?[w];
                    for (var i = 0; i < w; i++) f[i] = r.GetString(i);
                    builder.Build(f, r.RowNumber);
                    n++;
                }
            }
            Console.WriteLine($"read+build: {n / sw.Elapsed.TotalSeconds:N0} rows/s");

            // Build alone over rows held in memory, with columns blanked one at a time.
            var held = new List<string?[]>();
            string[] headers;
            using (var r = RecordReaders.Open(file))
            {
                headers = r.Headers.ToArray();
                while (r.Read() && held.Count < 200_000)
                {
                    var f = new string?[headers.Length];
                    for (var i = 0; i < f.Length; i++) f[i] = r.GetString(i);
                    held.Add(f);
                }
            }
            for (var blank = -1; blank < headers.Length; blank++)
            {
                var b2 = new EventBuilder(BoundMapping.Bind(options.Mapping, headers, file), options, file, TimeProvider.System);
                var rows = held.Select(f => { var c = (string?[])f.Clone(); if (blank >= 0) c[blank] = null; return c; }).ToList();
                var before = GC.GetAllocatedBytesForCurrentThread();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                sw.Restart();
                foreach (var f in rows) b2.Build(f, 1);
                var cpuUs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / rows.Count;
                var bytes = (GC.GetAllocatedBytesForCurrentThread() - before) / rows.Count;
                Console.WriteLine($"  build without {(blank < 0 ? "nothing" : headers[blank])}: {rows.Count / sw.Elapsed.TotalSeconds:N0} rows/s, {cpuUs:F2} CPU-µs/row, {bytes} B/row");
            }
            // Individual normalizers (and the hash of what they return) on the file's identifier columns.
            foreach (var (name, kind) in new[] { ("email", IdentifierKind.Em), ("phone", IdentifierKind.Ph), ("first_name", IdentifierKind.Fn), ("city", IdentifierKind.Ct), ("state", IdentifierKind.St), ("zip", IdentifierKind.Zp), ("country", IdentifierKind.Country) })
            {
                var col = Array.IndexOf(headers, name);
                if (col < 0) continue;
                var values = held.Select(f => f[col]).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!).ToList();
                var ctx = new NormalizeContext { DefaultCountry = "US" };
                var normalized = new List<string>(values.Count);
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                foreach (var v in values) if (IdentifierNormalizer.Normalize(kind, v, ctx).Value is { } nv) normalized.Add(nv);
                var normUs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / values.Count;
                cpu = Process.GetCurrentProcess().TotalProcessorTime;
                foreach (var v in normalized) Snapconv.Core.Hashing.Sha256Hex.Hash(v);
                var hashUs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / Math.Max(1, normalized.Count);
                Console.WriteLine($"  {kind}: normalize {normUs:F3} CPU-µs/value, hash {hashUs:F3} CPU-µs/value");
            }
            sw.Restart();
            var times = new List<string>();
            using (var r = RecordReaders.Open(file)) { while (r.Read() && times.Count < 200_000) times.Add(r.GetString(1) ?? ""); }
            sw.Restart();
            var tcpu = Process.GetCurrentProcess().TotalProcessorTime;
            foreach (var t in times) EventTimeParser.TryParse(t, TimeZoneInfo.Utc, null, out _);
            Console.WriteLine($"  event_time: {(Process.GetCurrentProcess().TotalProcessorTime - tcpu).TotalMicroseconds / times.Count:F3} CPU-µs/value");
        }
        return 0;
    }
}
