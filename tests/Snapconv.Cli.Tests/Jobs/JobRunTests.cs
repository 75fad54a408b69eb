using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Snapconv.Jobs;
using Snapconv.Cli.Serve;
using Snapconv.Cli.Tests.Serve;
using Snapconv.Core.Samples;
using Snapconv.Delivery.Resilience;
using Snapconv.Sandbox;

namespace Snapconv.Cli.Tests.Jobs;

public class JobRunTests
{
    private static readonly RetryOptions FastRetry = new() { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(20), MaxAttempts = 20 };

    internal static Task<RunningSandbox> Sandbox() => SandboxApp.StartAsync(new SandboxOptions { Urls = "http://127.0.0.1:0", LogRequests = false }, TimeProvider.System);

    /// <summary>Synthetic rows whose order ids are unique to the seed (ORD-{seed}-…).</summary>
    internal static void WriteRows(string path, long rows, int seed)
    {
        var w = new StringWriter();
        SyntheticConversions.Write(w, new SyntheticOptions { Rows = rows, Seed = seed, InvalidRate = 0.05, Now = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero) });
        File.WriteAllText(path, w.ToString().Replace("ORD-", $"ORD-{seed}-", StringComparison.Ordinal));
    }

    internal static string JobYaml(RunningSandbox sb, string tokenEnv, params (string Name, string Folder, string? Schedule)[] jobs) =>
        "defaults:\n" +
        $"  endpoint: {sb.BaseAddress}\n  token_env: {tokenEnv}\n  state_dir: state\n  default_country: US\n" +
        "jobs:\n" + string.Concat(jobs.Select(j =>
            $"  - name: {j.Name}\n    pixel_id: \"{sb.Pixels[0].PixelId}\"\n" +
            (j.Schedule is null ? "" : $"    schedule: \"{j.Schedule}\"\n") +
            $"    source: {{type: local, path: {j.Folder}, pattern: \"*.csv\"}}\n"));

    internal static List<string> StoredIds(RunningSandbox s) =>
        s.GetEvents(s.Pixels[0].PixelId).Select(e =>
        {
            using var d = e.Parse();
            return d.RootElement.GetProperty("event_id").GetString()!;
        }).ToList();

    [Fact]
    public async Task Run_LocalFolder_DeliversOnce_SkipsDelivered_ReportsChangedObject()
    {
        using var dir = new TempDir();
        await using var sandbox = await Sandbox();
        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(tokenEnv, sandbox.Pixels[0].Token);
        Directory.CreateDirectory(dir.File("in"));
        WriteRows(dir.File("in/a.csv"), 300, 1);
        WriteRows(dir.File("in/b.csv"), 200, 2);
        File.WriteAllText(dir.File("jobs.yaml"), JobYaml(sandbox, tokenEnv, ("shop", "in", null)));
        var job = JobFileLoader.Load(dir.File("jobs.yaml")).Jobs[0];
        var log = new StringWriter();
        var runner = new JobRunner(new RunLog(LogFormat.Json, TimeProvider.System, log), TimeProvider.System) { Retry = FastRetry };

        var first = await runner.RunAsync(job, CancellationToken.None);
        Assert.Equal(JobOutcome.Completed, first.Outcome);
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(2, first.ObjectsRead);
        Assert.True(first.Report!.Rejected > 0);
        Assert.Equal(first.Report.Accepted, StoredIds(sandbox).Count);
        Assert.True(File.Exists(first.ReportPath));
        Assert.Contains("\"source_objects_read\": 2", File.ReadAllText(first.ReportPath!));
        Assert.True(File.Exists(first.RejectsPath));
        Assert.Empty(Directory.GetFiles(dir.File("state/staging/shop"))); // local files are read in place

        var second = await runner.RunAsync(job, CancellationToken.None);
        Assert.Equal(JobOutcome.NothingNew, second.Outcome);
        Assert.Equal(2, second.ObjectsSkipped);

        // a.csv grows: reported, re-read, and only its new rows reach Snap.
        var before = StoredIds(sandbox).Count;
        WriteRows(dir.File("tmp.csv"), 350, 1); // same seed: the first 300 rows' ids repeat
        File.Copy(dir.File("tmp.csv"), dir.File("in/a.csv"), overwrite: true);
        var third = await runner.RunAsync(job, CancellationToken.None);
        Assert.Equal(JobOutcome.Completed, third.Outcome);
        Assert.Contains(third.Warnings, w => w.Contains("'a.csv' changed", StringComparison.Ordinal));
        Assert.Equal(1, third.Report!.WarningsByReason["SOURCE_OBJECT_CHANGED"]);
        var ids = StoredIds(sandbox);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.True(ids.Count > before);
        Assert.Equal(0, sandbox.GetCounters(sandbox.Pixels[0].PixelId).Duplicates);

        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => JsonDocument.Parse(l).Dispose());
        Assert.DoesNotContain(sandbox.Pixels[0].Token, log.ToString());
        Assert.Contains(lines, l => l.Contains("\"step\":\"finish\"") && l.Contains("\"outcome\":\"completed\""));
    }

    [Fact]
    public async Task Run_MissingToken_IsInvalidInput_SourceFolderMissing_IsReported()
    {
        using var dir = new TempDir();
        await using var sandbox = await Sandbox();
        File.WriteAllText(dir.File("jobs.yaml"), JobYaml(sandbox, "SNAPCONV_TEST_UNSET_" + Guid.NewGuid().ToString("N")[..6], ("a", "nowhere", null)));
        var job = JobFileLoader.Load(dir.File("jobs.yaml")).Jobs[0];
        var runner = new JobRunner(new RunLog(LogFormat.Text, TimeProvider.System, new StringWriter()), TimeProvider.System);
        var r = await runner.RunAsync(job, CancellationToken.None);
        Assert.Equal((JobOutcome.InvalidInput, 2), (r.Outcome, r.ExitCode));
        Assert.Contains("no access token", r.Message);

        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(tokenEnv, sandbox.Pixels[0].Token);
        File.WriteAllText(dir.File("jobs.yaml"), JobYaml(sandbox, tokenEnv, ("a", "nowhere", null)));
        var r2 = await runner.RunAsync(JobFileLoader.Load(dir.File("jobs.yaml")).Jobs[0], CancellationToken.None);
        Assert.Equal(JobOutcome.SourceUnavailable, r2.Outcome);
        Assert.Contains("does not exist", r2.Message);
    }

    [Fact]
    public async Task RunCommand_ExitCodes_UnknownJob2_BadFile2_Ok0()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("bad.yaml"), "jobs:\n  - name: x\n");
        Assert.Equal(2, await CliApp.RunAsync(["run", dir.File("bad.yaml")]));
        await using var sandbox = await Sandbox();
        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(tokenEnv, sandbox.Pixels[0].Token);
        Directory.CreateDirectory(dir.File("in"));
        WriteRows(dir.File("in/a.csv"), 50, 3);
        File.WriteAllText(dir.File("jobs.yaml"), JobYaml(sandbox, tokenEnv, ("one", "in", null), ("two", "in", null)));
        Assert.Equal(2, await CliApp.RunAsync(["run", dir.File("jobs.yaml"), "--job", "three"]));
        Assert.Equal(0, await CliApp.RunAsync(["run", dir.File("jobs.yaml"), "--job", "one", "--log-format", "json"]));
        Assert.Equal([0, 4, 2, 1], new[] { 0, 4, 2, 1 }.Select(c => Snapconv.Cli.Commands.RunCommand.Worst(0, c)));
        Assert.Equal(1, Snapconv.Cli.Commands.RunCommand.Worst(4, 1));
    }
}

