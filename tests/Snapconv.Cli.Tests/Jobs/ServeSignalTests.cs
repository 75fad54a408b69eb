using System.Diagnostics;
using System.Globalization;
using Snapconv.Core.Samples;

namespace Snapconv.Cli.Tests.Jobs;

/// <summary><c>snapconv serve</c> as a child process: SIGTERM mid-run stops it with exit 0, and nothing is lost or doubled.</summary>
public class ServeSignalTests
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

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Serve_SigtermMidRun_ExitsZero_ThenEveryEventArrivesExactlyOnce()
    {
        using var dir = new TempDir();
        await using var sandbox = await JobRunTests.Sandbox();
        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(tokenEnv, sandbox.Pixels[0].Token);
        Directory.CreateDirectory(dir.File("in"));
        WriteValidRows(dir.File("in/a.csv"), 1500, 21);
        WriteValidRows(dir.File("in/b.csv"), 1500, 22);
        // Small batches at 20 requests/s: a run lasts ~3 s, so SIGTERM lands in the middle of one.
        File.WriteAllText(dir.File("jobs.yaml"),
            $"jobs:\n  - name: sig\n    pixel_id: \"{sandbox.Pixels[0].PixelId}\"\n    endpoint: {sandbox.BaseAddress}\n    token_env: {tokenEnv}\n" +
            "    state_dir: state\n    default_country: US\n    schedule: \"* * * * * *\"\n" +
            "    delivery: {batch_size: 50, concurrency: 1, qps: 20}\n    source: {type: local, path: in, pattern: \"*.csv\"}\n");

        var dll = Path.Combine(AppContext.BaseDirectory, "snapconv.dll");
        Assert.True(File.Exists(dll), dll);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "serve", dir.File("jobs.yaml"), "--urls", "http://127.0.0.1:0", "--log-format", "json" }) psi.ArgumentList.Add(a);
        psi.Environment[tokenEnv] = sandbox.Pixels[0].Token;
        psi.Environment["SNAPCONV_RETRY_BASE_MS"] = "1";
        var output = new List<string>();
        using var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Add(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        string Output() { lock (output) return string.Join('\n', output); }
        try
        {
            // Bounded: 30 s for the first events to arrive.
            for (var i = 0; i < 300 && sandbox.GetEvents(sandbox.Pixels[0].PixelId).Count == 0 && !p.HasExited; i++) await Task.Delay(100);
            Assert.False(p.HasExited, "serve exited early: " + Output());
            Assert.NotEmpty(sandbox.GetEvents(sandbox.Pixels[0].PixelId));

            using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)])!) await kill.WaitForExitAsync();
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await p.WaitForExitAsync(bound.Token);
            p.WaitForExit(); // drains the output
            Assert.True(p.ExitCode == 0, $"exit {p.ExitCode}: {Output()}");
            Assert.Contains("\"step\":\"stop\"", Output());
            Assert.DoesNotContain(sandbox.Pixels[0].Token, Output());
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }

        // What the stopped run left unsettled resumes with `run`: every accepted event at Snap, each once.
        Assert.Equal(0, await CliApp.RunAsync(["run", dir.File("jobs.yaml")]));
        Assert.Equal(0, await CliApp.RunAsync(["validate", dir.File("in/a.csv"), dir.File("in/b.csv"), "--default-country", "US", "--report", dir.File("v.json")]));
        using var validated = System.Text.Json.JsonDocument.Parse(File.ReadAllText(dir.File("v.json")));
        var accepted = validated.RootElement.GetProperty("accepted").GetInt64();
        Assert.True(accepted > 2500, $"accepted {accepted}");
        var ids = JobRunTests.StoredIds(sandbox);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(accepted, ids.Count);
        // A request in flight when the run stopped may have reached Snap without its answer being read: that one batch
        // (50 events) may be sent again by the next run, and Snap (like the sandbox) keeps one event per event_id.
        Assert.InRange(sandbox.GetCounters(sandbox.Pixels[0].PixelId).Duplicates, 0, 50);
    }
}
