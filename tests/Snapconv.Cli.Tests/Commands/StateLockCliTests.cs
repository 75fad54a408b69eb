using System.Diagnostics;
using System.Globalization;
using Snapconv.Cli.Tests.Jobs;
using Snapconv.Core.Samples;
using Snapconv.Delivery.Ledger;
using Snapconv.Sandbox;

namespace Snapconv.Cli.Tests.Commands;

/// <summary>A started <c>snapconv</c> child process (the built CLI) with stdout and stderr collected as one output (see also <see cref="CliChild"/>, which keeps them apart and sends signals).</summary>
internal sealed class CliProcess : IDisposable
{
    private readonly List<string> _output = [];
    public Process Process { get; }

    public CliProcess(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "snapconv.dll");
        Assert.True(File.Exists(dll), dll);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["SNAPCONV_RETRY_BASE_MS"] = "1";
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        Process = Process.Start(psi)!;
        Process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.Add(e.Data); };
        Process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.Add(e.Data); };
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public string Output { get { lock (_output) return string.Join('\n', _output); } }

    /// <summary>Waits (bounded) for the exit; returns the exit code.</summary>
    public async Task<int> ExitAsync(int seconds = 60)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        await Process.WaitForExitAsync(bound.Token);
        Process.WaitForExit(); // drains the output
        return Process.ExitCode;
    }

    /// <summary>Waits (bounded, 30 s) until <paramref name="condition"/> holds or the process ended.</summary>
    public async Task<bool> UntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 300 && !condition() && !Process.HasExited; i++) await Task.Delay(100);
        return condition();
    }

    public void Dispose()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.Dispose();
    }
}

