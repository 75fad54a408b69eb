using System.Diagnostics;
using Snapconv.Delivery.Upload;
using Snapconv.Sandbox;

namespace Snapconv.Delivery.Tests.Upload;

/// <summary>A real <c>snapconv upload</c> process stopped with SIGINT (Ctrl+C) mid-upload and started again.</summary>
public class InterruptTests
{
    [Theory]
    [InlineData(600, 0.0)]   // mid-upload, every request answered
    [InlineData(300, 0.3)]   // mid-upload while requests fail and are retried
    public async Task Upload_SigintMidRun_ExitsStoppedPromptly_AndRerunStoresEveryValidIdOnce(int storedBeforeSignal, double failRate)
    {
        await using var sandbox = await DeliveryHarness.StartSandboxAsync(new SandboxOptions { LatencyMs = 60, FailRate = failRate, Seed = 7 });
        var dir = DeliveryHarness.TempDir();
        var file = DeliveryHarness.WriteSample(dir, 3_000);
        var stateDir = Path.Combine(dir, "state");
        var pixel = sandbox.Pixels[0].PixelId;

        using (var first = CliProcess.StartUpload(file, sandbox, stateDir, Path.Combine(dir, "r1.json")))
        {
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (sandbox.GetCounters(pixel).Stored < storedBeforeSignal && !first.Process.HasExited && DateTime.UtcNow < deadline)
                await Task.Delay(20);
            Assert.False(first.Process.HasExited, "the first run must still be uploading when interrupted");
            CliProcess.Signal(first.Process.Id, "INT");
            var stopped = Stopwatch.StartNew();
            await Task.WhenAny(first.Process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(20)));
            if (!first.Process.HasExited) first.Process.Kill(entireProcessTree: true);
            Assert.True(first.Process.HasExited && stopped.Elapsed < TimeSpan.FromSeconds(20), "exits within 20 s of SIGINT");
            await first.Process.WaitForExitAsync();
            // #16: stopped with events left pending is the retriable exit code.
            Assert.True(first.Process.ExitCode == 4, $"exit {first.Process.ExitCode} (4 = pending, run again); stderr: {first.Stderr}");
            Assert.Contains("upload stopped: unanswered batches stay pending", first.Stderr.ToString(), StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(dir, "r1.json")), "the stopped run still writes its report");
        }
        var storedAtStop = sandbox.GetCounters(pixel).Stored;

        using (var second = CliProcess.StartUpload(file, sandbox, stateDir, Path.Combine(dir, "r2.json")))
        {
            await second.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            Assert.True(second.Process.ExitCode == 0, $"exit {second.Process.ExitCode}; stderr: {second.Stderr}");
        }

        var expected = await DeliveryHarness.AcceptedIdsAsync(file, DeliveryHarness.Conversion(pixel), dir);
        var stored = DeliveryHarness.StoredIds(sandbox);
        Assert.True(storedAtStop < expected.Count);
        Assert.Equal(expected.Count, stored.Count);
        Assert.Equal(expected.Order(), stored.Order());
        using var report = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "r2.json")));
        // Acknowledged before the stop means skipped now: at most the batches in flight (2 workers + 2 queued) are resent.
        Assert.True(report.RootElement.GetProperty("skipped_already_acknowledged").GetInt64() >= storedAtStop - 4 * 50);
    }
}

/// <summary>Starts the built CLI (<c>snapconv.dll</c> next to the tests) and captures its stderr.</summary>
internal sealed class CliProcess : IDisposable
{
    private CliProcess(Process p) => Process = p;

    public Process Process { get; }
    public System.Text.StringBuilder Stderr { get; } = new();

    public static CliProcess StartUpload(string file, RunningSandbox s, string stateDir, string reportPath)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "snapconv.dll");
        Assert.True(File.Exists(dll), "snapconv.dll next to the test assembly (the test project references the CLI)");
        // Through `env --default-signal=INT`: a test run started in the background (`./test.sh &`, or under a build
        // node) inherits SIGINT as ignored, and a process that starts with SIGINT ignored rightly keeps ignoring it, so
        // the child would never see the Ctrl+C this test sends. A terminal's foreground process has the default action.
        var psi = new ProcessStartInfo("env")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--default-signal=INT", "dotnet", dll, "upload", file, "--pixel-id", s.Pixels[0].PixelId, "--endpoint", s.BaseAddress.AbsoluteUri,
                     "--state-dir", stateDir, "--batch-size", "50", "--concurrency", "2", "--default-country", "US", "--report", reportPath })
            psi.ArgumentList.Add(a);
        psi.Environment["SNAPCONV_ACCESS_TOKEN"] = s.Pixels[0].Token;
        psi.Environment["SNAPCONV_RETRY_BASE_MS"] = "5";
        var c = new CliProcess(Process.Start(psi)!);
        c.Process.OutputDataReceived += (_, _) => { };
        c.Process.ErrorDataReceived += (_, e) => { if (e.Data is { } d) lock (c.Stderr) c.Stderr.AppendLine(d); };
        c.Process.BeginOutputReadLine();
        c.Process.BeginErrorReadLine();
        return c;
    }

    /// <summary>Sends a POSIX signal (<c>kill -INT pid</c>).</summary>
    public static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        Assert.True(kill.WaitForExit(10_000) && kill.ExitCode == 0, "kill -" + signal);
    }

    public void Dispose()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.Dispose();
    }
}

/// <summary>Stopping after the input was read, while the last requests are in flight.</summary>
public class StopAfterReadTests
{
    [Fact]
    public async Task Upload_CanceledWhileLastBatchesInFlight_ThrowsStopped_AndRerunCompletes()
    {
        await using var sandbox = await DeliveryHarness.StartSandboxAsync(new SandboxOptions { LatencyMs = 800 });
        var dir = DeliveryHarness.TempDir();
        var file = DeliveryHarness.WriteSample(dir, 200, invalidRate: 0);
        var options = DeliveryHarness.Options(sandbox, Path.Combine(dir, "state")) with { BatchSize = 50, Concurrency = 2, SampleGate = false };
        var conversion = DeliveryHarness.Conversion(options.PixelId);
        var expected = await DeliveryHarness.AcceptedIdsAsync(file, conversion, dir);
        using var cts = new CancellationTokenSource();
        var run = new UploadRun(options, TimeProvider.System);
        var job = run.ExecuteAsync([file], conversion, new Snapconv.Core.Pipeline.ConversionOutputs(), cts.Token);
        // Two batches in flight (waiting on the sandbox's latency); the reader then queues the last two and ends.
        for (var i = 0; i < 1_000 && run.Stats.Sent < 100 && !job.IsCompleted; i++) await Task.Delay(10);
        Assert.Equal(100, run.Stats.Sent);
        await Task.Delay(300);
        Assert.Equal(0, sandbox.GetCounters(options.PixelId).Stored);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job);

        var again = await new UploadRun(options, TimeProvider.System).ExecuteAsync([file], conversion, new Snapconv.Core.Pipeline.ConversionOutputs(), CancellationToken.None);
        Assert.Equal(UploadOutcome.Completed, again.Outcome);
        Assert.Equal(expected.Order(), DeliveryHarness.StoredIds(sandbox).Order());
    }
}
