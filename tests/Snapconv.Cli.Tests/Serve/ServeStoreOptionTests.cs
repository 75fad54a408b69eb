namespace Snapconv.Cli.Tests.Serve;

/// <summary><c>serve --store</c>'s usage errors and an unreachable store, as a user meets them (#19).</summary>
public class ServeStoreOptionTests
{
    private static string JobFile(TempDir dir)
    {
        Directory.CreateDirectory(dir.File("in"));
        File.WriteAllText(dir.File("jobs.yaml"), "jobs:\n  - {name: a, pixel_id: p, schedule: \"0 * * * *\", state_dir: state, source: {type: local, path: in}}\n");
        return dir.File("jobs.yaml");
    }

    [Fact]
    public async Task Serve_StoreUrlWithPassword_ExitsTwo_WithoutPrintingIt()
    {
        using var dir = new TempDir();
        var (code, stderr) = await CliChild.RunAsync(["serve", JobFile(dir), "--urls", "http://127.0.0.1:0",
            "--store", "postgresql://snap:hunter2secret@127.0.0.1:5432/db"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.Contains("must not hold a password", stderr);
        Assert.DoesNotContain("hunter2secret", stderr);
    }

    [Fact]
    public async Task Serve_PasswordEnvWithoutStore_ExitsTwo()
    {
        using var dir = new TempDir();
        var (code, stderr) = await CliChild.RunAsync(["serve", JobFile(dir), "--urls", "http://127.0.0.1:0", "--store-password-env", "X"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.Contains("--store-password-env needs --store", stderr);
    }

    [Fact]
    public async Task Serve_StoreNotAnswering_ExitsFour_NamingTheUrl()
    {
        using var dir = new TempDir();
        var port = Snapconv.TestKit.Servers.TestServer.FreePort(); // nothing listens there
        var (code, stderr) = await CliChild.RunAsync(["serve", JobFile(dir), "--urls", "http://127.0.0.1:0",
            "--store", $"postgresql://snap@127.0.0.1:{port}/postgres?connect_timeout_secs=2"], TimeSpan.FromSeconds(60));
        Assert.Equal(4, code);
        Assert.Contains($"127.0.0.1:{port}/postgres", stderr);
        Assert.Contains("does not answer", stderr);
    }
}
