// Why our own FTP client: no maintained FTP package is available to this build (FluentFTP is not served and
// .NET's FtpWebRequest is obsolete), and what a source needs is small: log in, list, size and read files over
// plain or explicit-TLS FTP. Replace it with a maintained client when one can be referenced.
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Snapconv.Sources.Ftp;

/// <summary>A reply of an FTP server: its code and its text (all lines joined).</summary>
internal readonly record struct FtpReply(int Code, string Text)
{
    public bool IsPositive => Code is >= 100 and < 400;
}

/// <summary>An entry of a listing.</summary>
internal sealed record FtpEntry(string Name, bool IsDirectory, long? Size, DateTimeOffset? Modified);

/// <summary>An FTP error the server answered with (code and fixed wording; the server's text is not echoed).</summary>
internal sealed class FtpException(string message, int code = 0, Exception? inner = null) : Exception(message, inner)
{
    public int Code { get; } = code;
}

/// <summary>
/// A small FTP/FTPS client on .NET sockets (RFC 959, 2228, 2428, 3659, 4217): USER/PASS, TYPE I, EPSV with PASV
/// fallback (the data address is always the control connection's peer, never the address the server names), MLSD
/// with NLST + SIZE + MDTM fallback, RETR; explicit TLS with AUTH TLS, PBSZ 0, PROT P. One transfer at a time.
/// </summary>
internal sealed class FtpClient : IAsyncDisposable
{
    private readonly string _host;
    private readonly int _port;
    private readonly TimeSpan _timeout;
    private readonly bool _tls;
    private readonly bool _acceptAnyCertificate;
    private TcpClient? _control;
    private Stream? _stream;
    private IPAddress? _peer;
    private bool _protP;
    private bool? _mlsd;
    private bool? _epsv;

    public FtpClient(string host, int port, TimeSpan timeout, bool tls = false, bool acceptAnyCertificate = false)
    {
        _host = host;
        _port = port;
        _timeout = timeout;
        _tls = tls;
        _acceptAnyCertificate = acceptAnyCertificate;
    }

    /// <summary>Commands sent, for tests (passwords are recorded as <c>PASS ***</c>).</summary>
    public List<string> Transcript { get; } = [];

    public async Task ConnectAsync(string user, string password, CancellationToken ct)
    {
        _control = new TcpClient { NoDelay = true };
        using (var cts = Timeout(ct)) await _control.ConnectAsync(_host, _port, cts.Token).ConfigureAwait(false);
        _peer = ((IPEndPoint)_control.Client.RemoteEndPoint!).Address;
        _stream = _control.GetStream();
        Expect(await ReadReplyAsync(ct).ConfigureAwait(false), 220, "greeting");
        if (_tls)
        {
            Expect(await CommandAsync("AUTH TLS", ct).ConfigureAwait(false), 234, "AUTH TLS");
            _stream = await TlsAsync(_stream, ct).ConfigureAwait(false);
        }
        var reply = await CommandAsync("USER " + user, ct).ConfigureAwait(false);
        if (reply.Code == 331) reply = await CommandAsync("PASS " + password, ct).ConfigureAwait(false);
        if (reply.Code != 230) throw new FtpException($"login refused ({reply.Code})", reply.Code);
        if (_tls)
        {
            Expect(await CommandAsync("PBSZ 0", ct).ConfigureAwait(false), 200, "PBSZ");
            Expect(await CommandAsync("PROT P", ct).ConfigureAwait(false), 200, "PROT P");
            _protP = true;
        }
        Expect(await CommandAsync("TYPE I", ct).ConfigureAwait(false), 200, "TYPE I");
    }

    /// <summary>Lists a folder: MLSD when the server has it, else NLST with SIZE and MDTM per name.</summary>
    public async Task<IReadOnlyList<FtpEntry>> ListAsync(string path, CancellationToken ct)
    {
        if (_mlsd != false)
        {
            var (reply, bytes) = await TransferAsync("MLSD " + path, ct, allowRefusal: true).ConfigureAwait(false);
            if (reply.IsPositive)
            {
                _mlsd = true;
                return ParseMlsd(Encoding.UTF8.GetString(bytes));
            }
            if (reply.Code is 500 or 501 or 502 or 504) _mlsd = false;
            else throw new FtpException($"listing refused ({reply.Code})", reply.Code);
        }
        var (nlst, data) = await TransferAsync("NLST " + path, ct, allowRefusal: true).ConfigureAwait(false);
        if (nlst.Code == 550 || nlst.Code == 450) return []; // empty or missing folder (vsftpd answers 226 with no data when empty)
        if (!nlst.IsPositive) throw new FtpException($"listing refused ({nlst.Code})", nlst.Code);
        var entries = new List<FtpEntry>();
        foreach (var line in Encoding.UTF8.GetString(data).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var name = line.TrimEnd('/');
            var slash = name.LastIndexOf('/');
            if (slash >= 0) name = name[(slash + 1)..];
            if (name is "." or ".." || name.Length == 0) continue;
            var full = Combine(path, name);
            var size = await SizeAsync(full, ct).ConfigureAwait(false);
            if (size is null) { entries.Add(new FtpEntry(name, true, null, null)); continue; }
            entries.Add(new FtpEntry(name, false, size, await ModifiedAsync(full, ct).ConfigureAwait(false)));
        }
        return entries;
    }