/// <summary>One writer per state directory, with the built CLI as child processes (#16).</summary>
public class StateLockCliTests
{
    private static void WriteValidRows(string path, long rows, int seed)
    {
        var w = new StringWriter();
        SyntheticConversions.Write(w, new SyntheticOptions
        {
            Rows = rows, Seed = seed, InvalidRate = 0, DuplicateRate = 0, Now = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero),
        });
        File.WriteAllText(path, w.ToString().Replace("ORD-", $"ORD-{seed}-", StringComparison.Ordinal));
    }

    private static string[] Upload(RunningSandbox sandbox, string input, string state, params string[] more) =>
    [
        "upload", input, "--pixel-id", sandbox.Pixels[0].PixelId, "--endpoint", sandbox.BaseAddress.ToString(),
        "--token-env", "SNAPCONV_TEST_LOCK_TOKEN", "--state-dir", state, "--default-country", "US", .. more,
    ];

    /// <summary>Events the files hold that Snap accepts (by <c>validate</c>).</summary>
    private static async Task<long> Accepted(TempDir dir, params string[] files)
    {
        Assert.Equal(0, await CliApp.RunAsync(["validate", .. files, "--default-country", "US", "--report", dir.File("v.json")]));
        using var report = System.Text.Json.JsonDocument.Parse(File.ReadAllText(dir.File("v.json")));
        return report.RootElement.GetProperty("accepted").GetInt64();
    }

    private static Dictionary<string, string> TokenEnv(RunningSandbox s) => new() { ["SNAPCONV_TEST_LOCK_TOKEN"] = s.Pixels[0].Token };

    [Fact]
    public async Task Upload_TwoProcessesOneStateDir_SecondWaitsNamingThePid_ThenSendsNothingTwice()
    {
        using var dir = new TempDir();
        await using var sandbox = await JobRunTests.Sandbox();
        const int rows = 2000;
        WriteValidRows(dir.File("a.csv"), rows, 31);
        // Small batches at 5 requests/s: the first upload lasts ~4 s, so the second starts while it holds the lock.
        using var first = new CliProcess(Upload(sandbox, dir.File("a.csv"), dir.File("state"), "--batch-size", "100", "--qps", "5", "--concurrency", "1"), TokenEnv(sandbox));
        Assert.True(await first.UntilAsync(() => sandbox.GetCounters(sandbox.Pixels[0].PixelId).Received > 0), first.Output);
        using var second = new CliProcess(Upload(sandbox, dir.File("a.csv"), dir.File("state")), TokenEnv(sandbox));

        Assert.True(await second.UntilAsync(() => second.Output.Contains("waiting for the state directory", StringComparison.Ordinal)), second.Output);
        Assert.False(first.Process.HasExited && first.Process.ExitCode != 0, first.Output);
        Assert.Equal(0, await first.ExitAsync());
        Assert.Equal(0, await second.ExitAsync());

        Assert.Contains(Path.GetFullPath(dir.File("state")), second.Output);
        Assert.Contains($"pid {first.Process.Id.ToString(CultureInfo.InvariantCulture)}", second.Output);
        var counters = sandbox.GetCounters(sandbox.Pixels[0].PixelId);
        var accepted = await Accepted(dir, dir.File("a.csv"));
        Assert.True(accepted > rows * 9 / 10, $"accepted {accepted}");
        Assert.Equal(accepted, counters.Stored);
        Assert.Equal(accepted, counters.Received); // the second upload found every event acknowledged and sent none
        Assert.Equal(0, counters.Duplicates);
    }

    [Fact]
    public async Task Upload_NoWait_WhileAnotherHoldsTheStateDir_Exits2AtOnce_NamingFolderAndPid()
    {
        using var dir = new TempDir();
        await using var sandbox = await JobRunTests.Sandbox();
        WriteValidRows(dir.File("a.csv"), 50, 32);
        using var held = StateDirectoryLock.TryAcquire(dir.File("state"), out _);
        Assert.NotNull(held);

        using var child = new CliProcess(Upload(sandbox, dir.File("a.csv"), dir.File("state"), "--no-wait"), TokenEnv(sandbox));
        Assert.Equal(2, await child.ExitAsync());
        Assert.Contains("error: the state directory " + Path.GetFullPath(dir.File("state")), child.Output);
        if (!OperatingSystem.IsWindows()) Assert.Contains($"pid {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}", child.Output);
        Assert.Equal(0, sandbox.GetCounters(sandbox.Pixels[0].PixelId).Received);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Serve_HoldsTheLockForItsLife_KilledHolder_FreesItAtOnce()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("in"));
        // A job that never fires during the test: serve only holds the lock.
        File.WriteAllText(dir.File("jobs.yaml"),
            "jobs:\n  - name: idle\n    pixel_id: \"p1\"\n    endpoint: http://127.0.0.1:9\n    state_dir: state\n" +
            "    schedule: \"0 0 1 1 *\"\n    source: {type: local, path: in, pattern: \"*.csv\"}\n");
        using var serve = new CliProcess(["serve", dir.File("jobs.yaml"), "--urls", "http://127.0.0.1:0", "--log-format", "json"]);
        Assert.True(await serve.UntilAsync(() => serve.Output.Contains("\"step\":\"listen\"", StringComparison.Ordinal)), serve.Output);

        Assert.Null(StateDirectoryLock.TryAcquire(dir.File("state"), out var pid));
        Assert.Equal(serve.Process.Id, pid);
        using var runNoWait = new CliProcess(["run", dir.File("jobs.yaml"), "--no-wait"]);
        Assert.Equal(2, await runNoWait.ExitAsync());
        Assert.Contains($"pid {serve.Process.Id.ToString(CultureInfo.InvariantCulture)}", runNoWait.Output);

        // SIGKILL: no cleanup code runs; the OS drops the lock with the process.
        serve.Process.Kill();
        await serve.ExitAsync();
        using var mine = StateDirectoryLock.TryAcquire(dir.File("state"), out _);
        Assert.NotNull(mine);
    }

    [Fact]
    public async Task Run_TwoProcessesOfOneJob_NoFailure_EveryEventSentOnce()
    {
        using var dir = new TempDir();
        await using var sandbox = await JobRunTests.Sandbox();
        Directory.CreateDirectory(dir.File("in"));
        WriteValidRows(dir.File("in/a.csv"), 400, 33);
        WriteValidRows(dir.File("in/b.csv"), 400, 34);
        File.WriteAllText(dir.File("jobs.yaml"),
            $"jobs:\n  - name: shop\n    pixel_id: \"{sandbox.Pixels[0].PixelId}\"\n    endpoint: {sandbox.BaseAddress}\n    token_env: SNAPCONV_TEST_LOCK_TOKEN\n" +
            "    state_dir: state\n    default_country: US\n    delivery: {batch_size: 100, concurrency: 1, qps: 4}\n" +
            "    source: {type: local, path: in, pattern: \"*.csv\"}\n");

        // 8 requests at 4 a second: the first run lasts ~2 s, so the second, started with it, finds the lock taken.
        using var one = new CliProcess(["run", dir.File("jobs.yaml"), "--log-format", "json"], TokenEnv(sandbox));
        using var two = new CliProcess(["run", dir.File("jobs.yaml"), "--log-format", "json"], TokenEnv(sandbox));
        Assert.Equal(0, await one.ExitAsync());
        Assert.Equal(0, await two.ExitAsync());

        var both = one.Output + "\n" + two.Output;
        Assert.DoesNotContain("unexpected failure", both);
        Assert.DoesNotContain("IOException", both);
        Assert.Contains("waiting for the state directory", both); // the later one waited for the first
        Assert.Contains("nothing_new", both);                      // and then found everything delivered
        var counters = sandbox.GetCounters(sandbox.Pixels[0].PixelId);
        var accepted = await Accepted(dir, dir.File("in/a.csv"), dir.File("in/b.csv"));
        Assert.True(accepted > 700, $"accepted {accepted}");
        Assert.Equal(accepted, counters.Stored);
        Assert.Equal(accepted, counters.Received);
    }
}
