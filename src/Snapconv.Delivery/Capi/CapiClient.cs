using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using Snapconv.Delivery.Upload;

namespace Snapconv.Delivery.Capi;

/// <summary>
/// Posts prepared bodies to <c>{endpoint}/v3/{pixel}/events[/validate]</c> (spec §1) and classifies the answer.
/// Never throws for HTTP or network failures (they become <see cref="ResponseKind.Transient"/>); throws only
/// <see cref="OperationCanceledException"/> when <c>ct</c> is cancelled.
/// </summary>
public sealed class CapiClient : IDisposable
{
    /// <summary><c>snapconv/&lt;version&gt;</c>.</summary>
    public static readonly string UserAgent = "snapconv/" +
        (typeof(CapiClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0");

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly AuthenticationHeaderValue? _bearer;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _timeout;

    /// <summary>Creates a client for <paramref name="options"/> (validated by the caller).</summary>
    public CapiClient(UploadOptions options, TimeProvider clock, HttpMessageHandler? handler = null)
    {
        _clock = clock;
        _timeout = options.RequestTimeout;
        handler ??= new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(2, options.Concurrency * 2),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
        var path = $"v3/{Uri.EscapeDataString(options.PixelId)}/events{(options.DryRun ? "/validate" : "")}";
        var baseUri = options.Endpoint.AbsoluteUri.EndsWith('/') ? options.Endpoint : new Uri(options.Endpoint.AbsoluteUri + "/");
        var url = new Uri(baseUri, path);
        if (options.Auth == AuthMode.Query)
            url = new Uri(url.AbsoluteUri + "?access_token=" + Uri.EscapeDataString(options.Token));
        else _bearer = new AuthenticationHeaderValue("Bearer", options.Token);
        _url = url;
        RedactedUrl = Redact(url.AbsoluteUri);
    }

    /// <summary>The request URL as it may be logged: <c>access_token=***</c>, userinfo <c>***</c>.</summary>
    public string RedactedUrl { get; }

    /// <summary>The URL with its secrets masked (<see cref="Snapconv.Core.Redaction.Redactor.Url"/>).</summary>
    public static string Redact(string url) => Snapconv.Core.Redaction.Redactor.Url(url);

    /// <summary>Posts one body (<c>{"data":[…]}</c>) and classifies the answer.</summary>
    public async Task<CapiResponse> PostAsync(ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        // Real time: the request timeout bounds HttpClient's wait on a socket, which runs on the wall clock; on the injected
        // clock a test that moves its fake time by hours would time out the requests it has in flight.
        timeout.CancelAfter(_timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ReadOnlyMemoryContent(body) };
            request.Content.Headers.ContentType = Json;
            if (_bearer is not null) request.Headers.Authorization = _bearer;
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            TimeSpan? retryAfter = null;
            if (response.Headers.RetryAfter is { } ra)
                retryAfter = ra.Delta ?? (ra.Date is { } d ? (d > _clock.GetUtcNow() ? d - _clock.GetUtcNow() : TimeSpan.Zero) : null);
            return CapiResponseParser.Parse((int)response.StatusCode, bytes, retryAfter);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return CapiResponse.Network("request timed out");
        }
        catch (HttpRequestException e)
        {
            // The message can carry the URL (and so the token): fixed wording only.
            return CapiResponse.Network("network error (" + (e.HttpRequestError.ToString()) + ")");
        }
        catch (IOException)
        {
            return CapiResponse.Network("connection lost");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
