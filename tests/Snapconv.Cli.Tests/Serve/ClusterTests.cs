using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;
using Snapconv.Cli.Serve;
using Snapconv.Cli.Tests.Jobs;
using Snapconv.Core.Samples;
using Snapconv.TestKit.Servers;

namespace Snapconv.Cli.Tests.Serve;

/// <summary>
/// A PostgreSQL 15 on loopback of a test class's own (a class fixture: each class that uses it gets its own server, so
/// <see cref="StoreLossTests"/> may stop and start it).
/// </summary>
public sealed class OwnPostgres : IAsyncLifetime
{
    public PostgresServer Server { get; } = new();
    public Task InitializeAsync() => Server.InitializeAsync();
    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await Server.DisposeAsync();
    }
}

/// <summary>
/// <c>serve --store</c> nodes as real child processes on one PostgreSQL (#19): Quartz's cluster shares the jobs, the
/// PostgreSQL ledgers keep delivery exactly once, and a node killed with SIGKILL has its work finished elsewhere.
/// </summary>
[Collection("console")] // the nodes are child processes; keep the heavy cluster test out of parallel runs
public class ClusterTests(OwnPostgres pg, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<OwnPostgres>
{
    private const int Jobs = 12;
    private const int RowsPerJob = 300;
    private const int BatchSize = 20;

    private static void WriteValidRows(string path, long rows, int seed)
    {
        var w = new StringWriter();
        SyntheticConversions.Write(w, new SyntheticOptions
        {
            Rows = rows, Seed = seed, InvalidRate = 0, DuplicateRate = 0, Now = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero),
        });
        File.WriteAllText(path, w.ToString().Replace("ORD-", $"ORD-{seed}-", StringComparison.Ordinal));
    }

    private sealed record Fire(string Job, string Node, string FireId, DateTimeOffset At, bool End);

    /// <summary>The <c>fire</c> / <c>fire_end</c> lines a node's JSON log holds: its per-run record.</summary>
    private static List<Fire> Fires(string log) => log.Split('\n').Where(l => l.StartsWith('{') && l.Contains("\"step\":\"fire", StringComparison.Ordinal))
        .Select(l =>
        {
            using var d = JsonDocument.Parse(l);
            var r = d.RootElement;
            return new Fire(r.GetProperty("job").GetString()!, r.GetProperty("node").GetString()!, r.GetProperty("fire_id").GetString()!,
                DateTimeOffset.Parse(r.GetProperty("time").GetString()!, CultureInfo.InvariantCulture), r.GetProperty("step").GetString() == "fire_end");
        }).ToList();

    private static string Address(CliChild node)
    {
        var m = Regex.Match(node.Stderr, @"listening on (http://127\.0\.0\.1:\d+)");
        return m.Success ? m.Groups[1].Value : "";
    }

    private CliChild StartNode(string dir, string name, string tokenEnv, string token) =>
        CliChild.Start(["serve", Path.Combine(dir, "jobs.yaml"), "--urls", "http://127.0.0.1:0", "--log-format", "json",
            "--store", $"postgresql://snap@127.0.0.1:{pg.Server.Port}/postgres", "--node-name", name],
            new Dictionary<string, string> { [tokenEnv] = token, ["SNAPCONV_RETRY_BASE_MS"] = "1" });

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Cluster_ThreeNodes_OneKilledMidRun_EveryEventOnce_NoRunOverlaps_FourthNodeGetsWork()
    {
        pg.Server.Require();
        var clock = Stopwatch.StartNew();
        using var dir = new TempDir();
        await using var sandbox = await JobRunTests.Sandbox();
        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        var token = sandbox.Pixels[0].Token;
        var jobs = new System.Text.StringBuilder("jobs:\n");
        for (var i = 1; i <= Jobs; i++)
        {
            var folder = dir.File($"in/j{i:00}");
            Directory.CreateDirectory(folder);
            WriteValidRows(Path.Combine(folder, "a.csv"), RowsPerJob, 500 + i);
            // Every 2 s; 20-event batches at 10 requests/s: a first run lasts ~1.5 s, so a kill lands inside runs.
            jobs.Append(CultureInfo.InvariantCulture, $"  - name: j{i:00}\n    pixel_id: \"{sandbox.Pixels[0].PixelId}\"\n    endpoint: {sandbox.BaseAddress}\n")
                .Append(CultureInfo.InvariantCulture, $"    token_env: {tokenEnv}\n    state_dir: state\n    default_country: US\n    schedule: \"*/2 * * * * *\"\n")
                .Append(CultureInfo.InvariantCulture, $"    delivery: {{batch_size: {BatchSize}, concurrency: 1, qps: 10, sample_gate: false}}\n    source: {{type: local, path: {folder}, pattern: \"*.csv\"}}\n");
        }
        // Each node has a folder of its own (its state directory), as on separate machines; the job files are the same.
        var nodeDirs = Enumerable.Range(1, 4).Select(n => dir.File($"node{n}")).ToList();
        foreach (var d in nodeDirs)
        {
            Directory.CreateDirectory(d);
            File.WriteAllText(Path.Combine(d, "jobs.yaml"), jobs.ToString());
        }

        // What Snap should hold at the end: each file's accepted events (the generator's rows, as validate counts them).
        var expected = new int[Jobs + 1];
        for (var i = 1; i <= Jobs; i++)
        {
            Assert.Equal(0, await CliApp.RunAsync(["validate", dir.File($"in/j{i:00}/a.csv"), "--default-country", "US", "--report", dir.File($"v{i}.json")]));
            using var v = JsonDocument.Parse(File.ReadAllText(dir.File($"v{i}.json")));
            expected[i] = (int)v.RootElement.GetProperty("accepted").GetInt64();
        }
        var total = expected.Sum();
        output.WriteLine($"{clock.Elapsed}: files written, {total} events to deliver");

        var nodes = new List<CliChild>();
        CliChild? fourth = null;
        var killedAt = DateTimeOffset.MaxValue;
        string? killedName = null;
        try
        {
            for (var n = 1; n <= 3; n++) nodes.Add(StartNode(nodeDirs[n - 1], $"n{n}", tokenEnv, token));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

            // Bounded: 60 s for the nodes to listen and one of them (not n1, which answers the questions) to be mid-run.
            var victim = -1;
            for (var i = 0; i < 600 && victim < 0; i++)
            {
                await Task.Delay(100);
                Assert.All(nodes, c => Assert.False(c.Process.HasExited, "a node exited: " + c.Stderr));
                if (Address(nodes[0]) is not { Length: > 0 } a) continue;
                try
                {
                    using var doc = JsonDocument.Parse(await http.GetStringAsync(a + "/api/cluster"));
                    foreach (var node in doc.RootElement.GetProperty("nodes").EnumerateArray())
                        if (node.GetProperty("name").GetString() is "n2" or "n3" && node.GetProperty("running").GetArrayLength() > 0
                            && sandbox.GetEvents(sandbox.Pixels[0].PixelId).Count > 0)
                            victim = node.GetProperty("name").GetString() == "n2" ? 1 : 2;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            }
            Assert.True(victim > 0, "no node other than n1 was seen running a job; n1: " + nodes[0].Stderr);
            // Where the time goes (node start is the slowest step on a loaded machine): seconds from the test's start.
            var t0 = DateTimeOffset.UtcNow - clock.Elapsed;
            string At(string line)
            {
                if (line.Length == 0) return "-";
                using var d = JsonDocument.Parse(line);
                return (DateTimeOffset.Parse(d.RootElement.GetProperty("time").GetString()!, CultureInfo.InvariantCulture) - t0).TotalSeconds
                    .ToString("0.0", CultureInfo.InvariantCulture);
            }
            foreach (var c in nodes)
            {
                var lines = c.Stderr.Split('\n').Where(l => l.StartsWith('{')).ToList();
                output.WriteLine($"node {Fires(c.Stderr).FirstOrDefault()?.Node}: first log line {At(lines.FirstOrDefault() ?? "")} s, listening "
                    + $"{At(lines.FirstOrDefault(l => l.Contains("\"step\":\"listen\"", StringComparison.Ordinal)) ?? "")} s, first fire "
                    + $"{At(lines.FirstOrDefault(l => l.Contains("\"step\":\"fire\"", StringComparison.Ordinal)) ?? "")} s");
            }
            killedName = $"n{victim + 1}";
            var killAfter = clock.Elapsed;
            output.WriteLine($"{killAfter}: killing {killedName} mid-run");
            nodes[victim].Signal("KILL");
            killedAt = DateTimeOffset.UtcNow;
            await nodes[victim].WaitForExitAsync(TimeSpan.FromSeconds(10));
            fourth = StartNode(nodeDirs[3], "n4", tokenEnv, token);

            // Bounded: 75 s for every event to arrive and the fourth node to run a job.
            for (var i = 0; i < 750; i++)
            {
                if (sandbox.GetEvents(sandbox.Pixels[0].PixelId).Count >= total && Fires(fourth.Stderr).Any(f => f.End)) break;
                await Task.Delay(100);
            }
            output.WriteLine($"{clock.Elapsed}: {sandbox.GetEvents(sandbox.Pixels[0].PixelId).Count} stored; the fourth node ran {Fires(fourth.Stderr).Count(f => f.End)} jobs");
            Assert.True(Fires(fourth.Stderr).Any(f => f.End), $"the fourth node ran no job ({clock.Elapsed}, {killedName} killed at {killAfter}; runs by node: "
                + string.Join(", ", nodes.Append(fourth).Select(c => $"{Fires(c.Stderr).FirstOrDefault()?.Node}={Fires(c.Stderr).Count(f => f.End)}"))
                + $"; stored {sandbox.GetEvents(sandbox.Pixels[0].PixelId).Count}): " + fourth.Stderr);

            // /api/cluster lists the live nodes by name, with their check-ins.
            using (var doc = JsonDocument.Parse(await http.GetStringAsync(Address(nodes[0]) + "/api/cluster")))
            {
                var names = doc.RootElement.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("name").GetString()).ToList();
                Assert.Contains("n1", names);
                Assert.Contains("n4", names);
                Assert.All(doc.RootElement.GetProperty("nodes").EnumerateArray(), n => Assert.NotEqual(JsonValueKind.Null, n.GetProperty("last_checkin_at").ValueKind));
            }
            Assert.Equal("ok\n", await http.GetStringAsync(Address(nodes[0]) + "/healthz"));
        }
        finally
        {
            foreach (var c in nodes.Append(fourth).OfType<CliChild>().Where(c => !c.Process.HasExited)) c.Signal("TERM");
            foreach (var c in nodes.Append(fourth).OfType<CliChild>()) await c.WaitForExitAsync(TimeSpan.FromSeconds(30));
        }

        // Every event stored exactly once.
        var ids = JobRunTests.StoredIds(sandbox);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var everyLog = string.Join('\n', nodes.Append(fourth!).Select(c => c.Stderr));
        Assert.True(total == ids.Count, $"stored {ids.Count} of {total} after {clock.Elapsed}; short: "
            + string.Join("; ", Enumerable.Range(1, Jobs).Select(i => (Job: $"j{i:00}", Stored: ids.Count(id => id.Contains($"-{500 + i}-", StringComparison.Ordinal))))
                .Where(j => j.Stored < expected[int.Parse(j.Job[1..], CultureInfo.InvariantCulture)]).Select(j => $"{j.Job} {j.Stored}: " + string.Join(" | ", everyLog.Split('\n')
                    .Where(l => l.Contains($"\"job\":\"{j.Job}\"", StringComparison.Ordinal) && (l.Contains("\"finish\"", StringComparison.Ordinal) || l.Contains("WARN", StringComparison.Ordinal) || l.Contains("ERROR", StringComparison.Ordinal)))
                    .TakeLast(4)))));

        // No job's runs overlap in time, across nodes (the killed node's open run ends when it was killed).
        var all = nodes.Append(fourth!).SelectMany(c => Fires(c.Stderr)).ToList();
        var runs = all.Where(f => !f.End).Select(s =>
        {
            var end = all.FirstOrDefault(e => e.End && e.FireId == s.FireId && e.Node == s.Node)?.At ?? (s.Node == killedName ? killedAt : DateTimeOffset.MaxValue);
            return (s.Job, s.Node, Start: s.At, End: end);
        }).ToList();
        Assert.DoesNotContain(runs, r => r.End == DateTimeOffset.MaxValue);
        foreach (var job in runs.GroupBy(r => r.Job))
        {
            var ordered = job.OrderBy(r => r.Start).ToList();
            for (var i = 1; i < ordered.Count; i++)
                Assert.True(ordered[i].Start >= ordered[i - 1].End,
                    $"{job.Key}: a run on {ordered[i].Node} at {ordered[i].Start:O} overlaps one on {ordered[i - 1].Node} ending {ordered[i - 1].End:O}");
        }
        Assert.True(runs.Select(r => r.Node).Distinct().Count() >= 2, "runs on one node only");
        Assert.Contains(runs, r => r.Node == "n4");
        // Only what was in flight on the killed node is sent again (one batch of each run it had open), with the same
        // event ids, and the sandbox (as Snap) keeps one event per id; nothing acknowledged is sent twice.
        var openOnKilled = all.Count(f => !f.End && f.Node == killedName && !all.Any(e => e.End && e.FireId == f.FireId && e.Node == f.Node));
        Assert.InRange(sandbox.GetCounters(sandbox.Pixels[0].PixelId).Duplicates, 0, BatchSize * openOnKilled);
        output.WriteLine($"{clock.Elapsed}: {runs.Count} runs on {string.Join(", ", runs.GroupBy(r => r.Node).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))}; "
            + $"sandbox duplicates {sandbox.GetCounters(sandbox.Pixels[0].PixelId).Duplicates} ({openOnKilled} runs open on {killedName} when killed)");
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"took {clock.Elapsed}");
    }

    private static async Task<(HttpStatusCode Status, long Id)> RunNowAsync(HttpClient http, string node, string job)
    {
        using var r = await http.PostAsync($"{node}/api/jobs/{job}/run", null);
        var body = await r.Content.ReadAsStringAsync();
        return (r.StatusCode, r.StatusCode == HttpStatusCode.Accepted ? JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt64() : 0);
    }

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task RunNow_TwoNodes_GoesThroughQuartz_RefusedWhileRunningOnEither()
    {
        // #19: run now in a cluster is a Quartz fire: refused on every node while the job runs on any, recorded at once, run
        // by whichever node Quartz picks (which claims the record), never beside another run of the job.
        pg.Server.Require();
        using var dir = new TempDir();
        // 400 ms a request, 5 batches: a run lasts about 2 s.
        await using var sandbox = await Snapconv.Sandbox.SandboxApp.StartAsync(new Snapconv.Sandbox.SandboxOptions
        {
            Urls = "http://127.0.0.1:0", LogRequests = false, LatencyMs = 400,
        }, TimeProvider.System);
        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(dir.File("in"));
        WriteValidRows(dir.File("in/a.csv"), 100, 801);
        // No schedule: the job runs only when asked.
        var yaml = "jobs:\n"
            + $"  - name: manual\n    pixel_id: \"{sandbox.Pixels[0].PixelId}\"\n    endpoint: {sandbox.BaseAddress}\n    token_env: {tokenEnv}\n"
            + $"    state_dir: state\n    default_country: US\n    delivery: {{batch_size: 20, concurrency: 1, sample_gate: false}}\n"
            + $"    source: {{type: local, path: {dir.File("in")}, pattern: \"*.csv\"}}\n";
        var schema = "runnow_" + Guid.NewGuid().ToString("N")[..8];
        var nodes = new List<CliChild>();
        try
        {
            foreach (var name in new[] { "r1", "r2" })
            {
                var d = dir.File(name);
                Directory.CreateDirectory(d);
                File.WriteAllText(Path.Combine(d, "jobs.yaml"), yaml);
                nodes.Add(CliChild.Start(["serve", Path.Combine(d, "jobs.yaml"), "--urls", "http://127.0.0.1:0", "--log-format", "json",
                    "--store", $"postgresql://snap@127.0.0.1:{pg.Server.Port}/postgres?schema={schema}", "--node-name", name],
                    new Dictionary<string, string> { [tokenEnv] = sandbox.Pixels[0].Token }));
            }
            // Bounded: 60 s for both to listen.
            for (var i = 0; i < 600 && nodes.Any(n => Address(n).Length == 0); i++)
            {
                Assert.All(nodes, c => Assert.False(c.Process.HasExited, "a node exited: " + c.Stderr));
                await Task.Delay(100);
            }
            var (a, b) = (Address(nodes[0]), Address(nodes[1]));
            Assert.True(a.Length > 0 && b.Length > 0, "the nodes did not listen: " + nodes[0].Stderr + nodes[1].Stderr);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

            var first = await RunNowAsync(http, a, "manual");
            var onB = await RunNowAsync(http, b, "manual");
            var onA = await RunNowAsync(http, a, "manual");

            Assert.Equal(HttpStatusCode.Accepted, first.Status);
            Assert.Equal(HttpStatusCode.Conflict, onB.Status);
            Assert.Equal(HttpStatusCode.Conflict, onA.Status);
            // The run is in the shared history at once, seen from both nodes; bounded: 60 s for it to finish.
            JsonElement run = default;
            for (var i = 0; i < 600; i++)
            {
                run = JsonDocument.Parse(await http.GetStringAsync($"{b}/api/runs/{first.Id}")).RootElement.Clone();
                if (run.GetProperty("finished_at").ValueKind != JsonValueKind.Null) break;
                await Task.Delay(100);
            }
            Assert.Equal("completed", run.GetProperty("outcome").GetString());
            Assert.Equal("run_now", run.GetProperty("trigger").GetString());
            Assert.Contains(run.GetProperty("node").GetString(), new[] { "r1", "r2" });
            var acknowledged = run.GetProperty("acknowledged").GetInt64();
            Assert.True(acknowledged > 0, "the run acknowledged nothing");
            var ran = nodes.Single(n => Fires(n.Stderr).Any(f => f.End));
            Assert.Equal(run.GetProperty("node").GetString(), Fires(ran.Stderr)[0].Node);

            // Once it ended, a run now from the other node is accepted (bounded: 5 s for Quartz to close the fire).
            var second = (Status: HttpStatusCode.Conflict, Id: 0L);
            for (var i = 0; i < 50 && second.Status == HttpStatusCode.Conflict; i++)
            {
                second = await RunNowAsync(http, b, "manual");
                if (second.Status == HttpStatusCode.Conflict) await Task.Delay(100);
            }
            Assert.Equal(HttpStatusCode.Accepted, second.Status);
            JsonElement again = default;
            for (var i = 0; i < 600; i++)
            {
                again = JsonDocument.Parse(await http.GetStringAsync($"{a}/api/runs/{second.Id}")).RootElement.Clone();
                if (again.GetProperty("finished_at").ValueKind != JsonValueKind.Null) break;
                await Task.Delay(100);
            }
            Assert.Equal("nothing_new", again.GetProperty("outcome").GetString());
            Assert.True(DateTimeOffset.Parse(again.GetProperty("started_at").GetString()!, CultureInfo.InvariantCulture)
                >= DateTimeOffset.Parse(run.GetProperty("finished_at").GetString()!, CultureInfo.InvariantCulture));
            Assert.Equal(acknowledged, sandbox.GetEvents(sandbox.Pixels[0].PixelId).Count);
            Assert.Equal(0, sandbox.GetCounters(sandbox.Pixels[0].PixelId).Duplicates);
        }
        finally
        {
            foreach (var c in nodes.Where(c => !c.Process.HasExited)) c.Signal("TERM");
            foreach (var c in nodes) await c.WaitForExitAsync(TimeSpan.FromSeconds(30));
            foreach (var c in nodes) c.Dispose();
        }
    }

    [SkippableFact]
    public async Task QuartzSchema_TwoNodesAtOnce_CreateItOnce_AndAgainChangesNothing()
    {
        pg.Server.Require();
        var schema = "q_" + Guid.NewGuid().ToString("N")[..10];
        var created = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => QuartzSchema.EnsureAsync(pg.Server.ConnectionString, schema, CancellationToken.None)));
        Assert.Equal(1, created.Count(c => c));
        Assert.False(await QuartzSchema.EnsureAsync(pg.Server.ConnectionString, schema, CancellationToken.None));
        await using var conn = new NpgsqlConnection(pg.Server.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_schema = @s AND table_name LIKE 'qrtz\\_%'", conn);
        cmd.Parameters.AddWithValue("s", schema);
        Assert.True((long)(await cmd.ExecuteScalarAsync())! >= 11);
    }
}
