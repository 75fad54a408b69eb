using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Snapconv.Cli.Tests.Jobs;
using Snapconv.Core.Capi;
using Snapconv.Delivery.Ledger;
using Snapconv.Postgres;

namespace Snapconv.Cli.Tests.Serve;

/// <summary>
/// A <c>serve --store</c> node (a real child process) that loses its PostgreSQL mid-run and gets it back (#19): /healthz
/// answers 503, no run starts while it is down, the node rejoins, and every event ends stored once and acknowledged.
/// </summary>
[Collection("console")] // a child process and a database stopped on purpose: not beside the other heavy tests
public class StoreLossTests(OwnPostgres pg, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<OwnPostgres>
{
    private const int BatchSize = 20;

    private static string Address(CliChild node)
    {
        var m = Regex.Match(node.Stderr, @"listening on (http://127\.0\.0\.1:\d+)");
        return m.Success ? m.Groups[1].Value : "";
    }

    private static async Task<HttpStatusCode?> HealthAsync(HttpClient http, string address)
    {
        try
        {
            using var r = await http.GetAsync(address + "/healthz");
            return r.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return null; }
    }

    private static int Accepted(string csv, string report)
    {
        Assert.Equal(0, CliApp.RunAsync(["validate", csv, "--default-country", "US", "--report", report]).GetAwaiter().GetResult());
        using var v = JsonDocument.Parse(File.ReadAllText(report));
        return (int)v.RootElement.GetProperty("accepted").GetInt64();
    }

    /// <summary>The node's JSON log lines, parsed.</summary>
    private static List<JsonElement> Lines(CliChild node) => node.Stderr.Split('\n').Where(l => l.StartsWith('{'))
        .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    private static string Step(JsonElement l) => l.TryGetProperty("step", out var s) ? s.GetString() ?? "" : "";
    private static string Message(JsonElement l) => l.TryGetProperty("message", out var s) ? s.GetString() ?? "" : "";

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Serve_LosesPostgresMidRun_503AndNoRunWhileDown_RejoinsAndEveryEventOnce()
    {
        // #19: "A node that loses PostgreSQL: /healthz answers 503, it starts no job, retries with backoff, and rejoins when
        // the database is back; nothing is lost or doubled."
        pg.Server.Require();
        var clock = Stopwatch.StartNew();
        using var dir = new TempDir();
        await using var sandbox = await JobRunTests.Sandbox();
        var pixel = sandbox.Pixels[0].PixelId;
        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(dir.File("in"));
        // 600 rows at 20 a batch and 5 requests a second: the first run delivers for about 6 s, so the database goes mid-run.
        JobRunTests.WriteRows(dir.File("in/a.csv"), 600, 701);
        var expectedA = Accepted(dir.File("in/a.csv"), dir.File("va.json"));
        File.WriteAllText(dir.File("jobs.yaml"), "jobs:\n"
            + $"  - name: shop\n    pixel_id: \"{pixel}\"\n    endpoint: {sandbox.BaseAddress}\n    token_env: {tokenEnv}\n    state_dir: state\n"
            + "    default_country: US\n    schedule: \"* * * * * *\"\n"
            + $"    delivery: {{batch_size: {BatchSize}, concurrency: 1, qps: 5, sample_gate: false}}\n"
            + $"    source: {{type: local, path: {dir.File("in")}, pattern: \"*.csv\"}}\n");
        var schema = "loss_" + Guid.NewGuid().ToString("N")[..8];
        using var node = CliChild.Start(["serve", dir.File("jobs.yaml"), "--urls", "http://127.0.0.1:0", "--log-format", "json",
                "--store", $"postgresql://snap@127.0.0.1:{pg.Server.Port}/postgres?schema={schema}", "--node-name", "lossy"],
            new Dictionary<string, string> { [tokenEnv] = sandbox.Pixels[0].Token, ["SNAPCONV_RETRY_BASE_MS"] = "1" });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        int Stored() => sandbox.GetEvents(pixel).Count;
        var expected = 0;

        try
        {
            // Bounded: 60 s for the node to listen and be mid-delivery.
            for (var i = 0; i < 1200 && !(Address(node).Length > 0 && Stored() > 0); i++)
            {
                Assert.False(node.Process.HasExited, "serve exited: " + node.Stderr);
                await Task.Delay(50);
            }
            Assert.True(Stored() > 0, "no event arrived in 60 s: " + node.Stderr);
            var address = Address(node);
            Assert.Equal(HttpStatusCode.OK, await HealthAsync(http, address));

            pg.Server.StopImmediately();
            var lostAt = clock.Elapsed;
            var storedWhenLost = Stored();
            output.WriteLine($"{lostAt}: PostgreSQL stopped with {storedWhenLost} of {expectedA} events stored");
            Assert.True(storedWhenLost < expectedA, "the first run ended before the database was stopped; nothing was in flight");

            // Bounded: /healthz answers 503 within 15 s (a probe every 2 s, each at most 10 s).
            HttpStatusCode? health = null;
            for (var i = 0; i < 150 && (health = await HealthAsync(http, address)) != HttpStatusCode.ServiceUnavailable; i++) await Task.Delay(100);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health);
            output.WriteLine($"{clock.Elapsed}: /healthz 503");

            // Files arriving while the database is down wait for it.
            JobRunTests.WriteRows(dir.File("in/b.csv"), 200, 702);
            expected = expectedA + Accepted(dir.File("in/b.csv"), dir.File("vb.json"));
            // Bounded: 20 s for the run in flight to end (its next ledger write fails); then 6 s down, as observed.
            for (var i = 0; i < 200 && Lines(node).Count(l => Step(l) == "fire") > Lines(node).Count(l => Step(l) == "fire_end"); i++) await Task.Delay(100);
            var storedDown = Stored();
            await Task.Delay(TimeSpan.FromSeconds(6));
            Assert.Equal(storedDown, Stored());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await HealthAsync(http, address));
            Assert.InRange(storedDown - storedWhenLost, 0, BatchSize); // at most the batch on the wire when it went

            Assert.True(await pg.Server.StartAgainAsync(), "PostgreSQL did not start again: " + string.Join(" | ", pg.Server.Log.TakeLast(5)));
            var backAt = clock.Elapsed;
            output.WriteLine($"{backAt}: PostgreSQL started again");
            // Bounded: 45 s for a probe to find it (the backoff is at most 16 s after ~10 s down) and /healthz to say ok.
            for (var i = 0; i < 450 && (health = await HealthAsync(http, address)) != HttpStatusCode.OK; i++) await Task.Delay(100);
            Assert.Equal(HttpStatusCode.OK, health);
            output.WriteLine($"{clock.Elapsed}: /healthz 200 again");

            // Bounded: 60 s for the rest of the events (a.csv's and b.csv's) to arrive.
            for (var i = 0; i < 600 && JobRunTests.StoredIds(sandbox).Distinct().Count() < expected; i++) await Task.Delay(100);
            // Bounded: 20 s for the run that delivered them to be recorded as finished.
            JsonElement runs = default;
            for (var i = 0; i < 200; i++)
            {
                runs = JsonDocument.Parse(await http.GetStringAsync(address + "/api/jobs/shop/runs?limit=500")).RootElement.Clone();
                if (runs.EnumerateArray().All(r => r.GetProperty("finished_at").ValueKind != JsonValueKind.Null)
                    && runs.EnumerateArray().Sum(r => r.GetProperty("acknowledged").GetInt64()) >= expected) break;
                await Task.Delay(100);
            }
            output.WriteLine($"{clock.Elapsed}: {Stored()} stored, {runs.GetArrayLength()} runs");

            // The log says what happened, once each way; no fire started between the loss and the rejoin.
            var lines = Lines(node);
            var lost = lines.FindIndex(l => Step(l) == "store" && Message(l).Contains("does not answer", StringComparison.Ordinal));
            var back = lines.FindIndex(l => Step(l) == "store" && Message(l).Contains("answers again", StringComparison.Ordinal));
            Assert.True(lost >= 0 && back > lost, "no loss and rejoin in the log: " + node.Stderr);
            Assert.Single(lines, l => Step(l) == "store" && Message(l).Contains("answers again", StringComparison.Ordinal));
            Assert.DoesNotContain(lines.Skip(lost).Take(back - lost), l => Step(l) == "fire");
            Assert.Contains(lines.Skip(back), l => Step(l) == "fire");

            // Every run is closed in the history, the one cut short too (its end written once the store was back). The runs
            // after it acknowledged the rest: never more than the total (nothing acknowledged twice), and at least what was
            // not stored before the cut (a run cut short by an error reports no counts of its own).
            Assert.All(runs.EnumerateArray(), r => Assert.NotEqual(JsonValueKind.Null, r.GetProperty("finished_at").ValueKind));
            var cut = runs.EnumerateArray().Where(r => r.GetProperty("outcome").GetString() is not ("completed" or "nothing_new")).ToList();
            foreach (var r in cut) output.WriteLine($"run cut short: {r.GetProperty("outcome").GetString()}, {r.GetProperty("message").GetString()}");
            Assert.Single(cut);
            Assert.InRange(runs.EnumerateArray().Sum(r => r.GetProperty("acknowledged").GetInt64()), expected - storedDown, expected);
        }
        finally
        {
            if (!node.Process.HasExited) node.Signal("TERM");
            await node.WaitForExitAsync(TimeSpan.FromSeconds(30));
            // What the node said about the store and its fires (the whole log is long): for a failure's reader.
            foreach (var l in node.Stderr.Split('\n').Where(l => !l.StartsWith('{') || Regex.IsMatch(l, "\"(WARN|ERROR)\"|\"step\":\"(fire|fire_end|store|finish)\"")).TakeLast(80))
                output.WriteLine(l);
        }

        // Stored exactly once by the sandbox: the batch in flight when the database went may come again, with the same ids.
        var ids = JobRunTests.StoredIds(sandbox);
        Assert.Equal(expected, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.InRange(sandbox.GetCounters(pixel).Duplicates, 0, BatchSize);
        // And acknowledged in the ledger, each key once (the ledger's keys are unique).
        await using var store = await PostgresStore.OpenAsync(new PostgresStoreOptions
        {
            ConnectionString = pg.Server.ConnectionString, Schema = schema, NodeName = "test",
        }, CancellationToken.None);
        using (var ledger = store.OpenDeliveryLedger(TimeProvider.System))
        {
            var keys = sandbox.GetEvents(pixel).Select(e =>
            {
                using var d = e.Parse();
                return EventKey.For(pixel, new CapiEvent
                {
                    EventName = d.RootElement.GetProperty("event_name").GetString()!, EventId = d.RootElement.GetProperty("event_id").GetString()!,
                });
            }).ToList();
            var acknowledged = new bool[keys.Count];
            ledger.FindAcknowledged(keys, acknowledged);
            Assert.All(acknowledged, Assert.True);
        }
        output.WriteLine($"{clock.Elapsed}: done; sandbox duplicates {sandbox.GetCounters(pixel).Duplicates}");
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), $"took {clock.Elapsed}");
    }
}
