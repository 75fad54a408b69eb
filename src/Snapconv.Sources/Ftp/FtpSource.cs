using System.Globalization;
using System.Net.Sockets;
using System.Security.Authentication;
using Snapconv.Core.Formats;
using Snapconv.Sources.Staging;
namespace Snapconv.Sources.Ftp;

/// <summary>Files on an FTP/FTPS server through <see cref="FtpClient"/>; identity is size and MDTM time.</summary>
internal sealed class FtpSource(FtpSourceOptions options, Func<string, string?> env) : ISource
{
    private const int MaxDepth = 16;
    private readonly GlobPattern _glob = new(options.Pattern);
    private FtpClient? _client;

    public string Description => $"ftp {options.Host}:{options.Port.ToString(CultureInfo.InvariantCulture)}{(options.Path.StartsWith('/') ? "" : "/")}{options.Path}";

    private async Task<FtpClient> ClientAsync(CancellationToken ct)
    {
        if (_client is not null) return _client;
        var password = "anonymous@";
        if (options.PasswordEnv is { } pe)
            password = env(pe) is { Length: > 0 } p ? p : throw new SourceException($"ftp source: environment variable {pe} is not set.", isConfiguration: true);
        var client = new FtpClient(options.Host, options.Port, TimeSpan.FromSeconds(options.TimeoutSecs), options.Tls == FtpTls.Explicit, options.TlsAcceptAnyCertificate);
        try
        {
            await client.ConnectAsync(options.Username, password, ct).ConfigureAwait(false);
        }
        catch (FtpException e) when (e.Code is 530 or 331 or 332)
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw new SourceException($"ftp source: login as '{options.Username}' at {options.Host} was refused.", e, isConfiguration: true);
        }
        catch (AuthenticationException e)
        {
            // The server's certificate is not trusted (self-signed, wrong name) or TLS could not be agreed.
            await client.DisposeAsync().ConfigureAwait(false);
            throw new SourceException($"ftp source: TLS with {options.Host}:{options.Port.ToString(CultureInfo.InvariantCulture)} failed: its certificate is not trusted or no TLS version/cipher is shared. For a self-signed certificate, trust it on this machine or set tls_accept_any_certificate: true.", e, isConfiguration: true);
        }
        catch (Exception e) when (IsTransport(e, ct))
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw new SourceException($"ftp source: {options.Host}:{options.Port.ToString(CultureInfo.InvariantCulture)} is unreachable or failed ({Describe(e)}).", e);
        }
        _client = client;
        return client;
    }

    public async Task<IReadOnlyList<SourceObject>> ListAsync(SourceContext context, CancellationToken ct)
    {
        var client = await ClientAsync(ct).ConfigureAwait(false);
        var list = new List<SourceObject>();
        try
        {
            await WalkAsync(client, options.Path, "", 0, list, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (IsTransport(e, ct))
        {
            await ResetAsync().ConfigureAwait(false);
            throw new SourceException($"ftp source: listing '{options.Path}' failed ({Describe(e)}).", e);
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return list;
    }

    private async Task WalkAsync(FtpClient client, string dir, string rel, int depth, List<SourceObject> into, CancellationToken ct)
    {
        foreach (var e in await client.ListAsync(dir, ct).ConfigureAwait(false))
        {
            if (e.Name.StartsWith('.')) continue;
            var relPath = rel.Length == 0 ? e.Name : rel + "/" + e.Name;
            if (e.IsDirectory)
            {
                if (_glob.Recursive && depth < MaxDepth) await WalkAsync(client, FtpClient.Combine(dir, e.Name), relPath, depth + 1, into, ct).ConfigureAwait(false);
            }
            else if (_glob.IsMatch(relPath))
            {
                into.Add(new SourceObject(relPath, e.Size, e.Modified?.UtcTicks.ToString(CultureInfo.InvariantCulture), e.Modified));
            }
        }
    }

    public async Task<FetchResult> FetchAsync(SourceObject obj, string destination, string? previousVersion, SourceContext context, CancellationToken ct)
    {
        var client = await ClientAsync(ct).ConfigureAwait(false);
        try
        {
            await using var output = new FileStream(destination, SourceStaging.StagedFileOptions);
            await client.RetrieveAsync(FtpClient.Combine(options.Path, obj.Key), output, ct).ConfigureAwait(false);
            return new FetchResult();
        }
        catch (Exception e) when (IsTransport(e, ct))
        {
            await ResetAsync().ConfigureAwait(false);
            throw new SourceException($"ftp source: reading '{obj.Key}' failed ({Describe(e)}).", e);
        }
    }

    private static bool IsTransport(Exception e, CancellationToken ct) =>
        e is FtpException or SocketException or IOException or AuthenticationException
        || (e is OperationCanceledException && !ct.IsCancellationRequested);

    private static string Describe(Exception e) => e switch
    {
        // 522: vsftpd's answer when it requires the data connection to resume the control connection's TLS session.
        FtpException { Code: 522 } f => f.Message + "; the server may require TLS session reuse on data connections, which snapconv does not do (vsftpd: require_ssl_reuse=NO)",
        FtpException f => f.Message,
        _ => e.GetType().Name,
    };

    private async Task ResetAsync()
    {
        if (_client is { } c) await c.DisposeAsync().ConfigureAwait(false);
        _client = null;
    }

    public async ValueTask DisposeAsync() => await ResetAsync().ConfigureAwait(false);
}
