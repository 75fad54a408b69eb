using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Snapconv.Postgres;

/// <summary>A <c>--store</c> value that is not a usable PostgreSQL address. The message names the part at fault and never repeats the value (it could hold a password).</summary>
public sealed class PostgresUrlException(string message) : FormatException(message);

/// <summary>
/// The address of a PostgreSQL store: <c>postgresql://USER@HOST[:PORT]/DB[?sslmode=MODE&amp;schema=NAME&amp;connect_timeout_secs=N]</c>
/// (<c>postgres://</c> too; user and database percent-decoded; an IPv6 host in brackets). The URL never holds the
/// password, so that it can be printed and logged as it is (<see cref="ToString"/>): the password comes by
/// reference (<see cref="ToConnectionString"/>). Unknown query keys are errors.
/// </summary>
public sealed partial record PostgresUrl
{
    /// <summary>PostgreSQL's port when the URL names none: 5432.</summary>
    public const int DefaultPort = 5432;
    /// <summary>The schema of the project's tables when the URL names none: <c>snapconv</c>.</summary>
    public const string DefaultSchema = "snapconv";
    /// <summary>The environment variable libpq and Npgsql read a password from.</summary>
    public const string PasswordVariable = "PGPASSWORD";
    /// <summary>The environment variable naming a password file (<c>host:port:db:user:password</c> lines).</summary>
    public const string PassfileVariable = "PGPASSFILE";

    private static readonly string[] QueryKeys = ["sslmode", "schema", "connect_timeout_secs"];

    /// <summary>The user to log in as (required).</summary>
    public required string User { get; init; }
    /// <summary>Host name or address (an IPv6 address without brackets).</summary>
    public required string Host { get; init; }
    /// <summary>TCP port. Default 5432.</summary>
    public int Port { get; init; } = DefaultPort;
    /// <summary>Database name (required).</summary>
    public required string Database { get; init; }
    /// <summary>Schema of the project's tables (<c>[a-z_][a-z0-9_]*</c>, at most 63 characters). Default <c>snapconv</c>.</summary>
    public string Schema { get; init; } = DefaultSchema;
    /// <summary>TLS mode (<c>sslmode=</c>: disable, allow, prefer, require, verify-ca, verify-full). Default: Npgsql's (prefer).</summary>
    public SslMode? SslMode { get; init; }
    /// <summary>Seconds to wait for a connection (<c>connect_timeout_secs=</c>, 1-600). Default: Npgsql's (15).</summary>
    public int? ConnectTimeoutSecs { get; init; }

