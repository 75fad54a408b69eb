using System.ComponentModel.DataAnnotations;
using Snapconv.Core.Options;

namespace Snapconv.Sources;

/// <summary>
/// Settings of one source (the job file's <c>source:</c> block; <c>type:</c> picks the kind). Secrets are given
/// by reference only (an environment variable name or a file), never as values. <see cref="Validate"/> lists
/// every problem with its path. A job file's keys are the snake_case names of a kind's properties
/// (<see cref="OptionBinder"/>).
/// </summary>
public abstract record SourceOptions
{
    /// <summary>Default glob of the kinds that list files: every file.</summary>
    public const string DefaultPattern = "*";
    /// <summary>Highest TCP port.</summary>
    public const int MaxPort = 65_535;
    /// <summary>Longest connect/operation timeout of a file server (sftp, ftp): one hour.</summary>
    public const int MaxServerTimeoutSecs = 3_600;
    /// <summary>Longest timeout of one download or query (http, sql): one day.</summary>
    public const int MaxTransferTimeoutSecs = 86_400;

    /// <summary>Every kind, by its <c>type:</c> value, with its defaults.</summary>
    public static IReadOnlyDictionary<string, SourceOptions> Kinds { get; } = new SourceOptions[]
    {
        new LocalSourceOptions(), new S3SourceOptions(), new SftpSourceOptions(), new FtpSourceOptions(), new HttpSourceOptions(), new SqlSourceOptions(),
    }.ToDictionary(o => o.Kind, StringComparer.Ordinal);

    /// <summary>The <c>type:</c> value.</summary>
    public abstract string Kind { get; }

    /// <summary>
    /// Every problem, each path under <paramref name="path"/> (e.g. <c>jobs[0].source.port</c>); empty when valid.
    /// The <c>[Required]</c>/<c>[Range]</c> attributes first (<see cref="OptionValidator"/>), then the kind's own rules.
    /// </summary>
    public abstract IReadOnlyList<OptionError> Validate(string path);

    /// <summary>
    /// The same source with another file pattern (a job's <c>contacts.pattern</c> lists its companion objects this
    /// way), or null when the kind lists no files by pattern (http, sql).
    /// </summary>
    public virtual SourceOptions? WithPattern(string pattern) => null;

}

/// <summary>Files in a local folder. Example: <c>{type: local, path: exports/, pattern: "*.csv*", archive_dir: done/}</c>.</summary>
public sealed record LocalSourceOptions : SourceOptions
{
    /// <inheritdoc />
    public override string Kind => "local";
    /// <summary>Folder to read. Required.</summary>
    [Required] public string Path { get; init; } = "";
    /// <summary>Glob relative to <see cref="Path"/>. Default <c>*</c>.</summary>
    public string Pattern { get; init; } = DefaultPattern;
    /// <inheritdoc />
    public override SourceOptions WithPattern(string pattern) => this with { Pattern = pattern };
    /// <summary>Folder the files move to once delivered. Default none (files stay; the ledger skips them).</summary>
    public string? ArchiveDir { get; init; }

    /// <inheritdoc />
    public override IReadOnlyList<OptionError> Validate(string path)
    {
        var e = OptionValidator.Check(this, path);
        return e;
    }
}

