using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Snapconv.TestKit.Servers;

/// <summary>
/// Base of the real servers the tests start on loopback: a free port (bound to 0), a private folder, a child process
/// stopped by its id. When the server's binary is missing, <see cref="Require"/> skips the test with a message, or
/// fails it under CI=true.
/// </summary>
public abstract class TestServer : IAsyncLifetime
{
    private Process? _process;

    /// <summary>Private folder of this server instance.</summary>
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "snapconv-srv-" + Guid.NewGuid().ToString("N")[..10]);
    /// <summary>The port it listens on.</summary>
    public int Port { get; private set; }
    /// <summary>Null when running; else why the server is unavailable.</summary>
    public string? Missing { get; private set; }

    /// <summary>Binary the server needs (checked before starting).</summary>
    protected abstract string Binary { get; }

    /// <summary>Prepares files and returns the process to start.</summary>
    protected abstract ProcessStartInfo Prepare(int port);

    /// <summary>Skips (or fails under CI=true) when the server is not running.</summary>
    public void Require()
    {
        if (Missing is null) return;
        if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail($"{Missing} (CI=true: the server must be installed; run scripts/install-test-deps.sh)");
        Skip.If(true, $"{Missing}; run scripts/install-test-deps.sh to install it.");
    }

    public virtual async Task InitializeAsync()
    {
        if (!File.Exists(Binary))
        {
            Missing = $"{Binary} is not installed";
            return;
        }
        Directory.CreateDirectory(Dir);
        Port = FreePort();
        var psi = Prepare(Port);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (Log) Log.Add(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        // Bounded: 150 tries × 100 ms.
        for (var i = 0; i < 150; i++)
        {
            if (_process.HasExited) break;
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, Port);
                await AfterStartAsync();
                return;
            }
            catch (SocketException) { await Task.Delay(100); }
        }
        Missing = $"{Binary} did not start: {string.Join(" | ", Log.TakeLast(5))}";
    }

    /// <summary>Lines the server wrote to stderr.</summary>
    public List<string> Log { get; } = [];

    /// <summary>Runs after the port accepts connections (e.g. create a database).</summary>
    protected virtual Task AfterStartAsync() => Task.CompletedTask;

    /// <summary>Stops the server by its id.</summary>
    protected virtual void Stop(Process p)
    {
        try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
    }

    public virtual Task DisposeAsync()
    {
        if (_process is { } p)
        {
            if (!p.HasExited) Stop(p);
            p.WaitForExit(10_000);
            p.Dispose();
        }
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return Task.CompletedTask;
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Runs a short command; returns its stdout. Bounded to 60 s.</summary>
    public static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException(file); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} exited {p.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }
}
