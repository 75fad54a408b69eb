using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Snapconv.Core.Formats;
using Snapconv.Sources.Tests.Servers;

namespace Snapconv.Sources.Tests;

public sealed class LocalSourceTests : SourceConformance
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "snapconv-local-" + Guid.NewGuid().ToString("N")[..10]);
    protected override void Require() { }
    protected override Task PutAsync(string key, byte[] content)
    {
        Directory.CreateDirectory(_root);
        File.WriteAllBytes(Path.Combine(_root, key), content);
        return Task.CompletedTask;
    }
    protected override ISource Create() => SourceFactory.Create(new LocalSourceOptions { Path = _root, Pattern = "*.csv*" });

    [Fact]
    public async Task Commit_WithArchiveDir_MovesTheFile_AndListingSkipsTheArchive()
    {
        await PutAsync("x.csv", Csv(1));
        var archive = Path.Combine(_root, "done");
        await using var source = SourceFactory.Create(new LocalSourceOptions { Path = _root, Pattern = "**/*.csv", ArchiveDir = archive });
        var ctx = new SourceContext("job", null);
        var obj = Assert.Single(await source.ListAsync(ctx, default));
        await source.CommitAsync(obj, new FetchResult(), ctx, default);
        Assert.True(File.Exists(Path.Combine(archive, "x.csv")));
        Assert.Empty(await source.ListAsync(ctx, default));
    }

    public override void Dispose()
    {
        try { Directory.Delete(_root, true); } catch (IOException) { }
        base.Dispose();
    }
}

public sealed class S3SourceTests(S3rverServer server) : SourceConformance, IClassFixture<S3rverServer>
{
    private readonly string _prefix = "p" + Guid.NewGuid().ToString("N")[..8] + "/";
    protected override void Require() => server.Require();
    protected override Task PutAsync(string key, byte[] content) => server.PutAsync(_prefix + key, content);
    protected override ISource Create() => SourceFactory.Create(new S3SourceOptions
    {
        Bucket = S3rverServer.Bucket, Prefix = _prefix, Pattern = "*.csv*", Endpoint = $"http://127.0.0.1:{server.Port}",
        ForcePathStyle = true, AccessKeyEnv = "K", SecretKeyEnv = "S",
    }, name => name is "K" or "S" ? "S3RVER" : null);

    [SkippableFact]
    public async Task List_MissingBucket_IsAConfigurationError()
    {
        Require();
        await using var source = SourceFactory.Create(new S3SourceOptions
        {
            Bucket = "nope", Endpoint = $"http://127.0.0.1:{server.Port}", ForcePathStyle = true, AccessKeyEnv = "K", SecretKeyEnv = "S",
        }, _ => "S3RVER");
        var e = await Assert.ThrowsAsync<SourceException>(() => source.ListAsync(new SourceContext("j", null), default));
        Assert.Contains("nope", e.Message);
        Assert.DoesNotContain("S3RVER", e.Message);
    }
}

