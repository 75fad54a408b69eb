using Snapconv.Jobs;
using Snapconv.Delivery.Resilience;

namespace Snapconv.Cli.Tests.Jobs;

/// <summary>A job reading a plain sales export (#15): without <c>event_name</c> it says which key to set; with it, every row is a PURCHASE.</summary>
public class JobEventNameRunTests
{
    private static readonly RetryOptions FastRetry = new() { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(20), MaxAttempts = 20 };

    [Fact]
    public async Task Run_PlainSalesExport_WithoutEventNameSaysSo_WithItDeliversPurchases()
    {
        using var dir = new TempDir();
        await using var sandbox = await JobRunTests.Sandbox();
        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(tokenEnv, sandbox.Pixels[0].Token);
        Directory.CreateDirectory(dir.File("in"));
        var day = DateTimeOffset.UtcNow.AddDays(-2).ToString("yyyy-MM-dd HH:mm:ss");
        File.WriteAllLines(dir.File("in/sales.csv"),
            ["Order ID,Paid at,Billing Email,Order Total,Currency", .. Enumerable.Range(0, 12).Select(i => $"T-{i},{day},buyer{i}@example.com,{20 + i}.00,EUR")]);
        string Yaml(string extra) =>
            $"jobs:\n  - name: till\n    pixel_id: \"{sandbox.Pixels[0].PixelId}\"\n    endpoint: {sandbox.BaseAddress}\n    token_env: {tokenEnv}\n" +
            $"    state_dir: state\n{extra}    source: {{type: local, path: in, pattern: \"*.csv\"}}\n";

        File.WriteAllText(dir.File("jobs.yaml"), Yaml(""));
        var log = new StringWriter();
        var first = await new JobRunner(new RunLog(LogFormat.Text, TimeProvider.System, log), TimeProvider.System) { Retry = FastRetry }
            .RunAsync(JobFileLoader.Load(dir.File("jobs.yaml")).Jobs[0], CancellationToken.None);
        Assert.NotEqual(0, first.ExitCode);
        Assert.Contains("all 12 rows were rejected as MISSING_EVENT_NAME", log.ToString());
        Assert.Contains("set event_name: PURCHASE in the job", log.ToString());
        Assert.Empty(sandbox.GetEvents(sandbox.Pixels[0].PixelId));

        File.WriteAllText(dir.File("jobs.yaml"), Yaml("    event_name: PURCHASE\n"));
        var second = await new JobRunner(new RunLog(LogFormat.Text, TimeProvider.System, new StringWriter()), TimeProvider.System) { Retry = FastRetry }
            .RunAsync(JobFileLoader.Load(dir.File("jobs.yaml")).Jobs[0], CancellationToken.None);
        Assert.Equal(0, second.ExitCode);
        var events = sandbox.GetEvents(sandbox.Pixels[0].PixelId).Select(e =>
        {
            using var d = e.Parse();
            return d.RootElement.GetProperty("event_name").GetString();
        }).ToList();
        Assert.Equal(12, events.Count);
        Assert.All(events, n => Assert.Equal("PURCHASE", n));
    }
}