/// <summary>Objects in an S3 bucket or an S3-compatible store (MinIO, R2, GCS interoperability).</summary>
public sealed record S3SourceOptions : SourceOptions
{
    /// <inheritdoc />
    public override string Kind => "s3";
    /// <summary>Default region: <c>us-east-1</c>.</summary>
    public const string DefaultRegion = "us-east-1";
    /// <summary>Bucket name. Required.</summary>
    [Required] public string Bucket { get; init; } = "";
    /// <summary>Key prefix, e.g. <c>exports/</c>. Default none.</summary>
    public string Prefix { get; init; } = "";
    /// <summary>Glob over the key after the prefix. Default <c>*</c>.</summary>
    public string Pattern { get; init; } = DefaultPattern;
    /// <inheritdoc />
    public override SourceOptions WithPattern(string pattern) => this with { Pattern = pattern };
    /// <summary>Service URL of an S3-compatible store, e.g. <c>https://storage.googleapis.com</c>. Default: AWS.</summary>
    public string? Endpoint { get; init; }
    /// <summary>Region. Default <c>us-east-1</c>.</summary>
    public string Region { get; init; } = DefaultRegion;
    /// <summary>Path-style addressing (MinIO, most S3-compatible stores). Default false.</summary>
    public bool ForcePathStyle { get; init; }
    /// <summary>Environment variable holding the access key id. Default: the SDK's own chain (env, profile, instance role).</summary>
    public string? AccessKeyEnv { get; init; }
    /// <summary>Environment variable holding the secret key. Required with <see cref="AccessKeyEnv"/>.</summary>
    public string? SecretKeyEnv { get; init; }

    /// <inheritdoc />
    public override IReadOnlyList<OptionError> Validate(string path)
    {
        var e = OptionValidator.Check(this, path);
        if (Endpoint is not null && !Uri.TryCreate(Endpoint, UriKind.Absolute, out _))
            e.Add(new($"{path}.endpoint", $"must be an absolute URL, e.g. http://127.0.0.1:9000."));
        if ((AccessKeyEnv is null) != (SecretKeyEnv is null))
            e.Add(new($"{path}.secret_key_env", $"access_key_env and secret_key_env go together."));
        return e;
    }
}

/// <summary>Files on an SFTP server, with a pinned host key.</summary>
public sealed record SftpSourceOptions : SourceOptions
{
    /// <summary>Value of <see cref="HostKeySha256"/> that accepts any host key (explicit opt-out).</summary>
    public const string AnyHostKey = "any";
    /// <inheritdoc />
    public override string Kind => "sftp";
    /// <summary>Default port: 22.</summary>
    public const int DefaultPort = 22;
    /// <summary>Default timeout: 30 s.</summary>
    public const int DefaultTimeoutSecs = 30;
    /// <summary>Host name or address. Required.</summary>
    [Required] public string Host { get; init; } = "";
    /// <summary>Port. Default 22.</summary>
    [Range(1, MaxPort)] public int Port { get; init; } = DefaultPort;
    /// <summary>User name. Required.</summary>
    [Required] public string Username { get; init; } = "";
    /// <summary>Environment variable holding the password.</summary>
    public string? PasswordEnv { get; init; }
    /// <summary>Private key file (OpenSSH format, unencrypted or with <see cref="PassphraseEnv"/>).</summary>
    public string? PrivateKeyFile { get; init; }
    /// <summary>Environment variable holding the key's passphrase. Default none.</summary>
    public string? PassphraseEnv { get; init; }
    /// <summary>Remote folder. Default <c>.</c> (the login folder).</summary>
    public string Path { get; init; } = ".";
    /// <summary>Glob relative to <see cref="Path"/>. Default <c>*</c>.</summary>
    public string Pattern { get; init; } = DefaultPattern;
    /// <inheritdoc />
    public override SourceOptions WithPattern(string pattern) => this with { Pattern = pattern };
    /// <summary>The server's host key as <c>ssh-keygen -l -E sha256</c> prints it (<c>SHA256:…</c>), or <c>any</c>. Required.</summary>
    public string? HostKeySha256 { get; init; }
    /// <summary>Connect and operation timeout in seconds. Default 30.</summary>
    [Range(1, MaxServerTimeoutSecs)] public int TimeoutSecs { get; init; } = DefaultTimeoutSecs;