public sealed class SftpSourceTests(SshdServer server) : SourceConformance, IClassFixture<SshdServer>
{
    private readonly string _folder = "d" + Guid.NewGuid().ToString("N")[..8];
    protected override void Require() => server.Require();
    protected override Task PutAsync(string key, byte[] content)
    {
        var dir = Path.Combine(server.Root, _folder);
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, key), content);
        return Task.CompletedTask;
    }
    private SftpSourceOptions Options(string? fingerprint) => new()
    {
        Host = "127.0.0.1", Port = server.Port, Username = "root", PrivateKeyFile = server.ClientKey,
        Path = Path.Combine(server.Root, _folder), Pattern = "*.csv*", HostKeySha256 = fingerprint, TimeoutSecs = 10,
    };
    protected override ISource Create() => SourceFactory.Create(Options(server.Fingerprint));

    [SkippableFact]
    public async Task Connect_WrongHostKey_RefusesWithTheSeenFingerprint()
    {
        Require();
        await PutAsync("a.csv", Csv(1));
        await using var source = SourceFactory.Create(Options("SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
        var e = await Assert.ThrowsAsync<SourceException>(() => source.ListAsync(new SourceContext("j", null), default));
        Assert.True(e.IsConfiguration);
        Assert.Contains(server.Fingerprint, e.Message);
    }

    [Fact]
    public void Options_NoHostKey_IsAnErrorThatExplainsAny()
    {
        var errors = new SftpSourceOptions { Host = "h", Username = "u", PasswordEnv = "P" }.Validate("jobs[0].source").Select(e => e.ToString());
        Assert.Contains(errors, e => e.StartsWith("jobs[0].source.host_key_sha256: required", StringComparison.Ordinal) && e.Contains("'any'"));
    }
}

public sealed class FtpSourceTests(VsftpdServer server) : SourceConformance, IClassFixture<VsftpdServer>
{
    private readonly string _folder = "d" + Guid.NewGuid().ToString("N")[..8];
    protected override void Require() => server.Require();
    protected override Task PutAsync(string key, byte[] content)
    {
        server.Put(_folder + "/" + key, content);
        File.SetUnixFileMode(Path.Combine(server.Root, _folder), (UnixFileMode)0b111_101_101);
        return Task.CompletedTask;
    }
    protected override ISource Create() => SourceFactory.Create(new FtpSourceOptions
    {
        Host = "127.0.0.1", Port = server.Port, Path = "/" + _folder, Pattern = "*.csv*", TimeoutSecs = 10,
    });

    [SkippableFact]
    public async Task Client_AgainstVsftpd_FallsBackToNlstSizeMdtm_AndRetrievesBytes()
    {
        Require();
        await PutAsync("one.csv", Csv(2));
        await using var client = new Ftp.FtpClient("127.0.0.1", server.Port, TimeSpan.FromSeconds(10));
        await client.ConnectAsync("anonymous", "x@", default);
        var entry = Assert.Single(await client.ListAsync("/" + _folder, default));
        Assert.Equal(("one.csv", false, (long?)Csv(2).Length), (entry.Name, entry.IsDirectory, entry.Size));
        Assert.NotNull(entry.Modified);
        using var ms = new MemoryStream();
        await client.RetrieveAsync("/" + _folder + "/one.csv", ms, default);
        Assert.Equal(Csv(2), ms.ToArray());
        Assert.Contains("TYPE I", client.Transcript);
    }
}

/// <summary>SFTP with a password (a system user made for the test; needs root).</summary>
public sealed class SftpPasswordTests(SshdPasswordServer server) : IClassFixture<SshdPasswordServer>
{
    private void Require()
    {
        if (SshdPasswordServer.NotRoot() is { } why)
        {
            if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail(why + " (CI=true: run the tests as root)");
            Skip.If(true, why + "; run the tests as root to cover it.");
        }
        if (!File.Exists("/usr/sbin/useradd"))
        {
            if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail("/usr/sbin/useradd is missing (CI=true)");
            Skip.If(true, "/usr/sbin/useradd is missing");
        }
        server.Require();
    }

    private SftpSourceOptions Options(string user) => new()
    {
        Host = "127.0.0.1", Port = server.Port, Username = user, PasswordEnv = "SFTP_PW", Path = server.Root,
        Pattern = "*.csv", HostKeySha256 = server.Fingerprint, TimeoutSecs = 10,
    };

    [SkippableFact]
    public async Task PasswordLogin_ListsAndFetches_WrongPasswordIsRefusedWithoutSayingIt()
    {
        Require();
        var content = "email,value\na@example.com,1\n"u8.ToArray();
        File.WriteAllBytes(Path.Combine(server.Root, "p.csv"), content);
        await using (var source = SourceFactory.Create(Options(server.User), name => name == "SFTP_PW" ? server.Password : null))
        {
            var obj = Assert.Single(await source.ListAsync(new SourceContext("j", null), default));
            var dest = Path.Combine(Path.GetTempPath(), "snapconv-pw-" + Guid.NewGuid().ToString("N")[..8] + ".csv");
            try
            {
                await source.FetchAsync(obj, dest, null, new SourceContext("j", null), default);
                Assert.Equal(content, File.ReadAllBytes(dest));
            }
            finally { File.Delete(dest); }
        }
        await using var wrong = SourceFactory.Create(Options(server.User), name => name == "SFTP_PW" ? "not-the-password" : null);
        var e = await Assert.ThrowsAsync<SourceException>(() => wrong.ListAsync(new SourceContext("j", null), default));
        Assert.True(e.IsConfiguration);
        Assert.DoesNotContain("not-the-password", e.Message);
        Assert.DoesNotContain(server.Password, e.Message);
    }
}

/// <summary>Explicit FTPS (AUTH TLS, PBSZ 0, PROT P) against vsftpd that refuses plain logins and plain data connections.</summary>
public sealed class FtpsSourceTests(VsftpdTlsServer server) : SourceConformance, IClassFixture<VsftpdTlsServer>
{
    private readonly string _folder = "d" + Guid.NewGuid().ToString("N")[..8];
    protected override void Require() => server.Require();
    protected override Task PutAsync(string key, byte[] content)
    {
        server.Put(_folder + "/" + key, content);
        File.SetUnixFileMode(Path.Combine(server.Root, _folder), (UnixFileMode)0b111_101_101);
        return Task.CompletedTask;
    }
    private FtpSourceOptions Options(bool acceptAny = true, FtpTls tls = FtpTls.Explicit) => new()
    {
        Host = "127.0.0.1", Port = server.Port, Path = "/" + _folder, Pattern = "*.csv*", TimeoutSecs = 10,
        Tls = tls, TlsAcceptAnyCertificate = acceptAny,
    };
    protected override ISource Create() => SourceFactory.Create(Options());

    [SkippableFact]
    public async Task Client_ExplicitTls_ProtectsControlAndData_AndRetrievesBytes()
    {
        Require();
        await PutAsync("one.csv", Csv(3));
        await using var client = new Ftp.FtpClient("127.0.0.1", server.Port, TimeSpan.FromSeconds(10), tls: true, acceptAnyCertificate: true);
        await client.ConnectAsync("anonymous", "x@", default);
        var entry = Assert.Single(await client.ListAsync("/" + _folder, default));
        Assert.Equal(("one.csv", (long?)Csv(3).Length), (entry.Name, entry.Size));
        using var ms = new MemoryStream();
        await client.RetrieveAsync("/" + _folder + "/one.csv", ms, default);
        Assert.Equal(Csv(3), ms.ToArray());
        Assert.Equal(["AUTH TLS", "PBSZ 0", "PROT P"], client.Transcript.Where(c => c is "AUTH TLS" or "PBSZ 0" or "PROT P"));
    }

    [SkippableFact]
    public async Task SelfSignedCertificate_RefusedUnlessAccepted_PlainLoginRefusedByTheServer()
    {
        Require();
        await PutAsync("one.csv", Csv(1));
        await using (var strict = SourceFactory.Create(Options(acceptAny: false)))
        {
            var e = await Assert.ThrowsAsync<SourceException>(() => strict.ListAsync(new SourceContext("j", null), default));
            Assert.True(e.IsConfiguration);
            Assert.Contains("tls_accept_any_certificate", e.Message);
        }
        await using (var plain = SourceFactory.Create(Options(tls: FtpTls.None)))
            await Assert.ThrowsAsync<SourceException>(() => plain.ListAsync(new SourceContext("j", null), default));
        await using var ok = SourceFactory.Create(Options());
        Assert.Single(await ok.ListAsync(new SourceContext("j", null), default));
    }
}

public sealed class FtpClientParsingTests
{
    [Theory]
    [InlineData("229 Entering Extended Passive Mode (|||6446|)", 6446)]
    [InlineData("229 ok (!!!21000!)", 21000)]
    public void ParseEpsv_ReadsThePort(string reply, int port) => Assert.Equal(port, Ftp.FtpClient.ParseEpsv(reply));

    [Fact]
    public void ParsePasv_ReadsThePort_IgnoresTheAddress() =>
        Assert.Equal(39 * 256 + 16, Ftp.FtpClient.ParsePasv("227 Entering Passive Mode (10,9,8,7,39,16)."));

    [Fact]
    public void ParseMlsd_KeepsFilesAndDirs_SkipsCdirPdir()
    {
        var entries = Ftp.FtpClient.ParseMlsd("type=cdir;modify=20240101000000; .\r\ntype=dir; sub\r\ntype=file;size=12;modify=20240501120000.123; a b.csv\r\n");
        Assert.Equal(2, entries.Count);
        Assert.True(entries[0].IsDirectory);
        Assert.Equal(("a b.csv", 12L), (entries[1].Name, entries[1].Size!.Value));
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero), entries[1].Modified);
    }

    [Fact]
    public void ParsePasv_Malformed_Throws() => Assert.Throws<Ftp.FtpException>(() => Ftp.FtpClient.ParsePasv("227 nope"));
}

