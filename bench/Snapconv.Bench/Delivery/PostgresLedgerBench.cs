using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Snapconv.Delivery.Ledger;
using Snapconv.Postgres;

namespace Snapconv.Bench.Delivery;

/// <summary>
/// <c>ledger-pg --store URL [--events N] [--batch N] [--seconds S] [--one-session]</c>: event keys recorded per second by the
/// PostgreSQL delivery ledger — batches of random keys claimed (<c>ClaimBatch</c>, as a cluster node does) then
/// acknowledged — against the SQLite ledger doing the same in the same run (its next-open merge counted in),
/// one session called by 8 senders at once (as a run's send workers call it: it writes on two connections), then two
/// PostgreSQL sessions recording at once, and a re-run's claim of keys all acknowledged. Bounded: at
/// most 5,000,000 events, and each phase stops after S seconds (default 60). The schema it makes is dropped.
/// <c>--one-session</c> runs the one-session phase alone (for alternating A/B runs of two builds).
/// Run it with <c>bench/run-ledger-pg.sh</c> (starts a private PostgreSQL on loopback).
/// </summary>
public static class PostgresLedgerBench
{
    private const int MaxEvents = 5_000_000;

    public static async Task<int> RunAsync(string[] args)
    {
        string? store = null;
        var events = 1_000_000;
        var batch = 2_000;
        var seconds = 60;
        var oneSession = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--store": store = args[++i]; break;
                case "--events": events = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--batch": batch = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--one-session": oneSession = true; break;
                default:
                    Console.Error.WriteLine("usage: ledger-pg --store postgresql://USER@HOST:PORT/DB [--events N] [--batch N] [--seconds S] [--one-session]");
                    return 2;
            }
        }
        if (store is null || events is < 1 or > MaxEvents || batch is < 1 or > 10_000 || seconds is < 1 or > 600)
        {
            Console.Error.WriteLine($"ledger-pg: --store is required; --events 1-{MaxEvents:N0}, --batch 1-10,000, --seconds 1-600.");
            return 2;
        }
        var limit = TimeSpan.FromSeconds(seconds);
        var keys = RandomKeys(events, seed: 1);
        Console.WriteLine($"{events:N0} random event keys in batches of {batch:N0}; store {PostgresUrl.Parse(store)}");

        var sqlite = oneSession ? default : RecordSqlite(keys, batch, limit);
        if (!oneSession)
        {
            Print("sqlite  claim+ack (+ next-open merge)", sqlite.Count, sqlite.Elapsed);
            PrintCpu("sqlite  claim+ack (+ next-open merge)", sqlite);
        }

        var url = PostgresUrl.Parse(store) with { Schema = "bench_" + Guid.NewGuid().ToString("N")[..8] };
        await using var pg = await PostgresStore.OpenAsync(PostgresStoreOptions.From(url, nodeName: "bench"), CancellationToken.None);
        try
        {
            var one = Record(pg, keys, batch, limit);
            Print("postgres claim+ack, one session, one caller", one.Count, one.Elapsed);
            PrintCpu("postgres claim+ack, one session, one caller", one);

            // One session (one run) as the delivery sink calls it: its send workers claim and acknowledge at once.
            var run = RandomKeys(events, seed: 3);
            var (count, elapsed) = RecordConcurrently(pg, run, batch, limit, Senders);
            Print($"postgres claim+ack, one session, {Senders} senders at once (as a run)", count, elapsed);
            if (oneSession) return 0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ratio postgres/sqlite: {Rate(one) / Rate(sqlite):F2} (events/s), {(sqlite.ClientCpu.TotalMicroseconds / sqlite.Count) / ((one.ClientCpu + one.ServerCpu).TotalMicroseconds / one.Count):F2} (CPU per event)"));

            // Two sessions (two nodes) recording new keys at once, each its own half.
            var more = RandomKeys(events, seed: 2);
            var half = events / 2;
            var sw = Stopwatch.StartNew();
            var parts = await Task.WhenAll(
                Task.Run(() => Record(pg, more[..half], batch, limit)),
                Task.Run(() => Record(pg, more[half..], batch, limit)));
            Print("postgres claim+ack, two sessions at once", parts.Sum(p => p.Count), sw.Elapsed);

            // A re-run: every key is found acknowledged by the claim itself.
            using var rerun = pg.OpenDeliveryLedger(TimeProvider.System);
            var outcomes = new ClaimOutcome[batch];
            long acked = 0, done = 0;
            sw.Restart();
            for (var i = 0; i < one.Count && sw.Elapsed < limit; i += batch)
            {
                var slice = new ArraySegment<EventKey>(keys, i, Math.Min(batch, one.Count - i));
                rerun.ClaimBatch(slice, outcomes);
                for (var j = 0; j < slice.Count; j++) if (outcomes[j] == ClaimOutcome.Acknowledged) acked++;
                done += slice.Count;
            }
            Print($"postgres re-run claim, {acked:N0} found acknowledged", done, sw.Elapsed);
        }
        finally
        {
            await using var drop = pg.DataSource.CreateCommand($"DROP SCHEMA \"{url.Schema}\" CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
        return 0;
    }

    /// <param name="ClientCpu">CPU time of this process over the phase.</param>
    /// <param name="ServerCpu">CPU time of the PostgreSQL server process of the session (zero for SQLite).</param>
    private readonly record struct Result(int Count, TimeSpan Elapsed, TimeSpan ClientCpu = default, TimeSpan ServerCpu = default);

    /// <summary>
    /// CPU time per event, client and server: on a loaded machine the wall clock counts the waits for a core too,
    /// and a session's round trips are sequential, so 1 / (client + server CPU) is the rate on idle cores.
    /// </summary>
    private static void PrintCpu(string what, Result r) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what} CPU: client {r.ClientCpu.TotalMicroseconds / r.Count:F2} + server {r.ServerCpu.TotalMicroseconds / r.Count:F2} µs/event = {(r.ClientCpu + r.ServerCpu).TotalMicroseconds / r.Count:F2} CPU-µs/event (≈ {r.Count / (r.ClientCpu + r.ServerCpu).TotalSeconds:N0} events/s on idle cores)"));

    /// <summary>User + system CPU of a process from <c>/proc/PID/stat</c> (clock ticks of 10 ms).</summary>
    private static TimeSpan ProcessCpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    private static TimeSpan OwnCpu() => Process.GetCurrentProcess().TotalProcessorTime;

    private static double Rate(Result r) => r.Count / r.Elapsed.TotalSeconds;

    private static void Print(string what, long count, TimeSpan elapsed) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {count:N0} events in {elapsed.TotalSeconds:F2} s = {count / elapsed.TotalSeconds:N0} events/s ({elapsed.TotalMicroseconds / count:F2} µs/event)"));

    private static Result Record(PostgresStore store, EventKey[] keys, int batch, TimeSpan limit)
    {
        using var ledger = store.OpenDeliveryLedger(TimeProvider.System);
        var backend = ((Snapconv.Postgres.Ledger.PostgresDeliveryLedger)ledger).BackendPid;
        var outcomes = new ClaimOutcome[batch];
        var (client, server) = (OwnCpu(), ProcessCpu(backend));
        var sw = Stopwatch.StartNew();
        var i = 0;
        for (; i < keys.Length && sw.Elapsed < limit; i += batch)
        {
            var slice = new ArraySegment<EventKey>(keys, i, Math.Min(batch, keys.Length - i));
            if (ledger.ClaimBatch(slice, outcomes) is { } id) ledger.AcknowledgeBatch(id);
        }
        return new Result(Math.Min(i, keys.Length), sw.Elapsed, OwnCpu() - client, ProcessCpu(backend) - server);
    }

    /// <summary>Send workers of a run: the sink's default is 8; each takes the next batch of the run's keys.</summary>
    private const int Senders = 8;

    private static (long Count, TimeSpan Elapsed) RecordConcurrently(PostgresStore store, EventKey[] keys, int batch, TimeSpan limit, int senders)
    {
        using var ledger = store.OpenDeliveryLedger(TimeProvider.System);
        var next = -batch;
        long count = 0;
        var sw = Stopwatch.StartNew();
        Parallel.For(0, senders, new ParallelOptions { MaxDegreeOfParallelism = senders }, _ =>
        {
            var outcomes = new ClaimOutcome[batch];
            for (int i; (i = Interlocked.Add(ref next, batch)) < keys.Length && sw.Elapsed < limit;)
            {
                var slice = new ArraySegment<EventKey>(keys, i, Math.Min(batch, keys.Length - i));
                if (ledger.ClaimBatch(slice, outcomes) is { } id) ledger.AcknowledgeBatch(id);
                Interlocked.Add(ref count, slice.Count);
            }
        });
        return (count, sw.Elapsed);
    }

    private static Result RecordSqlite(EventKey[] keys, int batch, TimeSpan limit)
    {
        var dir = Directory.CreateTempSubdirectory("snapconv-ledger-bench-").FullName;
        try
        {
            var cpu = OwnCpu();
            var sw = Stopwatch.StartNew();
            var i = 0;
            using (IDeliveryLedger ledger = new SqliteDeliveryLedger(dir, TimeProvider.System))
            {
                var outcomes = new ClaimOutcome[batch];
                for (; i < keys.Length && sw.Elapsed < limit; i += batch)
                {
                    var slice = new ArraySegment<EventKey>(keys, i, Math.Min(batch, keys.Length - i));
                    if (ledger.ClaimBatch(slice, outcomes) is { } id) ledger.AcknowledgeBatch(id);
                }
            }
            // The SQLite ledger merges a run's keys into its keyed table when next opened: part of recording them.
            using (new SqliteDeliveryLedger(dir, TimeProvider.System)) { }
            return new Result(Math.Min(i, keys.Length), sw.Elapsed, OwnCpu() - cpu);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, true);
        }
    }

    private static EventKey[] RandomKeys(int n, int seed)
    {
        var rnd = new Random(seed);
        var keys = new EventKey[n];
        Span<byte> b = stackalloc byte[16];
        for (var i = 0; i < n; i++)
        {
            rnd.NextBytes(b);
            keys[i] = new EventKey(BinaryPrimitives.ReadUInt128BigEndian(b));
        }
        return keys;
    }
}
