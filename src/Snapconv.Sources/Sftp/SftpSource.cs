using System.Globalization;
using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;
using Snapconv.Core.Formats;
using Snapconv.Sources.Staging;
namespace Snapconv.Sources.Sftp;

/// <summary>
/// Files on an SFTP server (SSH.NET). The host key is checked against <c>host_key_sha256</c> before any login:
/// a mismatch is an error and nothing is sent; <c>any</c> must be explicit to skip the check.
/// </summary>
internal sealed class SftpSource : ISource
{
    private const int MaxDepth = 16;
    private const int MaxEntries = 100_000;
    private readonly SftpSourceOptions _options;
    private readonly GlobPattern _glob;
    private readonly ConnectionInfo _connection;
    private SftpClient? _client;
    private string? _seenFingerprint;

    public SftpSource(SftpSourceOptions options, Func<string, string?> env)
    {
        _options = options;
        _glob = new GlobPattern(options.Pattern);
        var methods = new List<AuthenticationMethod>();
        if (options.PrivateKeyFile is { } keyPath)
        {
            var passphrase = options.PassphraseEnv is { } pe ? env(pe) : null;
            try
            {
                var key = passphrase is null ? new PrivateKeyFile(keyPath) : new PrivateKeyFile(keyPath, passphrase);
                methods.Add(new PrivateKeyAuthenticationMethod(options.Username, key));
            }
            catch (Exception e) when (e is IOException or SshException or UnauthorizedAccessException or ArgumentException)
            {
                throw new SourceException($"sftp source: cannot load private_key_file '{keyPath}' ({e.GetType().Name}).", e, isConfiguration: true);
            }
        }
        if (options.PasswordEnv is { } pwEnv)
        {
            var password = env(pwEnv);
            if (string.IsNullOrEmpty(password)) throw new SourceException($"sftp source: environment variable {pwEnv} is not set.", isConfiguration: true);
            methods.Add(new PasswordAuthenticationMethod(options.Username, password));
        }
        _connection = new ConnectionInfo(options.Host, options.Port, options.Username, methods.ToArray())
        {
            Timeout = TimeSpan.FromSeconds(options.TimeoutSecs),
        };
    }

    public string Description => $"sftp {_options.Host}:{_options.Port.ToString(CultureInfo.InvariantCulture)}/{_options.Path}";

    private async Task<SftpClient> ClientAsync(SourceContext context, CancellationToken ct)
    {
        if (_client is { IsConnected: true }) return _client;
        _client?.Dispose();
        var client = new SftpClient(_connection) { OperationTimeout = TimeSpan.FromSeconds(_options.TimeoutSecs) };
        client.HostKeyReceived += (_, e) =>
        {
            _seenFingerprint = "SHA256:" + e.FingerPrintSHA256;
            e.CanTrust = _options.HostKeySha256 == SftpSourceOptions.AnyHostKey
                || string.Equals(_options.HostKeySha256?.TrimEnd('='), _seenFingerprint.TrimEnd('='), StringComparison.Ordinal);
        };
        try
        {
            await client.ConnectAsync(ct).ConfigureAwait(false);
        }
        catch (SshConnectionException e) when (_seenFingerprint is not null && _options.HostKeySha256 != SftpSourceOptions.AnyHostKey
            && !string.Equals(_options.HostKeySha256?.TrimEnd('='), _seenFingerprint.TrimEnd('='), StringComparison.Ordinal))
        {
            client.Dispose();
            throw new SourceException($"sftp source: host key of {_options.Host} is {_seenFingerprint}, not the host_key_sha256 configured; refusing to connect.", e, isConfiguration: true);
        }
        catch (SshAuthenticationException e)
        {
            client.Dispose();
            throw new SourceException($"sftp source: login as '{_options.Username}' at {_options.Host} was refused.", e, isConfiguration: true);
        }
        catch (Exception e) when (e is SocketException or SshException or IOException or TimeoutException)
        {
            client.Dispose();
            throw new SourceException($"sftp source: {_options.Host}:{_options.Port.ToString(CultureInfo.InvariantCulture)} is unreachable ({e.GetType().Name}).", e);
        }
        if (_options.HostKeySha256 == SftpSourceOptions.AnyHostKey)
            context.Log($"sftp host key of {_options.Host} is {_seenFingerprint} (not checked: host_key_sha256 is 'any')");
        _client = client;
        return client;
    }

    public async Task<IReadOnlyList<SourceObject>> ListAsync(SourceContext context, CancellationToken ct)
    {
        var client = await ClientAsync(context, ct).ConfigureAwait(false);
        var list = new List<SourceObject>();
        var root = _options.Path.TrimEnd('/');
        if (root.Length == 0) root = "/";
        try
        {
            await WalkAsync(client, root, "", 0, list, ct).ConfigureAwait(false);
        }
        catch (SftpPathNotFoundException e)
        {
            throw new SourceException($"sftp source: folder '{_options.Path}' does not exist.", e, isConfiguration: true);
        }
        catch (Exception e) when (e is SshException or IOException or SocketException)
        {
            throw new SourceException($"sftp source: listing '{_options.Path}' failed ({e.GetType().Name}).", e);
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return list;
    }

    private async Task WalkAsync(SftpClient client, string dir, string rel, int depth, List<SourceObject> into, CancellationToken ct)
    {
        await foreach (var f in client.ListDirectoryAsync(dir, ct).ConfigureAwait(false))
        {
            if (f.Name is "." or ".." || f.Name.StartsWith('.')) continue;
            if (into.Count >= MaxEntries) return;
            var relPath = rel.Length == 0 ? f.Name : rel + "/" + f.Name;
            if (f.IsDirectory)
            {
                if (_glob.Recursive && depth < MaxDepth) await WalkAsync(client, f.FullName, relPath, depth + 1, into, ct).ConfigureAwait(false);
            }
            else if (f.IsRegularFile && _glob.IsMatch(relPath))
            {
                into.Add(new SourceObject(relPath, f.Length, f.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture), new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero)));
            }
        }
    }

    public async Task<FetchResult> FetchAsync(SourceObject obj, string destination, string? previousVersion, SourceContext context, CancellationToken ct)
    {
        var client = await ClientAsync(context, ct).ConfigureAwait(false);
        var remote = _options.Path.TrimEnd('/') + "/" + obj.Key;
        try
        {
            await using var input = await client.OpenAsync(remote, FileMode.Open, FileAccess.Read, ct).ConfigureAwait(false);
            await using var output = new FileStream(destination, SourceStaging.StagedFileOptions);
            await input.CopyToAsync(output, 1 << 16, ct).ConfigureAwait(false);
            return new FetchResult();
        }
        catch (Exception e) when (e is SshException or IOException or SocketException && !ct.IsCancellationRequested)
        {
            throw new SourceException($"sftp source: reading '{obj.Key}' failed ({e.GetType().Name}).", e);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_client is { } c)
        {
            try { if (c.IsConnected) c.Disconnect(); } catch (Exception e) when (e is SshException or IOException or SocketException or ObjectDisposedException) { }
            c.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
