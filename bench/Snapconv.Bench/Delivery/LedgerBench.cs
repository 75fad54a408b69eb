using System.Diagnostics;
using System.Globalization;
using Snapconv.Delivery.Ledger;

namespace Snapconv.Bench.Delivery;

/// <summary>
/// <c>ledger-load [EVENTS]</c>: the ledger alone — batches of 2,000 random event keys recorded as sent then
/// acknowledged (as upload does), then a re-run's lookup of every key. Prints µs per event.
/// </summary>
public static class LedgerBench
{
    public static int Run(string[] args)
    {
        var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        const int batch = 2_000;
        var dir = Directory.CreateTempSubdirectory("snapconv-ledger-bench-").FullName;
        try
        {
            var rnd = new Random(1);
            var keys = new EventKey[events];
            Span<byte> b = stackalloc byte[16];
            for (var i = 0; i < events; i++) { rnd.NextBytes(b); keys[i] = new EventKey(System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(b)); }
            using (var ledger = new SqliteDeliveryLedger(dir, TimeProvider.System))
            {
                var sw = Stopwatch.StartNew();
                for (var i = 0; i < events; i += batch)
                {
                    var slice = new ArraySegment<EventKey>(keys, i, Math.Min(batch, events - i));
                    var id = ledger.BeginBatch(slice);
                    ledger.AcknowledgeBatch(id);
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"record: {events:N0} events in {sw.Elapsed.TotalSeconds:F2} s = {sw.Elapsed.TotalMicroseconds / events:F2} µs/event ({events / sw.Elapsed.TotalSeconds:N0} events/s)"));
            }
            var open = Stopwatch.StartNew();
            using (var ledger = new SqliteDeliveryLedger(dir, TimeProvider.System))
            {
                // The next open merges the run's batches into the keyed table (its cost belongs to the record).
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"next open (merge): {open.Elapsed.TotalSeconds:F2} s = {open.Elapsed.TotalMicroseconds / events:F2} µs/event"));
                var sw = Stopwatch.StartNew();
                var acked = new bool[batch];
                long found = 0;
                for (var i = 0; i < events; i += batch)
                {
                    var slice = new ArraySegment<EventKey>(keys, i, Math.Min(batch, events - i));
                    ledger.FindAcknowledged(slice, acked);
                    for (var j = 0; j < slice.Count; j++) if (acked[j]) found++;
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"re-run lookup: {found:N0}/{events:N0} acknowledged in {sw.Elapsed.TotalSeconds:F2} s = {sw.Elapsed.TotalMicroseconds / events:F2} µs/event"));
            }
            Console.WriteLine($"ledger size: {new DirectoryInfo(dir).EnumerateFiles().Sum(f => f.Length) / 1e6:F1} MB");
            return 0;
        }
        finally { Directory.Delete(dir, true); }
    }
}
