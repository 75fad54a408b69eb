using System.Net;
using System.Text.Json;
using Snapconv.Console.Runtime;
using Snapconv.Jobs;

namespace Snapconv.Console.Tests.Api;

/// <summary>The console's JSON API against a real serve (in-process) and Snap's sandbox (#18).</summary>
public sealed class ConsoleApiTests
{
    private static readonly string[] JobFields = ["name", "pixel_id", "source", "schedule", "next_fire_at", "defined_in", "last_run"];
    private static readonly string[] RunFields =
        ["id", "job", "node", "started_at", "finished_at", "outcome", "exit_code", "rows", "accepted", "rejected", "duplicates", "filtered", "sent", "acknowledged"];

    [Fact]
    public async Task CreateJob_ValidKeys_201ThenListedWithTheContractFields()
    {
        await using var s = await ConsoleServer.StartAsync();

        using var created = await s.PostJsonAsync("api/jobs", s.JobKeysJson("pos-daily", "in", schedule: "0 3 * * *"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var jobs = await s.GetJsonAsync("api/jobs");
        var job = Assert.Single(jobs.EnumerateArray());
        foreach (var f in JobFields) Assert.True(job.TryGetProperty(f, out _), f);
        Assert.Equal("pos-daily", job.GetProperty("name").GetString());
        Assert.Equal(s.PixelId, job.GetProperty("pixel_id").GetString());
        Assert.Equal("local", job.GetProperty("source").GetProperty("type").GetString());
        Assert.Equal(Path.Combine(s.Dir.File("in"), "*.csv"), job.GetProperty("source").GetProperty("where").GetString());
        Assert.Equal("0 3 * * *", job.GetProperty("schedule").GetString());
        var next = job.GetProperty("next_fire_at").GetString()!;
        Assert.EndsWith("T03:00:00.0000000Z", next);
        Assert.Equal(JsonValueKind.Null, job.GetProperty("defined_in").ValueKind);
        Assert.Equal(JsonValueKind.Null, job.GetProperty("last_run").ValueKind);
    }

    [Fact]
    public async Task CreateJob_InvalidKeys_422WithTheJobFileLoadersWordsPerField()
    {
        await using var s = await ConsoleServer.StartAsync();
        const string keys = """{"name":"Bad Name","pixel_id":"px","schedule":"61 * * * *","colour":"red","source":{"type":"s3"}}""";
        // The same job in a job file: the loader's own messages are the expected ones.
        var fileErrors = Assert.Throws<JobFileException>(() => JobFileLoader.Parse("{\"jobs\":[" + keys + "]}", "f", s.Dir.Path)).Errors;

        using var r = await s.PostJsonAsync("api/jobs", keys);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        var errors = doc.RootElement.GetProperty("errors").EnumerateArray()
            .Select(e => $"jobs[0].{e.GetProperty("field").GetString()}: {e.GetProperty("message").GetString()}").ToList();
        Assert.Equal(fileErrors.Count, errors.Count);
        Assert.Equal(fileErrors.Order(StringComparer.Ordinal), errors.Order(StringComparer.Ordinal));
        Assert.Contains(doc.RootElement.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == "source.bucket");
        Assert.Empty((await s.GetJsonAsync("api/jobs")).EnumerateArray());
    }

    [Fact]
    public async Task RunNow_ConsoleJob_RecordedWithNodeCountsReportRejectsAndLog()
    {
        await using var s = await ConsoleServer.StartAsync();
        using (await s.PostJsonAsync("api/jobs", s.JobKeysJson("shop", "in"))) { }
        ConsoleServer.WriteRows(s.Dir.File("in/1.csv"), 300, 7);

        using var started = await s.Http.PostAsync("api/jobs/shop/run", null);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = JsonDocument.Parse(await started.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
        var run = await s.WaitForRunAsync(id);
        foreach (var f in RunFields) Assert.True(run.TryGetProperty(f, out _), f);
        Assert.Equal("shop", run.GetProperty("job").GetString());
        Assert.Equal($"{Environment.MachineName}:{Environment.ProcessId}", run.GetProperty("node").GetString());
        Assert.Equal("completed", run.GetProperty("outcome").GetString());
        Assert.Equal(0, run.GetProperty("exit_code").GetInt32());
        Assert.EndsWith("Z", run.GetProperty("started_at").GetString());
        // The counts are the report's (the report file is the run's own, served as written).
        var report = await s.GetJsonAsync($"api/runs/{id}/report");
        Assert.Equal(300, run.GetProperty("rows").GetInt64());
        foreach (var f in new[] { "rows", "accepted", "rejected", "duplicates" })
            Assert.Equal(report.GetProperty(f).GetInt64(), run.GetProperty(f).GetInt64());
        Assert.True(run.GetProperty("rejected").GetInt64() > 0);
        Assert.Equal(run.GetProperty("accepted").GetInt64(), run.GetProperty("acknowledged").GetInt64());
        Assert.Equal(run.GetProperty("accepted").GetInt64(), s.Sandbox.GetEvents(s.PixelId).Count);
        // The log lines of the run, in order.
        var log = await s.GetJsonAsync($"api/runs/{id}/log");
        Assert.Equal(["console", "start"], log.EnumerateArray().Take(2).Select(l => l.GetProperty("step").GetString()));
        Assert.Equal("run now", log[0].GetProperty("message").GetString());
        Assert.Equal(Enumerable.Range(1, log.GetArrayLength()).Select(i => (long)i), log.EnumerateArray().Select(l => l.GetProperty("seq").GetInt64()));
        Assert.Equal("finish", log[log.GetArrayLength() - 1].GetProperty("step").GetString());
        // The rejects download holds the rejected rows (the one answer with raw values).
        using var rejects = await s.Http.GetAsync($"api/runs/{id}/rejects.csv");
        Assert.Equal(HttpStatusCode.OK, rejects.StatusCode);
        Assert.Equal("text/csv", rejects.Content.Headers.ContentType!.MediaType);
        var csv = await rejects.Content.ReadAsStringAsync();
        Assert.Equal(run.GetProperty("rejected").GetInt64(), csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1);
        // The jobs list shows it as the last run, acknowledged in 7 days.
        var job = (await s.GetJsonAsync("api/jobs"))[0];
        Assert.Equal(id, job.GetProperty("last_run").GetProperty("id").GetInt64());
        Assert.Equal(run.GetProperty("acknowledged").GetInt64(), job.GetProperty("acknowledged_7d").GetInt64());
    }

    [Fact]
    public async Task RunNow_WhileRunning_409_ThenAcceptedOnceFinished()
    {
        await using var s = await ConsoleServer.StartAsync(sandboxLatencyMs: 1500);
        using (await s.PostJsonAsync("api/jobs", s.JobKeysJson("slow", "in"))) { }
        ConsoleServer.WriteRows(s.Dir.File("in/1.csv"), 50, 3);

        using var first = await s.Http.PostAsync("api/jobs/slow/run", null);
        using var second = await s.Http.PostAsync("api/jobs/slow/run", null);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.True((await s.GetJsonAsync("api/jobs/slow")).GetProperty("running").GetBoolean());
        var id = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
        await s.WaitForRunAsync(id);
        // The gate opens once the run is recorded as finished (bounded: 5 s).
        HttpStatusCode third = 0;
        for (var i = 0; i < 50 && third != HttpStatusCode.Accepted; i++)
        {
            using var r = await s.Http.PostAsync("api/jobs/slow/run", null);
            third = r.StatusCode;
            if (third != HttpStatusCode.Accepted) await Task.Delay(100);
        }
        Assert.Equal(HttpStatusCode.Accepted, third);
        using var missing = await s.Http.PostAsync("api/jobs/nope/run", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Runs_OfAJob_NewestFirstLimitedAndPaged()
    {
        await using var s = await ConsoleServer.StartAsync();
        using (await s.PostJsonAsync("api/jobs", s.JobKeysJson("j", "in"))) { }
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            using var r = await s.Http.PostAsync("api/jobs/j/run", null);
            var id = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
            await s.WaitForRunAsync(id);
            ids.Add(id);
            await Task.Delay(20); // the gate opens just after the run is recorded
            for (var k = 0; k < 50 && (await s.GetJsonAsync("api/jobs/j")).GetProperty("running").GetBoolean(); k++) await Task.Delay(50);
        }

        var all = await s.GetJsonAsync("api/jobs/j/runs");
        var page = await s.GetJsonAsync("api/jobs/j/runs?limit=2");
        var next = await s.GetJsonAsync($"api/jobs/j/runs?limit=2&before={page[1].GetProperty("id").GetInt64()}");

        Assert.Equal(ids.AsEnumerable().Reverse(), all.EnumerateArray().Select(r => r.GetProperty("id").GetInt64()));
        Assert.Equal(ids.AsEnumerable().Reverse().Take(2), page.EnumerateArray().Select(r => r.GetProperty("id").GetInt64()));
        Assert.Equal([ids[0]], next.EnumerateArray().Select(r => r.GetProperty("id").GetInt64()));
        Assert.All(all.EnumerateArray(), r => Assert.Equal("nothing_new", r.GetProperty("outcome").GetString()));
        using var bad = await s.Http.GetAsync("api/jobs/j/runs?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var noRun = await s.Http.GetAsync("api/runs/999999");
        Assert.Equal(HttpStatusCode.NotFound, noRun.StatusCode);
    }

    [Fact]
    public async Task Daily_ThirtyDaysOldestFirstWithTodaysCounts()
    {
        await using var s = await ConsoleServer.StartAsync();
        using (await s.PostJsonAsync("api/jobs", s.JobKeysJson("d", "in"))) { }
        ConsoleServer.WriteRows(s.Dir.File("in/1.csv"), 120, 5);
        using var r = await s.Http.PostAsync("api/jobs/d/run", null);
        var run = await s.WaitForRunAsync(JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64());

        var days = await s.GetJsonAsync("api/jobs/d/daily");

        Assert.Equal(30, days.GetArrayLength());
        var today = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(today, days[29].GetProperty("day").GetString());
        Assert.Equal(run.GetProperty("accepted").GetInt64(), days[29].GetProperty("accepted").GetInt64());
        Assert.Equal(run.GetProperty("rejected").GetInt64(), days[29].GetProperty("rejected").GetInt64());
        Assert.Equal(0, days[0].GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task EditDeleteExport_ConsoleJob_ExportRoundTripsThroughTheLoader()
    {
        await using var s = await ConsoleServer.StartAsync();
        var keys = s.JobKeysJson("edit-me", "in", schedule: "0 3 * * *", extra: ",\"timezone\":\"Europe/London\",\"history_days\":30,\"currency\":\"EUR\"");
        using (await s.PostJsonAsync("api/jobs", keys)) { }

        using var edited = await s.PostJsonAsync("api/jobs", keys.Replace("0 3 * * *", "*/15 * * * *", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        var job = await s.GetJsonAsync("api/jobs/edit-me");
        Assert.Equal("*/15 * * * *", job.GetProperty("schedule").GetString());
        Assert.Equal(30, job.GetProperty("history_days").GetInt32());

        using var export = await s.Http.GetAsync("api/jobs/edit-me/export.yaml");
        var yaml = await export.Content.ReadAsStringAsync();
        var fromYaml = JobFileLoader.Parse(yaml, "export.yaml", s.Dir.Path).Jobs.Single();
        var (fromKeys, errors) = JobKeys.Parse(JsonDocument.Parse(keys.Replace("0 3 * * *", "*/15 * * * *", StringComparison.Ordinal)).RootElement, s.StateDir, s.Dir.Path);
        Assert.Empty(errors);
        Assert.Equal((fromKeys!.Name, fromKeys.PixelId, fromKeys.TokenEnv, fromKeys.Endpoint, fromKeys.Schedule, fromKeys.TimeZone, fromKeys.HistoryDays, fromKeys.DefaultCountry, fromKeys.Source, fromKeys.Delivery),
            (fromYaml.Name, fromYaml.PixelId, fromYaml.TokenEnv, fromYaml.Endpoint, fromYaml.Schedule, fromYaml.TimeZone, fromYaml.HistoryDays, fromYaml.DefaultCountry, fromYaml.Source, fromYaml.Delivery));
        Assert.Equal(fromKeys.Mapping.Constants, fromYaml.Mapping.Constants);

        using var deleted = await s.Http.DeleteAsync("api/jobs/edit-me");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await s.Http.GetAsync("api/jobs/edit-me");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using var again = await s.Http.DeleteAsync("api/jobs/edit-me");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task FileJob_ShownReadOnlyDefinedInItsFile()
    {
        const string yaml = "jobs:\n  - name: from-file\n    pixel_id: \"{pixel}\"\n    endpoint: {endpoint}\n    token_env: {token_env}\n    state_dir: st\n    source: {type: local, path: in, pattern: \"*.csv\"}\n";
        await using var s = await ConsoleServer.StartAsync(yaml, prepare: d => Directory.CreateDirectory(d.File("in")));

        var job = await s.GetJsonAsync("api/jobs/from-file");

        Assert.Equal(s.Dir.File("jobs.yaml"), job.GetProperty("defined_in").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("schedule").ValueKind);
        Assert.Equal(s.TokenEnv, job.GetProperty("settings").GetProperty("token_env").GetString());
        using var del = await s.Http.DeleteAsync("api/jobs/from-file");
        Assert.Equal(HttpStatusCode.Conflict, del.StatusCode);
        using var export = await s.Http.GetAsync("api/jobs/from-file/export.yaml");
        Assert.Equal(HttpStatusCode.NotFound, export.StatusCode);
        using var shadow = await s.PostJsonAsync("api/jobs", s.JobKeysJson("from-file", "in"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, shadow.StatusCode);
        Assert.Contains("is defined in", await shadow.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ConnectionTest_RightAndWrongToken_DoctorsVerdictNeverTheToken()
    {
        await using var s = await ConsoleServer.StartAsync();
        var wrongEnv = s.TokenEnv + "_WRONG";
        Environment.SetEnvironmentVariable(wrongEnv, "not-the-token-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var ok = await s.PostJsonAsync("api/connection-test", $$"""{"endpoint":"{{s.Sandbox.BaseAddress}}","pixel_id":"{{s.PixelId}}","token_env":"{{s.TokenEnv}}"}""");
            using var bad = await s.PostJsonAsync("api/connection-test", $$"""{"endpoint":"{{s.Sandbox.BaseAddress}}","pixel_id":"{{s.PixelId}}","token_env":"{{wrongEnv}}"}""");
            using var unset = await s.PostJsonAsync("api/connection-test", $$"""{"endpoint":"{{s.Sandbox.BaseAddress}}","pixel_id":"{{s.PixelId}}","token_env":"SNAPCONV_SURELY_UNSET_{{Guid.NewGuid():N}}"}""");

            var okBody = await ok.Content.ReadAsStringAsync();
            var badBody = await bad.Content.ReadAsStringAsync();
            var okJson = JsonDocument.Parse(okBody).RootElement;
            var badJson = JsonDocument.Parse(badBody).RootElement;
            Assert.True(okJson.GetProperty("ok").GetBoolean(), okBody);
            Assert.False(badJson.GetProperty("ok").GetBoolean());
            Assert.Contains(badJson.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "token" && !c.GetProperty("ok").GetBoolean());
            var unsetJson = JsonDocument.Parse(await unset.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("token_env", unsetJson.GetProperty("errors")[0].GetProperty("field").GetString());
            Assert.DoesNotContain(s.Sandbox.Pixels[0].Token, okBody);
            Assert.DoesNotContain(Environment.GetEnvironmentVariable(wrongEnv)!, badBody);
        }
        finally { Environment.SetEnvironmentVariable(wrongEnv, null); }
    }

    [Fact]
    public async Task Preview_FirstTwentyRowsAsEventsAndRejects_NothingSentOrRecorded_NoRawPii()
    {
        await using var s = await ConsoleServer.StartAsync();
        Directory.CreateDirectory(s.Dir.File("in"));
        ConsoleServer.WriteRows(s.Dir.File("in/1.csv"), 400, 9);
        var rawEmails = File.ReadLines(s.Dir.File("in/1.csv")).Skip(1).Take(40).Select(l => l.Split(',')[2]).Where(e => e.Contains('@')).ToList();

        using var r = await s.PostJsonAsync("api/preview", s.JobKeysJson("prev", "in"));

        var body = await r.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var p = JsonDocument.Parse(body).RootElement;
        Assert.Equal(20, p.GetProperty("rows").GetInt32());
        var events = p.GetProperty("events").GetArrayLength();
        var rejects = p.GetProperty("rejects");
        Assert.True(events + rejects.GetArrayLength() <= 20 && events > 10, body);
        Assert.All(p.GetProperty("events").EnumerateArray(), e => Assert.Matches("^[0-9a-f]{64}$", e.GetProperty("user_data").GetProperty("em")[0].GetString()!));
        Assert.All(rejects.EnumerateArray(), x => Assert.False(string.IsNullOrEmpty(x.GetProperty("fix").GetString())));
        Assert.NotEmpty(rawEmails);
        foreach (var email in rawEmails) Assert.DoesNotContain(email, body, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(s.Sandbox.GetEvents(s.PixelId));
        Assert.Empty((await s.GetJsonAsync("api/jobs/prev/runs")).EnumerateArray());
        Assert.False(Directory.Exists(Path.Combine(s.StateDir, "runs", "prev")));
    }

    [Fact]
    public async Task Preview_BadKeys_422WithFieldErrors()
    {
        await using var s = await ConsoleServer.StartAsync();

        using var r = await s.PostJsonAsync("api/preview", """{"name":"x","source":{"type":"local"}}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        var errors = JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.Contains(errors.EnumerateArray(), e => e.GetProperty("field").GetString() == "pixel_id");
    }
}