/// <summary>An in-process HTTP export endpoint with ETags and If-None-Match.</summary>
public sealed class HttpExportServer : IAsyncLifetime
{
    private WebApplication? _app;
    public Dictionary<string, byte[]> Files { get; } = [];
    public List<string?> AuthorizationSeen { get; } = [];
    public string BaseAddress { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var b = WebApplication.CreateSlimBuilder();
        b.Logging.ClearProviders();
        b.WebHost.UseUrls("http://127.0.0.1:0");
        _app = b.Build();
        _app.MapGet("/{**key}", (string key, HttpContext ctx) =>
        {
            lock (Files)
            {
                AuthorizationSeen.Add(ctx.Request.Headers.Authorization.ToString());
                if (!Files.TryGetValue(key, out var bytes)) return Results.NotFound();
                var etag = "\"" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes))[..16] + "\"";
                ctx.Response.Headers.ETag = etag;
                if (ctx.Request.Headers.IfNoneMatch.ToString() == etag) return Results.StatusCode(304);
                return Results.Bytes(bytes, "text/csv");
            }
        });
        await _app.StartAsync();
        BaseAddress = _app.Urls.First();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }
}

public sealed class HttpSourceTests(HttpExportServer server) : SourceConformance, IClassFixture<HttpExportServer>
{
    private readonly string _folder = "d" + Guid.NewGuid().ToString("N")[..8];
    private string _key = "sales.csv";
    protected override void Require() { }
    protected override bool ManyObjects => false;
    protected override Task PutAsync(string key, byte[] content)
    {
        lock (server.Files) server.Files[_folder + "/" + key] = content;
        if (key.EndsWith(".csv", StringComparison.Ordinal) || key.EndsWith(".gz", StringComparison.Ordinal)) _key = key;
        return Task.CompletedTask;
    }
    // One URL is one object: the suite's multi-object test runs on the other sources.
    protected override ISource Create() => SourceFactory.Create(new HttpSourceOptions
    {
        Url = server.BaseAddress + "/" + _folder + "/" + _key,
        Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer ${CRM_TOKEN}" },
    }, n => n == "CRM_TOKEN" ? "t0ken" : null);