    /// <inheritdoc />
    public override IReadOnlyList<OptionError> Validate(string path)
    {
        var e = OptionValidator.Check(this, path);
        if (PasswordEnv is null && PrivateKeyFile is null) e.Add(new($"{path}.password_env", $"give password_env or private_key_file."));
        if (HostKeySha256 is null)
            e.Add(new($"{path}.host_key_sha256", $"required: the server's key as `ssh-keygen -l -E sha256` prints it (SHA256:…), or 'any' to skip the check."));
        else if (HostKeySha256 != AnyHostKey && !HostKeySha256.StartsWith("SHA256:", StringComparison.Ordinal))
            e.Add(new($"{path}.host_key_sha256", $"must start with 'SHA256:' (as ssh-keygen prints it) or be 'any'."));
        return e;
    }
}

/// <summary>TLS mode of an FTP source.</summary>
public enum FtpTls
{
    /// <summary>Plain FTP.</summary>
    None,
    /// <summary>Explicit FTPS: AUTH TLS, then PBSZ 0 and PROT P (data channel encrypted too).</summary>
    Explicit,
}

/// <summary>Files on an FTP or explicit-FTPS server (passive mode).</summary>
public sealed record FtpSourceOptions : SourceOptions
{
    /// <inheritdoc />
    public override string Kind => "ftp";
    /// <summary>Default port: 21.</summary>
    public const int DefaultPort = 21;
    /// <summary>Default timeout: 30 s.</summary>
    public const int DefaultTimeoutSecs = 30;
    /// <summary>Host. Required.</summary>
    [Required] public string Host { get; init; } = "";
    /// <summary>Port. Default 21.</summary>
    [Range(1, MaxPort)] public int Port { get; init; } = DefaultPort;
    /// <summary>User. Default <c>anonymous</c>.</summary>
    [Required] public string Username { get; init; } = "anonymous";
    /// <summary>Environment variable holding the password. Default none (anonymous sends an empty-ish password).</summary>
    public string? PasswordEnv { get; init; }
    /// <summary>Remote folder. Default <c>/</c>.</summary>
    public string Path { get; init; } = "/";
    /// <summary>Glob relative to <see cref="Path"/>. Default <c>*</c>.</summary>
    public string Pattern { get; init; } = DefaultPattern;
    /// <inheritdoc />
    public override SourceOptions WithPattern(string pattern) => this with { Pattern = pattern };
    /// <summary>TLS. Default none.</summary>
    public FtpTls Tls { get; init; } = FtpTls.None;
    /// <summary>Accept any TLS certificate (self-signed servers). Default false.</summary>
    public bool TlsAcceptAnyCertificate { get; init; }
    /// <summary>Timeout in seconds. Default 30.</summary>
    [Range(1, MaxServerTimeoutSecs)] public int TimeoutSecs { get; init; } = DefaultTimeoutSecs;

    /// <inheritdoc />
    public override IReadOnlyList<OptionError> Validate(string path)
    {
        var e = OptionValidator.Check(this, path);
        return e;
    }
}

/// <summary>One HTTP(S) resource (e.g. a CRM export URL). Header values may hold <c>${ENV_VAR}</c>.</summary>
public sealed record HttpSourceOptions : SourceOptions
{
    /// <inheritdoc />
    public override string Kind => "http";
    /// <summary>Default timeout: 5 min.</summary>
    public const int DefaultTimeoutSecs = 300;
    /// <summary>The URL (may hold <c>${ENV_VAR}</c>). Required unless <see cref="UrlEnv"/> is given.</summary>
    public string Url { get; init; } = "";
    /// <summary>
    /// Environment variable holding the whole URL, for URLs that carry a secret (a signed link, <c>?api_key=</c>); a
    /// header (<see cref="Headers"/>) is the better place for a key when the server takes one. Default none.
    /// </summary>
    public string? UrlEnv { get; init; }
    /// <summary>Request headers; values may hold <c>${ENV_VAR}</c>. Default none.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    /// <summary>Name of the staged file (its extension picks the format). Default: the URL's last segment.</summary>
    public string? FileName { get; init; }
    /// <summary>Timeout in seconds. Default 300.</summary>
    [Range(1, MaxTransferTimeoutSecs)] public int TimeoutSecs { get; init; } = DefaultTimeoutSecs;

