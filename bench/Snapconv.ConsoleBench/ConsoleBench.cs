using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Snapconv.Cli.Serve;
using Snapconv.Jobs;
using Snapconv.State;
using Snapconv.State.Sqlite;

namespace Snapconv.ConsoleBench;

/// <summary>
/// <c>dotnet run -c Release --project bench/Snapconv.ConsoleBench -- [--jobs N] [--runs N] [--requests N] [--state-dir DIR]</c>: seeds a state store with N console jobs and
/// N runs (spread over 90 days, 8 log lines each) through <see cref="IStateStore"/>, starts <c>serve</c> on it (127.0.0.1:0)
/// and measures each API query the pages use (and each page that answers): the server time from the
/// <c>Server-Timing</c> header, median / p95 / max over the requests, after a warm-up. Target (#18): under 100 ms.
/// </summary>
public static class ConsoleBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var jobs = Arg(args, "--jobs", 200);
        var runs = Arg(args, "--runs", 20_000);
        var requests = Arg(args, "--requests", 50);
        var dir = args.SkipWhile(a => a != "--state-dir").Skip(1).FirstOrDefault()
            ?? Path.Combine(Path.GetTempPath(), "snapconv-console-bench-" + Guid.NewGuid().ToString("N"));
        var data = Path.Combine(dir, "in");
        Directory.CreateDirectory(data);
        var now = DateTimeOffset.UtcNow;

        var seed = Stopwatch.StartNew();
        await using (var store = await SqliteStateStore.OpenAsync(dir))
        {
            for (var j = 0; j < jobs; j++)
            {
                var keys = $$$"""{"name":"{{{Name(j)}}}","pixel_id":"px-{{{j}}}","token_env":"BENCH_TOKEN","endpoint":"http://127.0.0.1:9/","schedule":"{{{j % 60}}} 3 * * *","source":{"type":"local","path":{{{JsonSerializer.Serialize(data)}}},"pattern":"job-{{{j}}}-*.csv"}}""";
                await store.UpsertJobAsync(new ConsoleJobRecord { Name = Name(j), Definition = keys, CreatedAt = now.AddDays(-90), UpdatedAt = now.AddDays(-90) });
            }
            var random = new Random(42);
            for (var i = 0; i < runs; i++)
            {
                var job = Name(i % jobs);
                var started = now.AddDays(-90).AddSeconds(90.0 * 86400 * i / runs);
                var id = await store.StartRunAsync(new RunStart { Job = job, Node = "bench:1", StartedAt = started });
                await store.AppendLogAsync(id, Enumerable.Range(0, 8).Select(k => new RunLogEntry(started.AddSeconds(k), "INFO", "step" + k, $"line {k} of run {i}")).ToList());
                var accepted = random.Next(0, 5_000);
                var rejected = random.Next(0, 200);
                await store.FinishRunAsync(id, new RunFinish
                {
                    FinishedAt = started.AddSeconds(30), Outcome = i % 50 == 0 ? "failed" : "completed", ExitCode = i % 50 == 0 ? 1 : 0,
                    Counts = new RunCounts(accepted + rejected, accepted, rejected, 3, 1, accepted, accepted),
                    ReportPath = Path.Combine(dir, "runs", job, $"{i}-report.json"),
                });
            }
        }
        seed.Stop();
        System.Console.WriteLine($"seeded {jobs} jobs, {runs} runs ({runs * 8} log lines) in {seed.Elapsed.TotalSeconds:0.0} s: {Path.Combine(dir, "state.db")} ({new FileInfo(Path.Combine(dir, "state.db")).Length / 1_048_576.0:0.0} MiB)");

        var log = new RunLog(LogFormat.Text, TimeProvider.System, TextWriter.Null);
        var serve = await ServeHost.StartAsync([], new JobRunner(log, TimeProvider.System), log, new ServeOptions { Urls = "http://127.0.0.1:0", StateDir = dir, PurgeInterval = TimeSpan.FromDays(1) });
        try
        {
            // Stop the schedules' runs from mattering: none fires within the bench (03:xx daily).
            using var http = new HttpClient { BaseAddress = new Uri(serve.Addresses[0]) };
            var some = Name(jobs / 2);
            var lastRun = JsonDocument.Parse(await http.GetStringAsync($"/api/jobs/{some}/runs?limit=1")).RootElement[0].GetProperty("id").GetInt64();
            var midRun = JsonDocument.Parse(await http.GetStringAsync($"/api/jobs/{some}/runs?limit=60")).RootElement[59].GetProperty("id").GetInt64();
            string[] paths =
            [
                "/api/jobs", $"/api/jobs/{some}", $"/api/jobs/{some}/runs?limit=50", $"/api/jobs/{some}/runs?limit=50&before={midRun}",
                $"/api/jobs/{some}/daily", $"/api/runs/{lastRun}", $"/api/runs/{lastRun}/log", "/", $"/jobs/{some}", $"/runs/{lastRun}",
            ];
            System.Console.WriteLine($"{"GET",-48} {"status",6} {"median ms",10} {"p95 ms",8} {"max ms",8} {"bytes",8}");
            var worst = 0.0;
            foreach (var path in paths)
            {
                var times = new List<double>();
                var status = 0;
                long bytes = 0;
                for (var i = 0; i < requests + 5; i++)
                {
                    using var r = await http.GetAsync(path);
                    var body = await r.Content.ReadAsByteArrayAsync();
                    status = (int)r.StatusCode;
                    bytes = body.Length;
                    var timing = r.Headers.TryGetValues("Server-Timing", out var v) ? v.First() : "app;dur=NaN";
                    if (i >= 5) times.Add(double.Parse(timing[(timing.IndexOf("dur=", StringComparison.Ordinal) + 4)..], CultureInfo.InvariantCulture));
                }
                times.Sort();
                if (status == 404) { System.Console.WriteLine($"{path,-48} {status,6}  (no page yet)"); continue; }
                var p95 = times[(int)Math.Ceiling(times.Count * 0.95) - 1];
                worst = Math.Max(worst, p95);
                System.Console.WriteLine($"{path,-48} {status,6} {times[times.Count / 2],10:0.00} {p95,8:0.00} {times[^1],8:0.00} {bytes,8}");
            }
            System.Console.WriteLine($"worst p95: {worst:0.00} ms (target < 100 ms)");
            return worst < 100 ? 0 : 1;
        }
        finally
        {
            await serve.StopAsync(TimeSpan.FromSeconds(5));
            if (!args.Contains("--state-dir")) { try { Directory.Delete(dir, true); } catch (IOException) { } }
        }
    }

    private static string Name(int j) => $"job-{j:000}";

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
