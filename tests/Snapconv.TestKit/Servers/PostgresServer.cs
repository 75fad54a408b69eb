using System.Diagnostics;

namespace Snapconv.TestKit.Servers;

/// <summary>A private PostgreSQL 15 cluster (trust auth, user snap), run as the postgres user.</summary>
public sealed class PostgresServer : TestServer
{
    protected override string Binary => "/usr/local/bin/postgres";
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=snap;Database=postgres;Timeout=10";

    private Process? _again;

    protected override ProcessStartInfo Prepare(int port)
    {
        Run("chown", "postgres", Dir);
        Run("runuser", "-u", "postgres", "--", "/usr/local/bin/initdb", "-D", Path.Combine(Dir, "data"), "-A", "trust", "-U", "snap", "-E", "UTF8", "--no-sync");
        return Postmaster(port);
    }

    private ProcessStartInfo Postmaster(int port) =>
        new("runuser", ["-u", "postgres", "--", "/usr/local/bin/postgres", "-D", Path.Combine(Dir, "data"),
            "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-k", Dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]);

    /// <summary>
    /// Stops the server at once, as a lost database looks to its clients: immediate shutdown (SIGQUIT to the postmaster),
    /// every connection cut, nothing flushed. Its data and port are kept for <see cref="StartAgainAsync"/>.
    /// </summary>
    public void StopImmediately()
    {
        var pidFile = Path.Combine(Dir, "data", "postmaster.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).First(), out var pid)) return;
        Run("kill", "-QUIT", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // Bounded: 100 × 100 ms for the postmaster to go (it removes its pid file last).
        for (var i = 0; i < 100 && File.Exists(pidFile); i++) Thread.Sleep(100);
    }

    /// <summary>Starts the server again on the same port and data (it recovers from the stop first); true once its port accepts connections.</summary>
    public async Task<bool> StartAgainAsync()
    {
        _again?.Dispose();
        var psi = Postmaster(Port);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        _again = Process.Start(psi)!;
        _again.OutputDataReceived += (_, _) => { };
        _again.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (Log) Log.Add(e.Data); };
        _again.BeginOutputReadLine();
        _again.BeginErrorReadLine();
        // Bounded: 150 tries × 100 ms.
        for (var i = 0; i < 150 && !_again.HasExited; i++)
        {
            try
            {
                using var c = new System.Net.Sockets.TcpClient();
                await c.ConnectAsync(System.Net.IPAddress.Loopback, Port);
                return true;
            }
            catch (System.Net.Sockets.SocketException) { await Task.Delay(100); }
        }
        return false;
    }

    public override async Task DisposeAsync()
    {
        if (_again is { } p)
        {
            if (!p.HasExited) Stop(p);
            p.WaitForExit(10_000);
            p.Dispose();
        }
        await base.DisposeAsync();
    }

    protected override void Stop(Process p)
    {
        // Fast shutdown: SIGINT to the postmaster (its pid is the first line of postmaster.pid).
        var pidFile = Path.Combine(Dir, "data", "postmaster.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), out var pid))
        {
            try { Run("kill", "-INT", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)); } catch (InvalidOperationException) { }
            if (p.WaitForExit(10_000)) return;
        }
        base.Stop(p);
    }
}