    /// <inheritdoc />
    public override IReadOnlyList<OptionError> Validate(string path)
    {
        var e = OptionValidator.Check(this, path);
        if (UrlEnv is null) { if (string.IsNullOrWhiteSpace(Url)) e.Add(new($"{path}.url", OptionValidator.RequiredMessage)); }
        else if (!string.IsNullOrWhiteSpace(Url)) e.Add(new($"{path}.url_env", $"give url or url_env (one of them)."));
        if (!string.IsNullOrWhiteSpace(Url) && !Url.Contains("${", StringComparison.Ordinal)
            && (!Uri.TryCreate(Url, UriKind.Absolute, out var u) || (u.Scheme != "http" && u.Scheme != "https")))
            e.Add(new($"{path}.url", $"must be an absolute http(s) URL."));
        foreach (var (k, _) in Headers)
            if (k.Equals("Authorization", StringComparison.OrdinalIgnoreCase) && !Headers[k].Contains("${", StringComparison.Ordinal))
                e.Add(new($"{path}.headers.{k}", $"secrets only by reference: write ${{ENV_VAR}}."));
        return e;
    }
}

/// <summary>SQL drivers.</summary>
public enum SqlDriver
{
    /// <summary>PostgreSQL (Npgsql).</summary>
    Postgres,
    /// <summary>SQLite (Microsoft.Data.Sqlite).</summary>
    Sqlite,
}

/// <summary>
/// A SQL query with an incremental cursor: the query reads the last cursor value as <c>@cursor</c>
/// (<see cref="CursorStart"/> on the first run), e.g. <c>SELECT … FROM sales WHERE updated_at > @cursor</c>.
/// </summary>
public sealed record SqlSourceOptions : SourceOptions
{
    /// <inheritdoc />
    public override string Kind => "sql";
    /// <summary>Default command timeout: 10 min.</summary>
    public const int DefaultTimeoutSecs = 600;
    /// <summary>Driver. Required (a job file must name it).</summary>
    [Required] public SqlDriver Driver { get; init; }
    /// <summary>Environment variable holding the connection string.</summary>
    public string? ConnectionEnv { get; init; }
    /// <summary>A connection string without a password (e.g. <c>Data Source=crm.db</c>).</summary>
    public string? Connection { get; init; }
    /// <summary>The query. Required.</summary>
    [Required] public string Query { get; init; } = "";
    /// <summary>Column whose largest value becomes the next cursor. Default none (the whole query every run).</summary>
    public string? CursorColumn { get; init; }
    /// <summary>The cursor before the first run, e.g. <c>1970-01-01T00:00:00Z</c> or <c>0</c>.</summary>
    public string? CursorStart { get; init; }
    /// <summary>Command timeout in seconds. Default 600.</summary>
    [Range(1, MaxTransferTimeoutSecs)] public int TimeoutSecs { get; init; } = DefaultTimeoutSecs;

    /// <inheritdoc />
    public override IReadOnlyList<OptionError> Validate(string path)
    {
        var e = OptionValidator.Check(this, path);
        if ((ConnectionEnv is null) == (Connection is null)) e.Add(new($"{path}.connection_env", $"give connection_env or connection (one of them)."));
        if (Connection is not null && (Connection.Contains("password", StringComparison.OrdinalIgnoreCase) || Connection.Contains("pwd=", StringComparison.OrdinalIgnoreCase)))
            e.Add(new($"{path}.connection", $"holds a password; put the connection string in an environment variable and name it in connection_env."));
        if (CursorColumn is not null && CursorStart is null) e.Add(new($"{path}.cursor_start", $"required with cursor_column."));
        if (CursorColumn is not null && !Query.Contains("@cursor", StringComparison.Ordinal))
            e.Add(new($"{path}.query", $"must read @cursor when cursor_column is set, e.g. WHERE {CursorColumn} > @cursor."));
        return e;
    }
}
