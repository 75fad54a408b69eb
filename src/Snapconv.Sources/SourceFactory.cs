using Snapconv.Sources.Ftp;
using Snapconv.Sources.Http;
using Snapconv.Sources.Local;
using Snapconv.Sources.S3;
using Snapconv.Sources.Sftp;
using Snapconv.Sources.Sql;

namespace Snapconv.Sources;

/// <summary>The one way to create a source from validated options.</summary>
public static class SourceFactory
{
    /// <summary>Creates the source of <paramref name="options"/>' kind.</summary>
    /// <param name="env">Reads an environment variable (secrets are referenced by name). Default: the process environment.</param>
    /// <exception cref="SourceException">A referenced secret is missing or unreadable.</exception>
    public static ISource Create(SourceOptions options, Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        return options switch
        {
            LocalSourceOptions o => new LocalSource(o),
            S3SourceOptions o => new S3Source(o, env),
            SftpSourceOptions o => new SftpSource(o, env),
            FtpSourceOptions o => new FtpSource(o, env),
            HttpSourceOptions o => new HttpSource(o, env),
            SqlSourceOptions o => new SqlSource(o, env),
            _ => throw new ArgumentException("unknown source kind", nameof(options)),
        };
    }
}