    /// <summary>Parses <paramref name="text"/>.</summary>
    /// <exception cref="PostgresUrlException">The value is not a usable address; the message says which part and how to fix it.</exception>
    public static PostgresUrl Parse(string? text) =>
        TryParse(text, out var url, out var error) ? url : throw new PostgresUrlException(error);

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says why (without repeating the value).</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out PostgresUrl? url, [NotNullWhen(false)] out string? error)
    {
        url = null;
        error = Check(text, out var parsed);
        if (error is not null) return false;
        url = parsed!;
        return true;
    }

    /// <summary>The URL as it may be printed and logged: <c>postgresql://USER@HOST:PORT/DB</c> and the query keys set (never a password: the URL holds none).</summary>
    public override string ToString()
    {
        var host = Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;
        var s = string.Create(CultureInfo.InvariantCulture, $"postgresql://{Uri.EscapeDataString(User)}@{host}:{Port}/{Uri.EscapeDataString(Database)}");
        var query = new List<string>();
        if (SslMode is { } mode) query.Add("sslmode=" + SslModeName(mode));
        if (Schema != DefaultSchema) query.Add("schema=" + Schema);
        if (ConnectTimeoutSecs is { } t) query.Add(string.Create(CultureInfo.InvariantCulture, $"connect_timeout_secs={t}"));
        return query.Count == 0 ? s : s + "?" + string.Join('&', query);
    }

    /// <summary>
    /// The Npgsql connection string, with the password taken by reference: from the variable
    /// <paramref name="passwordEnv"/> when given (<c>--store-password-env</c>), else from <c>PGPASSWORD</c>, else
    /// from the file <c>PGPASSFILE</c> names, else none (Npgsql then reads <c>~/.pgpass</c>; trust and peer logins
    /// need none). The result holds the password: never print or log it.
    /// </summary>
    /// <param name="applicationName">Shown in <c>pg_stat_activity</c> (e.g. the node name). Default <c>snapconv</c>.</param>
    /// <param name="env">Environment lookup. Default: the process environment.</param>
    /// <exception cref="PostgresUrlException"><paramref name="passwordEnv"/> names a variable that is not set, or is not a variable name.</exception>
    public string ToConnectionString(string? passwordEnv = null, string? applicationName = null, Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        var b = new NpgsqlConnectionStringBuilder
        {
            Host = Host, Port = Port, Username = User, Database = Database,
            ApplicationName = applicationName ?? "snapconv",
        };
        if (SslMode is { } mode) b.SslMode = mode;
        if (ConnectTimeoutSecs is { } t) b.Timeout = t;
        if (passwordEnv is not null)
        {
            if (!VariableName().IsMatch(passwordEnv))
                throw new PostgresUrlException("--store-password-env takes the name of an environment variable (letters, digits, '_'), not the password itself.");
            b.Password = env(passwordEnv) is { Length: > 0 } p
                ? p
                : throw new PostgresUrlException($"--store-password-env names {passwordEnv}, which is not set (or empty): set it to the store's password.");
        }
        else if (env(PasswordVariable) is { Length: > 0 } p) b.Password = p;
        else if (env(PassfileVariable) is { Length: > 0 } f) b.Passfile = f;
        return b.ConnectionString;
    }

    private static string? Check(string? text, out PostgresUrl? url)
    {
        url = null;
        const string form = "postgresql://USER@HOST:PORT/DB";
        if (string.IsNullOrWhiteSpace(text)) return $"--store is empty: give the store as {form}.";
        text = text.Trim();
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        var scheme = schemeEnd < 0 ? "" : text[..schemeEnd];
        if (!scheme.Equals("postgresql", StringComparison.OrdinalIgnoreCase) && !scheme.Equals("postgres", StringComparison.OrdinalIgnoreCase))
            return $"--store must be a postgresql:// URL ({form}).";
        // Checked before anything else, so that no later message can be about a URL that holds a secret.
        var authorityEnd = text.IndexOfAny(['/', '?', '#'], schemeEnd + 3);
        var authority = authorityEnd < 0 ? text[(schemeEnd + 3)..] : text[(schemeEnd + 3)..authorityEnd];
        var at = authority.LastIndexOf('@');
        if (at >= 0 && authority[..at].Contains(':', StringComparison.Ordinal))
            return $"--store must not hold a password (the URL is printed in logs): give it by reference, in {PasswordVariable}, in the file {PassfileVariable} names, or in a variable named by --store-password-env.";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
            return $"--store is not a valid URL: give it as {form}.";
        if (at < 0 || uri.UserInfo.Length == 0) return $"--store names no user: give it as {form}.";
        if (uri.Host.Length == 0) return $"--store names no host: give it as {form}.";
        if (uri.Fragment.Length > 0) return "--store must not have a '#' part.";
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length == 0 || path.Contains('/', StringComparison.Ordinal)) return $"--store names no database (one path segment): give it as {form}.";
        var parsed = new PostgresUrl
        {
            User = Uri.UnescapeDataString(uri.UserInfo),
            Host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port,
            Database = Uri.UnescapeDataString(path),
        };
        if (parsed.Port is < 1 or > 65535) return "--store: the port must be 1-65535.";
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            switch (key)
            {
                case "sslmode":
                    if (ParseSslMode(value) is not { } mode) return "--store: sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full.";
                    parsed = parsed with { SslMode = mode };
                    break;
                case "schema":
                    if (!SchemaName().IsMatch(value)) return "--store: schema must be a lower-case name ([a-z_][a-z0-9_]*, at most 63 characters).";
                    parsed = parsed with { Schema = value };
                    break;
                case "connect_timeout_secs":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var secs) || secs is < 1 or > 600)
                        return "--store: connect_timeout_secs must be a whole number of seconds, 1-600.";
                    parsed = parsed with { ConnectTimeoutSecs = secs };
                    break;
                default:
                    return $"--store: unknown query key '{key}' (known: {string.Join(", ", QueryKeys)}).";
            }
        }
        url = parsed;
        return null;
    }

    private static SslMode? ParseSslMode(string value) => value switch
    {
        "disable" => Npgsql.SslMode.Disable,
        "allow" => Npgsql.SslMode.Allow,
        "prefer" => Npgsql.SslMode.Prefer,
        "require" => Npgsql.SslMode.Require,
        "verify-ca" => Npgsql.SslMode.VerifyCA,
        "verify-full" => Npgsql.SslMode.VerifyFull,
        _ => null,
    };

    private static string SslModeName(SslMode mode) => mode switch
    {
        Npgsql.SslMode.Disable => "disable",
        Npgsql.SslMode.Allow => "allow",
        Npgsql.SslMode.Prefer => "prefer",
        Npgsql.SslMode.Require => "require",
        Npgsql.SslMode.VerifyCA => "verify-ca",
        _ => "verify-full",
    };

    /// <summary>A schema name the project's SQL can quote safely: <c>[a-z_][a-z0-9_]*</c>, at most 63 characters.</summary>
    public const string SchemaPattern = "^[a-z_][a-z0-9_]{0,62}$";
    /// <summary>The error of a schema name that breaks <see cref="SchemaPattern"/> (<c>{0}</c>: the name).</summary>
    public const string SchemaRule = "must be a lower-case name ([a-z_][a-z0-9_]*, at most 63 characters) (was '{0}').";

    /// <summary>A schema name the project's SQL can quote safely.</summary>
    [GeneratedRegex(SchemaPattern)]
    internal static partial Regex SchemaName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableName();
}
