using System.Diagnostics;
using Amazon.S3;
using Amazon.S3.Model;

namespace Snapconv.Sources.Tests.Servers;

/// <summary>OpenSSH sshd with key login as root and internal-sftp; <see cref="Root"/> is the folder served.</summary>
public class SshdServer : TestServer
{
    /// <summary>True: password logins are allowed too (<c>PasswordAuthentication yes</c>).</summary>
    protected virtual bool PasswordLogins => false;

    protected override string Binary => "/usr/sbin/sshd";
    public string Root => Path.Combine(Dir, "files");
    public string ClientKey => Path.Combine(Dir, "client_key");
    public string Fingerprint { get; private set; } = "";

    protected override ProcessStartInfo Prepare(int port)
    {
        Directory.CreateDirectory("/run/sshd");
        Directory.CreateDirectory(Root);
        Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(Dir, "host_key"));
        Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ClientKey);
        File.Copy(ClientKey + ".pub", Path.Combine(Dir, "authorized_keys"));
        Fingerprint = Run("ssh-keygen", "-l", "-E", "sha256", "-f", Path.Combine(Dir, "host_key.pub")).Split(' ')[1];
        var config = Path.Combine(Dir, "sshd_config");
        File.WriteAllLines(config,
        [
            $"Port {port}", "ListenAddress 127.0.0.1", $"HostKey {Dir}/host_key", $"PidFile {Dir}/sshd.pid",
            $"AuthorizedKeysFile {Dir}/authorized_keys", "PermitRootLogin prohibit-password", PasswordLogins ? "PasswordAuthentication yes" : "PasswordAuthentication no",
            "UsePAM no", "StrictModes no", "Subsystem sftp internal-sftp",
        ]);
        return new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", config]);
    }
}

/// <summary>
/// sshd that also takes passwords, with a system user made for the test (<c>useradd</c>, <c>chpasswd</c>; removed
/// with <c>userdel</c> afterwards). Making a user needs root: otherwise the tests skip, even under CI=true (CI runs as root).
/// </summary>
public sealed class SshdPasswordServer : SshdServer
{
    /// <summary>The test user's name (unique per instance).</summary>
    public string User { get; } = "snapsftp" + Guid.NewGuid().ToString("N")[..8];
    /// <summary>Its random password (never logged).</summary>
    public string Password { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(18));
    private bool _created;

    protected override bool PasswordLogins => true;

    /// <summary>Null when root; else why the user cannot be made.</summary>
    public static string? NotRoot() =>
        Environment.UserName == "root" || Run("id", "-u").Trim() == "0" ? null : "making a system user for the password login needs root";

    public override async Task InitializeAsync()
    {
        if (NotRoot() is not null || !File.Exists("/usr/sbin/useradd")) return;
        await base.InitializeAsync();
        if (Missing is not null) return;
        Run("/usr/sbin/useradd", "--no-create-home", "--home-dir", Root, "--shell", "/usr/sbin/nologin", User);
        _created = true;
        RunWithInput("/usr/sbin/chpasswd", $"{User}:{Password}\n");
    }

    public override Task DisposeAsync()
    {
        if (_created) { try { Run("/usr/sbin/userdel", User); } catch (InvalidOperationException) { } }
        return base.DisposeAsync();
    }

    private static void RunWithInput(string file, string input)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(input);
        p.StandardInput.Close();
        if (!p.WaitForExit(30_000)) { p.Kill(true); throw new TimeoutException(file); }
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} exited {p.ExitCode}");
    }
}

/// <summary>vsftpd with anonymous reads of <see cref="Root"/>, passive mode on loopback.</summary>
public class VsftpdServer : TestServer
{
    protected override string Binary => "/usr/sbin/vsftpd";
    public string Root => Path.Combine(Dir, "ftproot");

    protected override ProcessStartInfo Prepare(int port)
    {
        Directory.CreateDirectory("/var/run/vsftpd/empty");
        Directory.CreateDirectory(Root);
        File.SetUnixFileMode(Dir, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(Root, (UnixFileMode)0b111_101_101);
        var pasv = FreePort();
        var config = Path.Combine(Dir, "vsftpd.conf");
        File.WriteAllLines(config,
        [
            "listen=YES", "listen_ipv6=NO", "listen_address=127.0.0.1", $"listen_port={port}", "background=NO",
            "anonymous_enable=YES", $"anon_root={Root}", "local_enable=NO", "write_enable=NO", "pasv_enable=YES",
            "pasv_address=127.0.0.1", $"pasv_min_port={pasv}", $"pasv_max_port={pasv}", "seccomp_sandbox=NO",
            "connect_from_port_20=NO", "pasv_promiscuous=YES",
            .. ExtraConfig(),
        ]);
        return new ProcessStartInfo("/usr/sbin/vsftpd", [config]);
    }

    /// <summary>More vsftpd.conf lines (TLS).</summary>
    protected virtual IEnumerable<string> ExtraConfig() => [];

    /// <summary>Writes a file readable by the anonymous user.</summary>
    public void Put(string key, byte[] content)
    {
        var path = Path.Combine(Root, key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
    }
}

/// <summary>
/// vsftpd that demands explicit TLS (AUTH TLS) for the anonymous login and for every data connection, with a
/// self-signed certificate made in its folder. TLS session reuse on the data channel is not required
/// (<c>require_ssl_reuse=NO</c>): the client does not resume the control connection's session.
/// </summary>
public sealed class VsftpdTlsServer : VsftpdServer
{
    public string CertFile => Path.Combine(Dir, "cert.pem");

    protected override IEnumerable<string> ExtraConfig()
    {
        var key = Path.Combine(Dir, "key.pem");
        Run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", CertFile, "-days", "1", "-subj", "/CN=127.0.0.1");
        return
        [
            "ssl_enable=YES", $"rsa_cert_file={CertFile}", $"rsa_private_key_file={key}", "allow_anon_ssl=YES",
            "force_anon_logins_ssl=YES", "force_anon_data_ssl=YES", "require_ssl_reuse=NO",
            "ssl_tlsv1=YES", "ssl_sslv2=NO", "ssl_sslv3=NO", "ssl_ciphers=HIGH",
        ];
    }
}

/// <summary>s3rver (npm, tests/node) with one bucket.</summary>
public sealed class S3rverServer : TestServer
{
    public const string Bucket = "exports";
    private static readonly string Bin = Path.Combine(RepoRoot(), "tests", "node", "node_modules", ".bin", "s3rver");
    protected override string Binary => Bin;

    protected override ProcessStartInfo Prepare(int port) =>
        new(Bin, ["-d", Path.Combine(Dir, "data"), "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent", "--configure-bucket", Bucket]);

    public AmazonS3Client Client() => new(new Amazon.Runtime.BasicAWSCredentials("S3RVER", "S3RVER"),
        new AmazonS3Config { ServiceURL = $"http://127.0.0.1:{Port}", ForcePathStyle = true, AuthenticationRegion = "us-east-1" });

    public async Task PutAsync(string key, byte[] content)
    {
        using var c = Client();
        await c.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = key, InputStream = new MemoryStream(content), UseChunkEncoding = false });
    }

    internal static string RepoRoot()
    {
        var d = new DirectoryInfo(AppContext.BaseDirectory);
        for (var i = 0; i < 10 && d is not null; i++, d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Snapconv.slnx"))) return d.FullName;
        throw new InvalidOperationException("repo root not found");
    }
}
