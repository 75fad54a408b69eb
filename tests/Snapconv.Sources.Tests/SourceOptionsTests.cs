using Snapconv.Core.Options;
using Snapconv.Sources;

namespace Snapconv.Sources.Tests;

// #17: the job file's source keys are derived from the options records; defaults are named constants; errors carry
// their config path in the one wording.
public class SourceOptionsTests
{
    [Fact]
    public void Keys_DerivedFromEachKind_AreTheJobFileKeys()
    {
        Assert.Equal(["local", "s3", "sftp", "ftp", "http", "sql"], SourceOptions.Kinds.Keys);
        Assert.Equal(["path", "pattern", "archive_dir"], OptionBinder.Keys(typeof(LocalSourceOptions)));
        Assert.Equal(["bucket", "prefix", "pattern", "endpoint", "region", "force_path_style", "access_key_env", "secret_key_env"], OptionBinder.Keys(typeof(S3SourceOptions)));
        Assert.Equal(["host", "port", "username", "password_env", "private_key_file", "passphrase_env", "path", "pattern", "host_key_sha256", "timeout_secs"], OptionBinder.Keys(typeof(SftpSourceOptions)));
        Assert.Equal(["host", "port", "username", "password_env", "path", "pattern", "tls", "tls_accept_any_certificate", "timeout_secs"], OptionBinder.Keys(typeof(FtpSourceOptions)));
        Assert.Equal(["url", "url_env", "headers", "file_name", "timeout_secs"], OptionBinder.Keys(typeof(HttpSourceOptions)));
        Assert.Equal(["driver", "connection_env", "connection", "query", "cursor_column", "cursor_start", "timeout_secs"], OptionBinder.Keys(typeof(SqlSourceOptions)));
    }

    [Fact]
    public void Defaults_AreTheNamedConstants()
    {
        Assert.Equal((22, 30, "*"), (new SftpSourceOptions().Port, new SftpSourceOptions().TimeoutSecs, new SftpSourceOptions().Pattern));
        Assert.Equal((21, 30, "anonymous"), (new FtpSourceOptions().Port, new FtpSourceOptions().TimeoutSecs, new FtpSourceOptions().Username));
        Assert.Equal(300, new HttpSourceOptions().TimeoutSecs);
        Assert.Equal(600, new SqlSourceOptions().TimeoutSecs);
        Assert.Equal("us-east-1", new S3SourceOptions().Region);
    }

    [Fact]
    public void Validate_EveryAttributeAndRule_FullText()
    {
        Assert.Equal(
        [
            "s.host: required.",
            "s.port: must be 1–65535 (was 0).",
            "s.username: required.",
            "s.timeout_secs: must be 1–3600 (was 3601).",
            "s.password_env: give password_env or private_key_file.",
            "s.host_key_sha256: required: the server's key as `ssh-keygen -l -E sha256` prints it (SHA256:…), or 'any' to skip the check.",
        ], new SftpSourceOptions { Port = 0, TimeoutSecs = 3601 }.Validate("s").Select(e => e.ToString()));
        Assert.Equal(["s.path: required."], new LocalSourceOptions().Validate("s").Select(e => e.ToString()));
        Assert.Equal(["s.timeout_secs: must be 1–86400 (was 86401)."],
            new HttpSourceOptions { Url = "https://h/x.csv", TimeoutSecs = 86_401 }.Validate("s").Select(e => e.ToString()));
    }
}
