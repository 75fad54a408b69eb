using System.Diagnostics;
using System.Globalization;
using System.Text;
using Snapconv.Core.Mapping;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Presets;
using Snapconv.Core.Validation;

namespace Snapconv.Bench.Presets;

/// <summary>
/// <c>preset-join [--deals N] [--contacts M] [--rounds R] [--seed S] [--warm W] [--keep] [--breakdown]</c>: the hubspot-deals preset
/// joining a contacts export (as <c>--preset hubspot-deals --contacts FILE --currency USD</c>) against the same deals with
/// the contacts' e-mails, phones and names already inline under a plain mapping. Both inputs are generated (seeded) into
/// a temp dir; each measured run is its own child process (so peak working set is per configuration), after a warm-up
/// on a small file pair of the same shape. Join timings include loading the contacts index.
/// </summary>
public static class PresetJoinBench
{
    private const string DealsHeader = "\"Record ID\",\"Deal Name\",\"Deal Stage\",\"Pipeline\",\"Is Closed Won\",\"Amount\",\"Close Date\",\"Create Date\",\"Deal owner\",\"Associated Contact\",\"Associated Contact IDs\",\"Associated Company\",\"Deal Description\"";
    private const string ContactsHeader = "\"Record ID\",\"First Name\",\"Last Name\",\"Email\",\"Phone Number\",\"Mobile Phone Number\",\"Create Date\",\"Associated Deal IDs\"";
    private const string PlainExtraHeader = ",\"Email\",\"Phone Number\",\"Mobile Phone Number\",\"First Name\",\"Last Name\"";

    /// <summary>The plain mapping: the preset's columns, filter and constants, with the joined columns as main-file columns.</summary>
    private const string PlainMapping = """
        columns:
          Record ID: {field: order_id, optional: true}
          Close Date: event_time
          Amount: value
          Associated Contact: {field: em, extract: email, optional: true}
          Email: {field: em, split: true}
          Phone Number: {field: ph, split: true, optional: true}
          Mobile Phone Number: {field: ph, split: true, optional: true}
          First Name: {field: fn, split: true, optional: true}
          Last Name: {field: ln, split: true, optional: true}
        constants:
          event_name: PURCHASE
          currency: USD
        auto_detect: false
        filter:
          - name: deal not won
            any:
              - {column: Is Closed Won, in: ["true"]}
              - {column: Deal Stage, in: [Closed Won]}
        """;

