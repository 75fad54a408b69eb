using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Snapconv.Cli.Tests;

/// <summary>The built CLI (<c>snapconv.dll</c> next to the tests) as a child process, with its output captured.</summary>
internal sealed class CliChild : IDisposable
{
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _stdout = new();

    private CliChild(Process p) => Process = p;

    public Process Process { get; }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }
    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }

    public static CliChild Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "snapconv.dll");
        Assert.True(File.Exists(dll), dll);
        // Through `env --default-signal=INT`: a test run started in the background inherits SIGINT as ignored, and the
        // child would keep ignoring the Ctrl+C a test sends (see Delivery.Tests' InterruptTests).
        var psi = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--default-signal=INT", "dotnet", dll }.Concat(args)) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var c = new CliChild(Process.Start(psi)!);
        c.Process.OutputDataReceived += (_, e) => { if (e.Data is { } d) lock (c._stdout) c._stdout.AppendLine(d); };
        c.Process.ErrorDataReceived += (_, e) => { if (e.Data is { } d) lock (c._stderr) c._stderr.AppendLine(d); };
        c.Process.BeginOutputReadLine();
        c.Process.BeginErrorReadLine();
        return c;
    }

    /// <summary>Runs to the end (bounded) and returns the exit code.</summary>
    public static async Task<(int Code, string Stderr)> RunAsync(IEnumerable<string> args, TimeSpan bound)
    {
        using var c = Start(args);
        await c.Process.WaitForExitAsync().WaitAsync(bound);
        c.Process.WaitForExit(); // drains the output
        return (c.Process.ExitCode, c.Stderr);
    }

    /// <summary>Sends a POSIX signal with <c>kill -SIG pid</c>.</summary>
    public void Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, Process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        Assert.True(kill.WaitForExit(10_000) && kill.ExitCode == 0, "kill -" + signal);
    }

    /// <summary>Waits (bounded) for the exit and returns how long it took from now.</summary>
    public async Task<TimeSpan> WaitForExitAsync(TimeSpan bound)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAny(Process.WaitForExitAsync(), Task.Delay(bound));
        var elapsed = clock.Elapsed;
        Assert.True(Process.HasExited, $"still running {bound.TotalSeconds:0} s after the signal; stderr: {Stderr}");
        Process.WaitForExit(); // drains the output
        return elapsed;
    }

    public void Dispose()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.Dispose();
    }
}