    /// <summary>SIZE; null when the server refuses it (a folder, or no such file).</summary>
    public async Task<long?> SizeAsync(string path, CancellationToken ct)
    {
        var r = await CommandAsync("SIZE " + path, ct).ConfigureAwait(false);
        return r.Code == 213 && long.TryParse(r.Text.AsSpan(4).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>MDTM; null when refused.</summary>
    public async Task<DateTimeOffset?> ModifiedAsync(string path, CancellationToken ct)
    {
        var r = await CommandAsync("MDTM " + path, ct).ConfigureAwait(false);
        return r.Code == 213 ? ParseTime(r.Text[4..].Trim()) : null;
    }

    /// <summary>RETR into <paramref name="output"/>, streamed.</summary>
    public async Task RetrieveAsync(string path, Stream output, CancellationToken ct)
    {
        var data = await OpenDataAsync(ct).ConfigureAwait(false);
        try
        {
            var reply = await CommandAsync("RETR " + path, ct).ConfigureAwait(false);
            if (reply.Code is not (125 or 150)) throw new FtpException($"download refused ({reply.Code})", reply.Code);
            await using (var stream = await DataStreamAsync(data, ct).ConfigureAwait(false))
                await stream.CopyToAsync(output, 1 << 16, ct).ConfigureAwait(false);
        }
        finally
        {
            data.Dispose();
        }
        var done = await ReadReplyAsync(ct).ConfigureAwait(false);
        if (done.Code is not (226 or 250)) throw new FtpException($"download did not complete ({done.Code})", done.Code);
    }

    private async Task<(FtpReply Reply, byte[] Data)> TransferAsync(string command, CancellationToken ct, bool allowRefusal)
    {
        var data = await OpenDataAsync(ct).ConfigureAwait(false);
        try
        {
            var reply = await CommandAsync(command, ct).ConfigureAwait(false);
            if (reply.Code is not (125 or 150))
            {
                if (allowRefusal && reply.Code >= 400) return (reply, []);
                // Some servers answer 226 directly for an empty listing.
                return (reply, []);
            }
            var buffer = new MemoryStream();
            await using (var stream = await DataStreamAsync(data, ct).ConfigureAwait(false))
            using (var cts = Timeout(ct))
                await stream.CopyToAsync(buffer, cts.Token).ConfigureAwait(false);
            var done = await ReadReplyAsync(ct).ConfigureAwait(false);
            return (done, buffer.ToArray());
        }
        finally
        {
            data.Dispose();
        }
    }

    private async Task<TcpClient> OpenDataAsync(CancellationToken ct)
    {
        int port;
        if (_epsv != false)
        {
            var r = await CommandAsync("EPSV", ct).ConfigureAwait(false);
            if (r.Code == 229)
            {
                _epsv = true;
                port = ParseEpsv(r.Text);
                return await ConnectDataAsync(port, ct).ConfigureAwait(false);
            }
            _epsv = false;
        }
        var p = await CommandAsync("PASV", ct).ConfigureAwait(false);
        if (p.Code != 227) throw new FtpException($"passive mode refused ({p.Code})", p.Code);
        port = ParsePasv(p.Text);
        return await ConnectDataAsync(port, ct).ConfigureAwait(false);
    }

    private async Task<TcpClient> ConnectDataAsync(int port, CancellationToken ct)
    {
        var data = new TcpClient { NoDelay = true };
        try
        {
            using var cts = Timeout(ct);
            await data.ConnectAsync(_peer!, port, cts.Token).ConfigureAwait(false);
            return data;
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    private async Task<Stream> DataStreamAsync(TcpClient data, CancellationToken ct)
    {
        Stream s = data.GetStream();
        if (_protP) s = await TlsAsync(s, ct).ConfigureAwait(false);
        return s;
    }

    private async Task<Stream> TlsAsync(Stream inner, CancellationToken ct)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions { TargetHost = _host };
        if (_acceptAnyCertificate) options.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        using var cts = Timeout(ct);
        await ssl.AuthenticateAsClientAsync(options, cts.Token).ConfigureAwait(false);
        return ssl;
    }

    private async Task<FtpReply> CommandAsync(string command, CancellationToken ct)
    {
        Transcript.Add(command.StartsWith("PASS ", StringComparison.Ordinal) ? "PASS ***" : command);
        if (command.AsSpan().IndexOfAny('\r', '\n') >= 0) throw new FtpException("a path or name holds a line break");
        var bytes = Encoding.UTF8.GetBytes(command + "\r\n");
        using (var cts = Timeout(ct))
        {
            await _stream!.WriteAsync(bytes, cts.Token).ConfigureAwait(false);
            await _stream.FlushAsync(cts.Token).ConfigureAwait(false);
        }
        return await ReadReplyAsync(ct).ConfigureAwait(false);
    }

    private async Task<FtpReply> ReadReplyAsync(CancellationToken ct)
    {
        using var cts = Timeout(ct);
        var first = await ReadLineAsync(cts.Token).ConfigureAwait(false);
        if (first.Length < 3 || !int.TryParse(first.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture, out var code))
            throw new FtpException("the server's reply is not FTP");
        var text = new StringBuilder(first);
        if (first.Length > 3 && first[3] == '-')
        {
            // Multi-line reply: ends with the same code and a space. Bounded.
            for (var i = 0; i < 10_000; i++)
            {
                var line = await ReadLineAsync(cts.Token).ConfigureAwait(false);
                text.Append('\n').Append(line);
                if (line.Length >= 4 && line.StartsWith(first[..3], StringComparison.Ordinal) && line[3] == ' ') break;
            }
        }
        return new FtpReply(code, text.ToString());
    }

    private async Task<string> ReadLineAsync(CancellationToken ct)
    {
        var bytes = new List<byte>(128);
        var one = new byte[1];
        while (bytes.Count < 8192)
        {
            var n = await _stream!.ReadAsync(one, ct).ConfigureAwait(false);
            if (n == 0) throw new FtpException("the server closed the connection");
            if (one[0] == '\n') break;
            if (one[0] != '\r') bytes.Add(one[0]);
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private CancellationTokenSource Timeout(CancellationToken ct)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Real time: the timeout bounds a socket's wait on the FTP server, which runs on the wall clock, not on the run's.
        cts.CancelAfter(_timeout);
        return cts;
    }

    private static void Expect(FtpReply reply, int code, string step)
    {
        if (reply.Code != code) throw new FtpException($"{step} refused ({reply.Code})", reply.Code);
    }

    internal static string Combine(string dir, string name) => dir.EndsWith('/') ? dir + name : dir + "/" + name;

    /// <summary>Port of a 229 reply: <c>229 Entering Extended Passive Mode (|||6446|)</c>.</summary>
    internal static int ParseEpsv(string text)
    {
        var open = text.IndexOf('(');
        var close = text.IndexOf(')', open + 1);
        if (open < 0 || close < 0) throw new FtpException("malformed EPSV reply");
        var parts = text[(open + 1)..close].Split(text[open + 1]);
        if (parts.Length < 4 || !int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw new FtpException("malformed EPSV reply");
        return port;
    }

    /// <summary>Port of a 227 reply: <c>227 Entering Passive Mode (127,0,0,1,39,16)</c>. The address is ignored.</summary>
    internal static int ParsePasv(string text)
    {
        var open = text.IndexOf('(');
        var close = text.IndexOf(')', open + 1);
        var span = open >= 0 && close > open ? text[(open + 1)..close] : text[4..].Trim();
        var parts = span.Split(',');
        if (parts.Length != 6 || !int.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var hi)
            || !int.TryParse(parts[5], NumberStyles.None, CultureInfo.InvariantCulture, out var lo) || hi > 255 || lo > 255)
            throw new FtpException("malformed PASV reply");
        return hi * 256 + lo;
    }

    /// <summary>Parses MLSD lines: <c>type=file;size=12;modify=20240501120000; name.csv</c>.</summary>
    internal static List<FtpEntry> ParseMlsd(string text)
    {
        var entries = new List<FtpEntry>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var space = line.IndexOf(' ');
            if (space <= 0) continue;
            var name = line[(space + 1)..];
            string? type = null;
            long? size = null;
            DateTimeOffset? modified = null;
            foreach (var fact in line[..space].Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = fact.IndexOf('=');
                if (eq <= 0) continue;
                var key = fact[..eq].ToLowerInvariant();
                var value = fact[(eq + 1)..];
                switch (key)
                {
                    case "type": type = value.ToLowerInvariant(); break;
                    case "size": if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) size = n; break;
                    case "modify": modified = ParseTime(value); break;
                }
            }
            if (type is "cdir" or "pdir" || name is "." or "..") continue;
            entries.Add(new FtpEntry(name, type == "dir", size, modified));
        }
        return entries;
    }

    /// <summary>Parses <c>YYYYMMDDHHMMSS[.sss]</c> (UTC).</summary>
    internal static DateTimeOffset? ParseTime(string value)
    {
        var dot = value.IndexOf('.');
        var main = dot >= 0 ? value[..dot] : value;
        return DateTimeOffset.TryParseExact(main, "yyyyMMddHHmmss", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_stream is not null)
        {
            try
            {
                // Real time: QUIT is a courtesy write to the server's socket, bounded on the wall clock.
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _stream.WriteAsync("QUIT\r\n"u8.ToArray(), cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException) { }
            await _stream.DisposeAsync().ConfigureAwait(false);
        }
        _control?.Dispose();
    }
}
