using System.Text.Json;
using Snapconv.Cli.Serve;
using Snapconv.State;
using Snapconv.State.Sqlite;

namespace Snapconv.Console.Tests.Api;

/// <summary>serve keeps the run history of scheduled runs too, and closes what a killed serve left open (#18).</summary>
public sealed class ServeHistoryTests
{
    [Fact]
    public async Task ScheduledRuns_OfFileAndConsoleJobs_RecordedWithTriggerSchedule()
    {
        const string yaml = "jobs:\n  - name: file-job\n    pixel_id: \"{pixel}\"\n    endpoint: {endpoint}\n    token_env: {token_env}\n    state_dir: st\n" +
            "    schedule: \"* * * * * *\"\n    delivery: {sample_gate: false}\n    source: {type: local, path: a, pattern: \"*.csv\"}\n";
        await using var s = await ConsoleServer.StartAsync(yaml, prepare: d =>
        {
            Directory.CreateDirectory(d.File("a"));
            ConsoleServer.WriteRows(d.File("a/1.csv"), 80, 21);
        });
        using (await s.PostJsonAsync("api/jobs", s.JobKeysJson("console-job", "b", schedule: "* * * * * *"))) { }

        // Bounded: 30 s for a finished scheduled run of each job.
        JsonElement fileRuns = default, consoleRuns = default;
        for (var i = 0; i < 300; i++)
        {
            fileRuns = await s.GetJsonAsync("api/jobs/file-job/runs");
            consoleRuns = await s.GetJsonAsync("api/jobs/console-job/runs");
            if (Finished(fileRuns) && Finished(consoleRuns)) break;
            await Task.Delay(100);
        }

        Assert.True(Finished(fileRuns) && Finished(consoleRuns));
        Assert.All(fileRuns.EnumerateArray().Concat(consoleRuns.EnumerateArray()), r => Assert.Equal("schedule", r.GetProperty("trigger").GetString()));
        var delivered = fileRuns.EnumerateArray().Where(r => r.GetProperty("outcome").GetString() == "completed").ToList();
        Assert.NotEmpty(delivered);
        Assert.Equal(s.Sandbox.GetEvents(s.PixelId).Count, delivered.Sum(r => r.GetProperty("acknowledged").GetInt64()));
        Assert.Equal("nothing_new", consoleRuns.EnumerateArray().First(r => r.GetProperty("finished_at").ValueKind != JsonValueKind.Null).GetProperty("outcome").GetString());
    }

    private static bool Finished(JsonElement runs) => runs.EnumerateArray().Any(r => r.GetProperty("finished_at").ValueKind != JsonValueKind.Null);

    [Fact]
    public async Task Start_RunLeftOpenByThisNode_ClosedAsInterrupted_OtherNodesKept()
    {
        long mine = 0, other = 0;
        await using var s = await ConsoleServer.StartAsync(prepare: d =>
        {
            var store = SqliteStateStore.OpenAsync(d.File("state")).GetAwaiter().GetResult();
            mine = store.StartRunAsync(new RunStart { Job = "j", Node = ServeOptions.DefaultNodeName(), StartedAt = DateTimeOffset.UtcNow.AddMinutes(-5) }).GetAwaiter().GetResult();
            other = store.StartRunAsync(new RunStart { Job = "j", Node = "other-host:1", StartedAt = DateTimeOffset.UtcNow.AddMinutes(-5) }).GetAwaiter().GetResult();
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        });

        var closed = await s.GetJsonAsync($"api/runs/{mine}");
        var open = await s.GetJsonAsync($"api/runs/{other}");

        Assert.Equal("interrupted", closed.GetProperty("outcome").GetString());
        Assert.NotEqual(JsonValueKind.Null, closed.GetProperty("finished_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, open.GetProperty("finished_at").ValueKind);
    }

    [Fact]
    public async Task ConsoleJobs_SurviveARestartOfServe()
    {
        string keys;
        string stateDir;
        await using (var first = await ConsoleServer.StartAsync())
        {
            keys = first.JobKeysJson("kept", "in", schedule: "0 3 * * *");
            using (await first.PostJsonAsync("api/jobs", keys)) { }
            stateDir = first.StateDir;
            // A second serve on the same state folder (as after a restart) sees the job.
            var log = new Snapconv.Jobs.RunLog(Snapconv.Jobs.LogFormat.Json, TimeProvider.System, TextWriter.Null);
            var again = await ServeHost.StartAsync([], new Snapconv.Jobs.JobRunner(log, TimeProvider.System), log, new ServeOptions { Urls = "http://127.0.0.1:0", StateDir = stateDir });
            try
            {
                using var http = new HttpClient { BaseAddress = new Uri(again.Addresses[0]) };
                var jobs = JsonDocument.Parse(await http.GetStringAsync("/api/jobs")).RootElement;
                Assert.Equal("kept", Assert.Single(jobs.EnumerateArray()).GetProperty("name").GetString());
                Assert.Equal("0 3 * * *", jobs[0].GetProperty("schedule").GetString());
            }
            finally { await again.StopAsync(TimeSpan.FromSeconds(10)); }
        }
    }
}