    [Fact]
    public async Task Fetch_SendsExpandedHeader_AndUnchangedResourceIsNotModified()
    {
        await PutAsync("e.csv", Csv(2));
        using var ledger = new Ledger.SourceLedger(State, TimeProvider.System);
        await using var source = new CountingSource(Create());
        var staging = new Staging.SourceStaging(source, ledger, "j", Path.Combine(State, "st"));
        var first = await staging.StageAsync(null, default);
        Assert.DoesNotContain("t0ken", Assert.Single(first.Staged).Object.Key);
        await staging.CommitAsync(first, null, default);
        Staging.SourceStaging.Cleanup(first.Staged);
        var again = await staging.StageAsync(null, default);
        Assert.Empty(again.Staged);
        Assert.Equal(1, source.Bodies);
        Assert.Contains("Bearer t0ken", server.AuthorizationSeen);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Stage_UrlEnvWithSecrets_StagedCopyOwnerOnly_KeyDescriptionAndLedgerHoldNoSecret() // #16
    {
        await PutAsync("s.csv", Csv(2));
        using var ledger = new Ledger.SourceLedger(State, TimeProvider.System);
        var url = (server.BaseAddress + "/" + _folder + "/s.csv?api_key=k5ecret&day=1").Replace("http://", "http://me:pw5ecret@", StringComparison.Ordinal);
        await using var source = SourceFactory.Create(new HttpSourceOptions { UrlEnv = "EXPORT_URL" }, n => n == "EXPORT_URL" ? url : null);
        var staging = new Staging.SourceStaging(source, ledger, "j", Path.Combine(State, "st"));
        var staged = Assert.Single((await staging.StageAsync(null, default)).Staged);
        try
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(staged.Path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(State, "st")));
            Assert.EndsWith("/s.csv?api_key=***&day=1#s.csv", staged.Object.Key);
            Assert.StartsWith("http://***@", staged.Object.Key);
            foreach (var text in new[] { staged.Object.Key, source.Description, string.Join("|", ledger.All("j").Select(r => r.Key)) })
            {
                Assert.DoesNotContain("pw5ecret", text);
                Assert.DoesNotContain("k5ecret", text);
            }
        }
        finally
        {
            Staging.SourceStaging.Cleanup([staged]);
        }
    }

    [Fact]
    public void Options_UrlOrUrlEnv_ExactlyOne() // #16
    {
        Assert.Empty(new HttpSourceOptions { UrlEnv = "EXPORT_URL" }.Validate("s"));
        Assert.Equal(["s.url_env: give url or url_env (one of them)."], new HttpSourceOptions { Url = "https://h/x.csv", UrlEnv = "EXPORT_URL" }.Validate("s").Select(e => e.ToString()));
        Assert.Equal(["s.url: required."], new HttpSourceOptions().Validate("s").Select(e => e.ToString()));
    }

    [Fact]
    public async Task Fetch_ServerAnswers404_IsASourceError()
    {
        await using var source = SourceFactory.Create(new HttpSourceOptions { Url = server.BaseAddress + "/missing.csv" });
        var obj = Assert.Single(await source.ListAsync(new SourceContext("j", null), default));
        var e = await Assert.ThrowsAsync<SourceException>(() => source.FetchAsync(obj, Path.Combine(State, "x"), null, new SourceContext("j", null), default));
        Assert.Contains("404", e.Message);
    }

    [Fact]
    public async Task Fetch_Unreachable_IsRetryableSourceError()
    {
        var port = TestServer.FreePort();
        await using var source = SourceFactory.Create(new HttpSourceOptions { Url = $"http://127.0.0.1:{port}/x.csv", TimeoutSecs = 5 });
        Directory.CreateDirectory(State);
        var e = await Assert.ThrowsAsync<SourceException>(() => source.FetchAsync(new SourceObject("x", null, null), Path.Combine(State, "x"), null, new SourceContext("j", null), default));
        Assert.False(e.IsConfiguration);
    }
}

public class GlobPatternTests
{
    [Theory]
    [InlineData("*.csv*", "a.csv", true)]
    [InlineData("*.csv*", "a.csv.gz", true)]
    [InlineData("*.csv*", "sub/a.csv", false)]
    [InlineData("**/*.csv", "a.csv", true)]
    [InlineData("**/*.csv", "x/y/a.csv", true)]
    [InlineData("2024-??/*.parquet", "2024-05/a.parquet", true)]
    [InlineData("2024-??/*.parquet", "2024-5/a.parquet", false)]
    public void IsMatch_FollowsShellRules(string pattern, string key, bool match) => Assert.Equal(match, new GlobPattern(pattern).IsMatch(key));
}
