using Snapconv.Sandbox;

namespace Snapconv.Delivery.Tests.Upload;

/// <summary>A real <c>snapconv upload</c> process killed mid-upload (SIGKILL) and started again.</summary>
public class KillResumeTests
{
    [Fact]
    public async Task Upload_KilledMidRunAndRestarted_EveryValidEventStoredOnce()
    {
        await using var sandbox = await DeliveryHarness.StartSandboxAsync(new SandboxOptions { LatencyMs = 60 });
        var dir = DeliveryHarness.TempDir();
        var file = DeliveryHarness.WriteSample(dir, 3_000);
        var stateDir = Path.Combine(dir, "state");
        var pixel = sandbox.Pixels[0].PixelId;

        using (var cli = CliProcess.StartUpload(file, sandbox, stateDir, Path.Combine(dir, "r1.json")))
        {
            var first = cli.Process;
            // Wait (bounded) until some batches were acknowledged, then SIGKILL.
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (sandbox.GetCounters(pixel).Stored < 600 && !first.HasExited && DateTime.UtcNow < deadline)
                await Task.Delay(20);
            Assert.False(first.HasExited, "the first run must still be uploading when killed");
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }
        var storedAtKill = sandbox.GetCounters(pixel).Stored;

        using (var second = CliProcess.StartUpload(file, sandbox, stateDir, Path.Combine(dir, "r2.json")))
        {
            await second.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.Equal(0, second.Process.ExitCode);
        }

        var expected = await DeliveryHarness.AcceptedIdsAsync(file, DeliveryHarness.Conversion(pixel), dir);
        var stored = DeliveryHarness.StoredIds(sandbox);
        Assert.True(storedAtKill < expected.Count);
        Assert.Equal(expected.Count, stored.Count);
        Assert.Equal(expected.Order(), stored.Order());
        // Only batches in flight at the kill are resent: at most concurrency + queue (2 + 2) batches of 50.
        var counters = sandbox.GetCounters(pixel);
        Assert.True(counters.Duplicates <= 4 * 50, $"duplicates {counters.Duplicates}");
        using var report = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "r2.json")));
        Assert.True(report.RootElement.GetProperty("skipped_already_acknowledged").GetInt64() >= storedAtKill - 4 * 50);
    }
}
