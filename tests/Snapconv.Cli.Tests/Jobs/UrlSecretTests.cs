using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Snapconv.Jobs;
using Snapconv.Cli.Serve;
using Snapconv.Cli.Tests.Commands;
using Snapconv.Delivery.Resilience;
using Snapconv.Sources.Ledger;

namespace Snapconv.Cli.Tests.Jobs;

/// <summary>No secret in a URL is ever shown or stored: output, logs, /jobs, metrics, sources.db, report (#16).</summary>
public class UrlSecretTests
{
    private const string Password = "hunter2pw";
    private const string ApiKey = "k3yV4lue";
    private static readonly RetryOptions FastRetry = new() { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(20), MaxAttempts = 20 };

    private static void AssertClean(string text, string where)
    {
        Assert.False(text.Contains(Password, StringComparison.Ordinal), $"{where} shows the password: {text}");
        Assert.False(text.Contains(ApiKey, StringComparison.Ordinal), $"{where} shows the key: {text}");
    }

    /// <summary>A loopback server answering GET /export.csv with <paramref name="csv"/>.</summary>
    private static async Task<WebApplication> ExportServer(string csv)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/export.csv", () => Results.Text(csv, "text/csv"));
        await app.StartAsync();
        return app;
    }

    private static string JobYaml(string pixel, Uri endpoint, string tokenEnv, string source, string? schedule = null) =>
        $"jobs:\n  - name: web\n    pixel_id: \"{pixel}\"\n    endpoint: {endpoint}\n    token_env: {tokenEnv}\n    state_dir: state\n" +
        "    default_country: US\n" + (schedule is null ? "" : $"    schedule: \"{schedule}\"\n") + $"    source: {source}\n";

    [Fact]
    public async Task Run_HttpSourceWithPasswordAndKey_LogReportAndSourcesDb_HoldNeither()
    {
        using var dir = new TempDir();
        await using var sandbox = await JobRunTests.Sandbox();
        JobRunTests.WriteRows(dir.File("rows.csv"), 120, 41);
        await using var server = await ExportServer(File.ReadAllText(dir.File("rows.csv")));
        var port = new Uri(server.Urls.First()).Port;
        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(tokenEnv, sandbox.Pixels[0].Token);
        var url = $"http://reader:{Password}@127.0.0.1:{port}/export.csv?api_key={ApiKey}&day=1";
        File.WriteAllText(dir.File("jobs.yaml"), JobYaml(sandbox.Pixels[0].PixelId, sandbox.BaseAddress, tokenEnv, $"{{type: http, url: \"{url}\"}}"));
        var job = JobFileLoader.Load(dir.File("jobs.yaml")).Jobs[0];
        var log = new StringWriter();

        var r = await new JobRunner(new RunLog(LogFormat.Json, TimeProvider.System, log), TimeProvider.System) { Retry = FastRetry }.RunAsync(job, CancellationToken.None);
        Assert.Equal(JobOutcome.Completed, r.Outcome);
        Assert.True(r.Stats!.Acknowledged > 0);
        AssertClean(log.ToString(), "the log");
        Assert.Contains("http://***@127.0.0.1", log.ToString());
        AssertClean(File.ReadAllText(r.ReportPath!), "the report");
        using (var ledger = new SourceLedger(dir.File("state"), TimeProvider.System))
        {
            var key = Assert.Single(ledger.All("web")).Key;
            Assert.Equal($"http://***@127.0.0.1:{port}/export.csv?api_key=***&day=1#export.csv", key);
        }
        foreach (var f in Directory.GetFiles(dir.File("state"), "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("lock", StringComparison.Ordinal)))
            AssertClean(System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(f)), f);
    }

    [Fact]
    public async Task Serve_UnreachableHttpSourceWithSecrets_LogJobsAndMetrics_HoldNeither()
    {
        using var dir = new TempDir();
        await using var sandbox = await JobRunTests.Sandbox();
        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(tokenEnv, sandbox.Pixels[0].Token);
        // Port 9 (discard) on loopback: nothing listens, so every run fails and says where it tried.
        var urlEnv = "SNAPCONV_TEST_URL_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(urlEnv, $"http://reader:{Password}@127.0.0.1:9/export.csv?Token={ApiKey}");
        File.WriteAllText(dir.File("jobs.yaml"), JobYaml(sandbox.Pixels[0].PixelId, sandbox.BaseAddress, tokenEnv, $"{{type: http, url_env: {urlEnv}}}", "* * * * * *"));
        var file = JobFileLoader.Load(dir.File("jobs.yaml"));
        var log = new StringWriter();
        var runLog = new RunLog(LogFormat.Text, TimeProvider.System, log);
        var serve = await ServeHost.StartAsync(file, new JobRunner(runLog, TimeProvider.System) { Retry = FastRetry }, runLog, new ServeOptions { Urls = "http://127.0.0.1:0" });
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(serve.Addresses[0]) };
            string? message = null;
            // Bounded: 30 s for the first run to finish.
            for (var i = 0; i < 300 && message is null; i++)
            {
                using var doc = JsonDocument.Parse(await http.GetStringAsync("/jobs"));
                var last = doc.RootElement.GetProperty("jobs")[0].GetProperty("last_run");
                if (last.ValueKind != JsonValueKind.Null) message = last.GetProperty("message").GetString();
                else await Task.Delay(100);
            }
            Assert.NotNull(message);
            Assert.Contains("http://***@127.0.0.1:9/export.csv?Token=***", message);
            AssertClean(await http.GetStringAsync("/jobs"), "/jobs");
            AssertClean(await http.GetStringAsync("/metrics"), "/metrics");
        }
        finally
        {
            await serve.StopAsync();
        }
        AssertClean(log.ToString(), "the serve log");
        Assert.Contains("***", log.ToString());
    }

    [Fact]
    public async Task UploadAndDoctor_EndpointWithPassword_NeverPrintIt()
    {
        using var dir = new TempDir();
        await using var sandbox = await JobRunTests.Sandbox();
        JobRunTests.WriteRows(dir.File("a.csv"), 30, 42);
        var endpoint = new UriBuilder(sandbox.BaseAddress) { UserName = "u", Password = Password }.Uri.ToString();
        var env = new Dictionary<string, string> { ["SNAPCONV_TEST_LOCK_TOKEN"] = sandbox.Pixels[0].Token };
        string[] common = ["--pixel-id", sandbox.Pixels[0].PixelId, "--endpoint", endpoint, "--token-env", "SNAPCONV_TEST_LOCK_TOKEN"];

        using var upload = new CliProcess(["upload", dir.File("a.csv"), .. common, "--state-dir", dir.File("state"), "--default-country", "US", "--report", dir.File("r.json")], env);
        Assert.Equal(0, await upload.ExitAsync());
        AssertClean(upload.Output, "upload");
        Assert.Contains("***@", upload.Output);
        AssertClean(File.ReadAllText(dir.File("r.json")), "the report");

        using var doctor = new CliProcess(["doctor", .. common], env);
        Assert.Equal(0, await doctor.ExitAsync());
        AssertClean(doctor.Output, "doctor");
        Assert.Contains("***@", doctor.Output);

        using var bad = new CliProcess(["doctor", "--pixel-id", "p", "--endpoint", $"bad host://u:{Password}@x/?key={ApiKey}", "--token-env", "SNAPCONV_TEST_LOCK_TOKEN"], env);
        await bad.ExitAsync();
        AssertClean(bad.Output, "doctor's usage error");
    }
}
