using System.Diagnostics;

namespace Snapconv.TestKit.Servers;

/// <summary>A private PostgreSQL 15 cluster (trust auth, user snap), run as the postgres user.</summary>
public sealed class PostgresServer : TestServer
{
    protected override string Binary => "/usr/local/bin/postgres";
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=snap;Database=postgres;Timeout=10";

    protected override ProcessStartInfo Prepare(int port)
    {
        Run("chown", "postgres", Dir);
        Run("runuser", "-u", "postgres", "--", "/usr/local/bin/initdb", "-D", Path.Combine(Dir, "data"), "-A", "trust", "-U", "snap", "-E", "UTF8", "--no-sync");
        return new ProcessStartInfo("runuser", ["-u", "postgres", "--", "/usr/local/bin/postgres", "-D", Path.Combine(Dir, "data"),
            "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-k", Dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]);
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