    /// <summary>"Now" for event-time warnings: the export date of the sample files, so generated close dates stay in the attributable window.</summary>
    private static readonly DateTimeOffset Now = new(2026, 11, 2, 12, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(string[] args)
    {
        var child = Str(args, "--child");
        if (child is not null) return await ChildAsync(child, Str(args, "--dir")!);
        if (args.Contains("--breakdown"))
        {
            // Only the join's parts (one child): contacts parse, index build, key lookups; see Breakdown.
            var bdir = Path.Combine(Path.GetTempPath(), "snapconv-joinbench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(bdir);
            try
            {
                Generate(bdir, "warm-", 20_000, 20_000, 43);
                Generate(bdir, "", Long(args, "--deals") ?? 1_000_000, Long(args, "--contacts") ?? 1_000_000, 42);
                Console.WriteLine(RunChild("breakdown", bdir, prefix: "") ?? "breakdown failed");
            }
            finally { Directory.Delete(bdir, recursive: true); }
            return 0;
        }

        var deals = Long(args, "--deals") ?? 1_000_000;
        var contacts = Long(args, "--contacts") ?? 1_000_000;
        var rounds = (int)(Long(args, "--rounds") ?? 2);
        var seed = (ulong)(Long(args, "--seed") ?? 42);
        var warm = Long(args, "--warm") ?? 20_000;
        var dir = Path.Combine(Path.GetTempPath(), "snapconv-joinbench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        try
        {
            var sw = Stopwatch.StartNew();
            Generate(dir, "warm-", warm, warm, seed + 1);
            Generate(dir, "", deals, contacts, seed);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"generated {deals:N0} deals + {contacts:N0} contacts in {sw.Elapsed.TotalSeconds:0.0} s into {dir}: deals {Mb(Path.Combine(dir, DealsFile))} MB, contacts {Mb(Path.Combine(dir, ContactsFile))} MB, plain deals {Mb(Path.Combine(dir, PlainFile))} MB"));
            Console.WriteLine($"cores={Environment.ProcessorCount} runtime={Environment.Version} (each run a child process; warm-up on {warm:N0}+{warm:N0} rows first)");

            var results = new List<Dictionary<string, string>>();
            for (var r = 1; r <= rounds; r++)
                foreach (var mode in new[] { "join", "plain" })
                {
                    var line = RunChild(mode, dir);
                    if (line is null) return 1;
                    var d = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
                    d["round"] = r.ToString(CultureInfo.InvariantCulture);
                    results.Add(d);
                    Console.WriteLine($"round {r} {line}");
                }
            Summarize(results);
            return 0;
        }
        finally
        {
            if (!args.Contains("--keep")) Directory.Delete(dir, recursive: true);
        }
    }

    private const string DealsFile = "hubspot-crm-exports-all-deals-2026-11-02.csv";
    private const string ContactsFile = "hubspot-crm-exports-all-contacts-2026-11-02.csv";
    private const string PlainFile = "plain-deals-2026-11-02.csv";

    private static string Mb(string path) => (new FileInfo(path).Length / 1048576.0).ToString("0", CultureInfo.InvariantCulture);

    // ------------------------------------------------------------------ child: one measured run

    private static string? RunChild(string mode, string dir, string prefix = "mode=")
    {
        var host = Environment.ProcessPath!;
        var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") psi.ArgumentList.Add(typeof(PresetJoinBench).Assembly.Location);
        foreach (var a in new[] { "preset-join", "--child", mode, "--dir", dir }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.Contains('='))?.Trim();
        if (p.ExitCode != 0 || line is null)
        {
            Console.Error.WriteLine($"child {mode} failed (exit {p.ExitCode}):\n{stdout}\n{stderr.Result}");
            return null;
        }
        return line;
    }

    private static async Task<int> ChildAsync(string mode, string dir)
    {
        if (mode == "breakdown") { Breakdown(dir, "warm-", print: false); Breakdown(dir, "", print: true); return 0; }
        if (mode == "loads") { Loads(dir); return 0; }
        // Warm-up: the same configuration on the small pair (JIT, tier-up, preset catalog, YAML).
        await MeasureAsync(mode, dir, "warm-", print: false);
        await MeasureAsync(mode, dir, "", print: true);
        return 0;
    }

    private static async Task MeasureAsync(string mode, string dir, string prefix, bool print)
    {
        var deals = Path.Combine(dir, prefix + (mode == "join" ? DealsFile : PlainFile));
        var contacts = Path.Combine(dir, prefix + ContactsFile);
        using var proc = Process.GetCurrentProcess();

        GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
        var heap0 = GC.GetTotalMemory(true);
        var gc0 = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var alloc0 = GC.GetTotalAllocatedBytes(precise: true);

        // Mapping (and for the join, the contacts key index), as ConversionOptionSet builds it for
        // --preset hubspot-deals --contacts FILE --currency USD.
        proc.Refresh();
        var cpuLoad0 = proc.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        MappingSpec mapping;
        var indexed = 0;
        if (mode == "join")
        {
            if (!PresetCatalog.TryGet("hubspot-deals", out var preset)) throw new InvalidOperationException("no hubspot-deals preset");
            mapping = preset.Spec;
            mapping = mapping with { Constants = new Dictionary<TargetField, string>(mapping.Constants) { [TargetField.Currency] = "USD" } };
            var data = JoinSet.Load(mapping, [contacts], mapping.ReaderOptions, defaultCountry: "US");
            indexed = data[0]?.Count ?? 0;
            mapping = mapping with { JoinData = data };
        }
        else mapping = MappingFileLoader.Parse(PlainMapping, "plain-mapping.yaml");
        var loadWall = sw.Elapsed.TotalSeconds;
        proc.Refresh();
        var loadCpu = (proc.TotalProcessorTime - cpuLoad0).TotalSeconds;

        // Untimed: what the index holds on to (a full GC with the mapping alive).
        var heapLoaded = GC.GetTotalMemory(true);

        var options = new ConversionOptions
        {
            DefaultCountry = "US",
            Mapping = mapping,
        };
        long peakHeap = heapLoaded;
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var h = GC.GetTotalMemory(false);
                if (h > Interlocked.Read(ref peakHeap)) Interlocked.Exchange(ref peakHeap, h);
                try { await Task.Delay(10, stop.Token); } catch (OperationCanceledException) { }
            }
        });

        proc.Refresh();
        var cpuRun0 = proc.TotalProcessorTime;
        sw.Restart();
        var result = await ConversionRun.ExecuteAsync([deals], options, new ConversionOutputs(), new FixedClock(Now), CancellationToken.None);
        var runWall = sw.Elapsed.TotalSeconds;
        proc.Refresh();
        var runCpu = (proc.TotalProcessorTime - cpuRun0).TotalSeconds;
        stop.Cancel();
        await sampler;

        var heapAfterRun = GC.GetGCMemoryInfo().HeapSizeBytes;     // as of the last GC during the run
        var alloc = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
        var gcs = (GC.CollectionCount(0) - gc0.Item1, GC.CollectionCount(1) - gc0.Item2, GC.CollectionCount(2) - gc0.Item3);
        var retained = GC.GetTotalMemory(true);                   // with the mapping (index) still alive
        GC.KeepAlive(mapping);
        proc.Refresh();
        if (!print) return;

        var rep = result.Report;
        var wall = loadWall + runWall;
        var cpu = loadCpu + runCpu;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mode={mode} rows={rep.Rows} accepted={rep.Accepted} rejected={rep.Rejected} filtered={rep.Filtered} duplicates={rep.Duplicates} indexed={indexed} " +
            $"load_s={loadWall:0.000} load_cpu_s={loadCpu:0.000} run_s={runWall:0.000} run_cpu_s={runCpu:0.000} seconds={wall:0.000} rows_per_s={rep.Rows / wall:0} " +
            $"cpu_us_per_row={cpu * 1e6 / rep.Rows:0.00} gc0={gcs.Item1} gc1={gcs.Item2} gc2={gcs.Item3} allocated_mb={alloc >> 20} " +
            $"heap_before_mb={heap0 >> 20} heap_loaded_mb={heapLoaded >> 20} index_mb={(heapLoaded - heap0) >> 20} peak_heap_mb={peakHeap >> 20} " +
            $"heap_after_run_mb={heapAfterRun >> 20} retained_mb={retained >> 20} peak_ws_mb={proc.PeakWorkingSet64 >> 20}"));
    }

    /// <summary>
    /// The join's parts, each timed alone (single thread): reading every cell of the contacts file and dropping it
    /// (the parse floor), JoinSet.Load (parse + index), and per deal row splitting Associated Contact IDs and looking
    /// each id up. GC pause time is GC.GetTotalPauseDuration's delta.
    /// </summary>
    private static void Breakdown(string dir, string prefix, bool print)
    {
        var contacts = Path.Combine(dir, prefix + ContactsFile);
        var deals = Path.Combine(dir, prefix + DealsFile);
        using var proc = Process.GetCurrentProcess();
        (double Wall, double Cpu, double Pause, int Gen0, int Gen1, int Gen2) Time(Action a)
        {
            GC.Collect(); GC.WaitForPendingFinalizers();
            proc.Refresh();
            var c0 = proc.TotalProcessorTime;
            var p0 = GC.GetTotalPauseDuration();
            var g = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var sw = Stopwatch.StartNew();
            a();
            var wall = sw.Elapsed.TotalSeconds;
            proc.Refresh();
            return (wall, (proc.TotalProcessorTime - c0).TotalSeconds, (GC.GetTotalPauseDuration() - p0).TotalSeconds,
                GC.CollectionCount(0) - g.Item1, GC.CollectionCount(1) - g.Item2, GC.CollectionCount(2) - g.Item3);
        }
        long cells = 0;
        var parse = Time(() =>
        {
            using var reader = Snapconv.Core.Formats.RecordReaders.Open(contacts, null);
            var n = reader.Headers.Count;
            while (reader.Read())
                for (var i = 0; i < n; i++) if (reader.GetString(i) is { Length: > 0 }) cells++;
        });
        var spec = PresetCatalog.TryGet("hubspot-deals", out var preset) ? preset.Spec : throw new InvalidOperationException();
        long spanChars = 0;
        var parseSpans = Time(() =>
        {
            using var reader = Snapconv.Core.Formats.RecordReaders.Open(contacts, spec.ReaderOptions);
            var csv = (Snapconv.Core.Formats.CsvRecordReader)reader;
            var ordinals = new[] { "Record ID", "Email", "Phone Number", "Mobile Phone Number", "First Name", "Last Name" }
                .Select(h => reader.Headers.ToList().IndexOf(h)).Where(o => o >= 0).ToArray();
            while (reader.Read())
                foreach (var o in ordinals) spanChars += csv.GetSpan(o).Length;
        });
        JoinSet? set = null;
        var load = Time(() => set = JoinSet.Load(spec, [contacts], spec.ReaderOptions, defaultCountry: "US"));
        var table = set![0]!;
        var keys = new List<string>();
        using (var reader = Snapconv.Core.Formats.RecordReaders.Open(deals, null))
        {
            var col = reader.Headers.ToList().IndexOf("Associated Contact IDs");
            while (reader.Read()) keys.Add(reader.GetString(col) ?? "");
        }
        long hits = 0;
        var lookup = Time(() =>
        {
            var rows = new List<int>();
            foreach (var cell in keys)
            {
                rows.Clear();
                table.LookupAll(cell, rows);
                hits += rows.Count;
            }
        });
        long hitsPrefetched = 0;
        var lookupPrefetched = Time(() =>
        {
            // As a worker builds rows: the slots two rows ahead and the rows one row ahead are hinted first.
            var rows = new List<int>();
            for (var i = 0; i < keys.Count; i++)
            {
                if (i + 2 < keys.Count) table.Prefetch(keys[i + 2], rows: false);
                if (i + 1 < keys.Count) table.Prefetch(keys[i + 1], rows: true);
                rows.Clear();
                table.LookupAll(keys[i], rows);
                hitsPrefetched += rows.Count;
            }
        });
        GC.KeepAlive(set);
        if (!print) return;
        string F((double Wall, double Cpu, double Pause, int Gen0, int Gen1, int Gen2) t) =>
            string.Create(CultureInfo.InvariantCulture, $"wall={t.Wall:0.000}s cpu={t.Cpu:0.000}s gc_pause={t.Pause:0.000}s gc={t.Gen0}/{t.Gen1}/{t.Gen2}");
        Console.WriteLine($"breakdown contacts={table.Count} cells={cells} | parse contacts (read all cells, keep none): {F(parse)} | parse contacts (spans of the join's columns): {F(parseSpans)} | JoinSet.Load (parse + index):               {F(load)} | split + lookup of {keys.Count} deals' ids ({hits} hits): {F(lookup)} | the same with prefetch ({hitsPrefetched} hits): {F(lookupPrefetched)}");
    }

    /// <summary>
    /// <c>--child loads</c>: JoinSet.Load of the contacts seven times in one process, the best wall and CPU printed — on a
    /// shared, noisy machine the best of several is the steadiest figure for an A/B of the load alone.
    /// </summary>
    private static void Loads(string dir)
    {
        var spec = PresetCatalog.TryGet("hubspot-deals", out var preset) ? preset.Spec : throw new InvalidOperationException();
        JoinSet.Load(spec, [Path.Combine(dir, "warm-" + ContactsFile)], spec.ReaderOptions, defaultCountry: "US");
        using var proc = Process.GetCurrentProcess();
        var (bestWall, bestCpu) = (double.MaxValue, double.MaxValue);
        for (var i = 0; i < 7; i++)
        {
            GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
            proc.Refresh();
            var c0 = proc.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            var set = JoinSet.Load(spec, [Path.Combine(dir, ContactsFile)], spec.ReaderOptions, defaultCountry: "US");
            var wall = sw.Elapsed.TotalSeconds;
            proc.Refresh();
            bestWall = Math.Min(bestWall, wall);
            bestCpu = Math.Min(bestCpu, (proc.TotalProcessorTime - c0).TotalSeconds);
            GC.KeepAlive(set);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loads best of 7: wall={bestWall:0.000}s cpu={bestCpu:0.000}s"));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    // ------------------------------------------------------------------ summary

    private static void Summarize(List<Dictionary<string, string>> results)
    {
        double Mean(string mode, string key) => results.Where(r => r["mode"] == mode).Average(r => double.Parse(r[key], CultureInfo.InvariantCulture));
        double Min(string mode, string key) => results.Where(r => r["mode"] == mode).Min(r => double.Parse(r[key], CultureInfo.InvariantCulture));
        var accJ = results.Where(r => r["mode"] == "join").Select(r => r["accepted"]).Distinct().ToList();
        var accP = results.Where(r => r["mode"] == "plain").Select(r => r["accepted"]).Distinct().ToList();
        var same = accJ.Count == 1 && accP.Count == 1 && accJ[0] == accP[0];
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine($"accepted: join {string.Join("/", accJ)} plain {string.Join("/", accP)} -> {(same ? "same" : "DIFFERENT")}");
        foreach (var mode in new[] { "join", "plain" })
            Console.WriteLine(string.Create(inv,
                $"{mode,-5}: seconds mean {Mean(mode, "seconds"):0.000} (best {Min(mode, "seconds"):0.000}; load {Mean(mode, "load_s"):0.000} + run {Mean(mode, "run_s"):0.000})  rows/s {Mean(mode, "rows_per_s"):0}  CPU us/row {Mean(mode, "cpu_us_per_row"):0.00} (best {Min(mode, "cpu_us_per_row"):0.00})  " +
                $"peak heap {Mean(mode, "peak_heap_mb"):0} MB  retained {Mean(mode, "retained_mb"):0} MB  peak WS {Mean(mode, "peak_ws_mb"):0} MB  allocated {Mean(mode, "allocated_mb"):0} MB"));
        var wallRatio = Mean("join", "seconds") / Mean("plain", "seconds");
        var bestRatio = Min("join", "seconds") / Min("plain", "seconds");
        var cpuRatio = Mean("join", "cpu_us_per_row") / Mean("plain", "cpu_us_per_row");
        Console.WriteLine(string.Create(inv,
            $"ratio join/plain: wall {wallRatio:0.00} (best-of {bestRatio:0.00}), CPU {cpuRatio:0.00}; target <= 1.25: {(wallRatio <= 1.25 && cpuRatio <= 1.25 ? "met" : "NOT met")}"));
        Console.WriteLine(string.Create(inv,
            $"key index: {Mean("join", "index_mb"):0} MB for {results.First(r => r["mode"] == "join")["indexed"]} contacts (heap after JoinSet.Load - before); peak heap join - plain = {Mean("join", "peak_heap_mb") - Mean("plain", "peak_heap_mb"):0} MB, peak WS join - plain = {Mean("join", "peak_ws_mb") - Mean("plain", "peak_ws_mb"):0} MB"));
    }

    // ------------------------------------------------------------------ generation

    private static readonly string[] FirstNames = ["Annie", "Dan", "Maria", "James", "Li", "Fatima", "Oliver", "Sofia", "Noah", "Emma", "Liam", "Ava", "Mateo", "Chloe", "Yusuf", "Hana", "Lucas", "Zoe", "Ethan", "Mia", "Aarav", "Isla", "Kofi", "Nora"];
    private static readonly string[] LastNames = ["Arnoldy", "Duval", "Garcia", "Smith", "Chen", "Khan", "Brown", "Rossi", "Nguyen", "Müller", "Okafor", "Kim", "Silva", "Novak", "Cohen", "Patel", "Lopez", "Ward", "Fischer", "Haddad"];
    private static readonly string[] Domains = ["example.com", "example.org", "example.net", "mail.example.com", "corp.example.io"];
    private static readonly string[] AreaCodes = ["202", "212", "213", "305", "312", "415", "512", "617", "646", "702", "718", "917"];
    private static readonly string[] DealNames = ["Annual plan", "Two buyers", "Renewal", "Upgrade to Pro", "Starter pack", "Enterprise seats", "Add-on", "Pilot"];
    private static readonly string[] Owners = ["Sam Seller", "Rita Reyes", "Ken Ito", "Ola Berg"];

    /// <summary>Contact <paramref name="i"/>'s cells, a pure function of (seed, i) so deals can inline them without keeping the contacts.</summary>
    private readonly record struct Contact(string Id, string First, string Last, string Email, string Phone, string Mobile);

    private static string ContactId(long i) =>
        // A bijection of [0, 9e11) (982451653 is prime to 9e11): unique 12-digit ids like HubSpot's, in no order.
        (100_000_000_000L + (long)((ulong)i * 982_451_653UL % 900_000_000_000UL)).ToString(CultureInfo.InvariantCulture);

    private static Contact MakeContact(ulong seed, long i)
    {
        var h = new Mix(seed ^ ((ulong)i * 0x9E3779B97F4A7C15UL));
        var first = FirstNames[h.Next(FirstNames.Length)];
        var last = LastNames[h.Next(LastNames.Length)];
        var email = h.Next(100) < 4 ? "" // a few contacts without e-mail: the join then brings only the phone
            : $"{first.ToLowerInvariant()}.{last.ToLowerInvariant()}{i}@{Domains[h.Next(Domains.Length)]}";
        var phone = h.Next(100) < 75 ? Phone(ref h) : "";
        var mobile = h.Next(100) < 30 ? "+1" + AreaCodes[h.Next(AreaCodes.Length)] + h.Next(200, 1000).ToString(CultureInfo.InvariantCulture) + h.Next(10000).ToString("D4", CultureInfo.InvariantCulture) : "";
        return new Contact(ContactId(i), first, last, email, phone, mobile);
    }

    private static string Phone(ref Mix h)
    {
        var a = AreaCodes[h.Next(AreaCodes.Length)];
        var b = h.Next(200, 1000).ToString(CultureInfo.InvariantCulture);
        var c = h.Next(10000).ToString("D4", CultureInfo.InvariantCulture);
        return h.Next(3) switch { 0 => $" +1 ({a}) {b}-{c}", 1 => $"{a}.{b}.{c}", _ => $"({a}) {b}-{c}" };
    }

    private static void Generate(string dir, string prefix, long deals, long contacts, ulong seed)
    {
        var inv = CultureInfo.InvariantCulture;
        using (var w = new StreamWriter(Path.Combine(dir, prefix + ContactsFile), false, new UTF8Encoding(false), 1 << 20))
        {
            w.Write(ContactsHeader); w.Write('\n');
            var cr = new Mix(seed * 31 + 7);
            for (long i = 0; i < contacts; i++)
            {
                var c = MakeContact(seed, i);
                var created = new DateTime(2025, 1, 1).AddMinutes(cr.Next(600_000));
                Q(w, c.Id); w.Write(','); Q(w, c.First); w.Write(','); Q(w, c.Last); w.Write(','); Q(w, c.Email); w.Write(',');
                Q(w, c.Phone); w.Write(','); Q(w, c.Mobile); w.Write(','); Q(w, created.ToString("yyyy-MM-dd HH:mm", inv)); w.Write(',');
                Q(w, (10_000_000_000L + cr.Next((int)Math.Min(deals, int.MaxValue))).ToString(inv)); w.Write('\n');
            }
        }

        using var dw = new StreamWriter(Path.Combine(dir, prefix + DealsFile), false, new UTF8Encoding(false), 1 << 20);
        using var pw = new StreamWriter(Path.Combine(dir, prefix + PlainFile), false, new UTF8Encoding(false), 1 << 20);
        dw.Write(DealsHeader); dw.Write('\n');
        pw.Write(DealsHeader); pw.Write(PlainExtraHeader); pw.Write('\n');
        var r = new Mix(seed * 131 + 3);
        var cells = new string[13];
        var linked = new List<Contact>(2);
        for (long d = 0; d < deals; d++)
        {
            var stage = r.Next(100);
            var (stageName, won) = stage < 80 ? ("Closed Won", "true") : stage < 92 ? ("Closed Lost", "false") : ("Contract Sent", "false");
            var close = Now.UtcDateTime.AddMinutes(-r.Next(60, 30 * 24 * 60));   // within the last 30 days: attributable
            var n = r.Next(100) < 15 ? 2 : 1;
            linked.Clear();
            var ids = new StringBuilder();
            for (var k = 0; k < n; k++)
            {
                if (k > 0) ids.Append(';');
                if (r.Next(100) < 3) ids.Append((10_000_000_000L + r.Next(1_000_000_000)).ToString(inv)); // a contact not in the export (11 digits: never a contact id)
                else
                {
                    var c = MakeContact(seed, r.Next((int)Math.Min(contacts, int.MaxValue)));
                    linked.Add(c);
                    ids.Append(c.Id);
                }
            }
            // "Associated Contact": usually "Name (email)"; sometimes the name only (then only the join has the e-mail).
            var assoc = string.Join(";", linked.Select(c => r.Next(100) < 60 && c.Email.Length > 0 ? $"{c.First} {c.Last} ({c.Email})" : $"{c.First} {c.Last}"));
            cells[0] = (10_000_000_000L + d).ToString(inv);
            cells[1] = DealNames[r.Next(DealNames.Length)];
            cells[2] = stageName;
            cells[3] = "Sales Pipeline";
            cells[4] = won;
            cells[5] = (r.Next(10, 500_000) / 10.0).ToString("0.0##", inv);
            cells[6] = close.ToString("yyyy-MM-dd HH:mm", inv);
            cells[7] = close.AddDays(-r.Next(1, 90)).ToString("yyyy-MM-dd HH:mm", inv);
            cells[8] = Owners[r.Next(Owners.Length)];
            cells[9] = assoc;
            cells[10] = ids.ToString();
            cells[11] = r.Next(100) < 40 ? linked.FirstOrDefault().Last is { } l ? l + " Ltd" : "" : "";
            cells[12] = r.Next(100) < 5 ? "Signed after demo.\nPaid by \"card\"." : "";
            for (var i = 0; i < cells.Length; i++)
            {
                if (i > 0) { dw.Write(','); pw.Write(','); }
                Q(dw, cells[i]); Q(pw, cells[i]);
            }
            // The plain variant: what the join brings, inline (each column's non-blank cells of the matched contacts, ";"-joined).
            foreach (var f in new Func<Contact, string>[] { c => c.Email, c => c.Phone, c => c.Mobile, c => c.First, c => c.Last })
            {
                pw.Write(',');
                Q(pw, string.Join(";", linked.Select(f).Where(v => !string.IsNullOrWhiteSpace(v))));
            }
            dw.Write('\n'); pw.Write('\n');
        }
    }

    private static void Q(TextWriter w, string s)
    {
        w.Write('"');
        if (s.Contains('"')) w.Write(s.Replace("\"", "\"\"")); else w.Write(s);
        w.Write('"');
    }

    /// <summary>SplitMix64: a small seeded generator, identical on every runtime.</summary>
    private struct Mix(ulong state)
    {
        private ulong _s = state;

        public ulong NextUlong()
        {
            var z = _s += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public int Next(int max) => (int)(NextUlong() % (ulong)max);
        public int Next(int min, int max) => min + Next(max - min);
    }

    // ------------------------------------------------------------------ args

    private static string? Str(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static long? Long(string[] args, string name) =>
        Str(args, name) is { } s ? long.Parse(s.Replace("_", "").Replace(",", ""), CultureInfo.InvariantCulture) : null;
}