public class ServeTests
{
    [Fact]
    public async Task Serve_TwoJobsEverySecond_DeliversEveryEventExactlyOnce_AndStopsCleanly()
    {
        using var dir = new TempDir();
        await using var sandbox = await JobRunTests.Sandbox();
        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(tokenEnv, sandbox.Pixels[0].Token);
        Directory.CreateDirectory(dir.File("a"));
        Directory.CreateDirectory(dir.File("b"));
        JobRunTests.WriteRows(dir.File("a/1.csv"), 200, 11);
        JobRunTests.WriteRows(dir.File("b/1.csv"), 150, 12);
        // Small files with 5% invalid rows can pass 10% rejected and trip the first-sample gate: off here.
        File.WriteAllText(dir.File("jobs.yaml"), JobRunTests.JobYaml(sandbox, tokenEnv, ("job-a", "a", "* * * * * *"), ("job-b", "b", "*/2 * * * * *"))
            .Replace("defaults:\n", "defaults:\n  delivery: {sample_gate: false}\n", StringComparison.Ordinal));
        var file = JobFileLoader.Load(dir.File("jobs.yaml"));
        var log = new RunLog(LogFormat.Json, TimeProvider.System, new StringWriter());
        var runner = new JobRunner(log, TimeProvider.System) { Retry = new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(20) } };
        var serve = await ServeHost.StartAsync(file, runner, log, new ServeOptions { Urls = "http://127.0.0.1:0" });
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(serve.Addresses[0]) };
            Assert.Equal("ok\n", await http.GetStringAsync("/healthz"));
            await Task.Delay(1500);
            // New files arrive while the service runs.
            JobRunTests.WriteRows(dir.File("a/2.csv.tmp"), 120, 13);
            File.Move(dir.File("a/2.csv.tmp"), dir.File("a/2.csv"));
            JobRunTests.WriteRows(dir.File("b/2.csv.tmp"), 80, 14);
            File.Move(dir.File("b/2.csv.tmp"), dir.File("b/2.csv"));

            // Bounded wait: 30 s.
            for (var i = 0; i < 300; i++)
            {
                using var doc = JsonDocument.Parse(await http.GetStringAsync("/jobs"));
                var ok = doc.RootElement.GetProperty("jobs").EnumerateArray().All(j => j.GetProperty("last_run").ValueKind != JsonValueKind.Null);
                if (ok && Directory.GetFiles(dir.File("state/runs/job-a"), "*-report.json").Length >= 2
                       && Directory.GetFiles(dir.File("state/runs/job-b"), "*-report.json").Length >= 2) break;
                await Task.Delay(100);
            }
            var metrics = await http.GetStringAsync("/metrics");
            // The exporter adds an otel_scope_name label: read the series by name and job (#17).
            Assert.True(long.Parse(PrometheusText.Value(metrics, "snapconv_events_accepted_total", "job-a")!, CultureInfo.InvariantCulture) > 0, metrics);
            Assert.NotNull(PrometheusText.Value(metrics, "snapconv_job_lag_seconds", "job-b"));
            Assert.True(long.Parse(PrometheusText.Value(metrics, "snapconv_rows_read_total", "job-a")!, CultureInfo.InvariantCulture) > 0, metrics);
        }
        finally
        {
            await serve.StopAsync(TimeSpan.FromSeconds(20));
        }
        Assert.True(serve.Completion.IsCompleted);

        // Exactly once: a run stopped by the shutdown leaves its objects unsettled (and its report may lack the delivery
        // counters), so one more run of each job settles them; then every accepted row of the four files is at Snap, once.
        foreach (var job in file.Jobs)
        {
            var settle = await runner.RunAsync(job, CancellationToken.None);
            Assert.True(settle.ExitCode == 0, $"{job.Name}: {settle.Outcome} {settle.Message} rows {settle.Report?.Rows} rejected {settle.Report?.Rejected} dup {settle.Report?.Duplicates} skipped {settle.Stats?.SkippedAlreadyAcknowledged}");
        }
        Assert.Equal(0, await CliApp.RunAsync(["validate", dir.File("a/1.csv"), dir.File("a/2.csv"), dir.File("b/1.csv"), dir.File("b/2.csv"),
            "--default-country", "US", "--report", dir.File("v.json")]));
        using var validated = JsonDocument.Parse(File.ReadAllText(dir.File("v.json")));
        var accepted = validated.RootElement.GetProperty("accepted").GetInt64();
        var ids = JobRunTests.StoredIds(sandbox);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(accepted, ids.Count);
        Assert.True(ids.Count > 350, $"stored {ids.Count}, reports: {string.Join(" ", Directory.GetFiles(dir.File("state/runs"), "*-report.json", SearchOption.AllDirectories).Select(Path.GetFileName))}");
        Assert.Equal(0, sandbox.GetCounters(sandbox.Pixels[0].PixelId).Duplicates);
    }
}
