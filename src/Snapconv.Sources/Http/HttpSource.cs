using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Snapconv.Core.Redaction;
using Snapconv.Sources.Staging;

namespace Snapconv.Sources.Http;

/// <summary>
/// One HTTP(S) resource. Identity is the ETag, else Last-Modified; a delivered version is asked for again with
/// If-None-Match / If-Modified-Since, and a 304 reads nothing. <c>${ENV_VAR}</c> in the URL and header values
/// is expanded at request time (the ledger keeps the URL as written, never the expanded secret). With <c>url_env</c> the
/// whole URL comes from an environment variable. Logs, messages and the ledger see the URL only through
/// <see cref="Redactor.Url"/>: no userinfo, no secret query values.
/// </summary>
internal sealed partial class HttpSource : ISource
{
    private readonly HttpSourceOptions _options;
    private readonly Func<string, string?> _env;
    private readonly HttpClient _http;

    public HttpSource(HttpSourceOptions options, Func<string, string?> env, HttpMessageHandler? handler = null)
    {
        _options = options;
        _env = env;
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = TimeSpan.FromSeconds(options.TimeoutSecs);
    }

    public string Description => "http " + Redactor.Url(_options.UrlEnv is { } env ? _env(env) ?? "$" + env : _options.Url);

    public Task<IReadOnlyList<SourceObject>> ListAsync(SourceContext context, CancellationToken ct)
    {
        // The key is the URL as written (with ${VAR} unexpanded, or url_env's value) minus its secrets: a stable identity.
        var key = Redactor.Url(RawUrl(check: true));
        var name = _options.FileName;
        if (name is null)
        {
            var path = Uri.TryCreate(Expand(RawUrl(check: false), check: false), UriKind.Absolute, out var u) ? u.AbsolutePath : "";
            name = Path.GetFileName(path.TrimEnd('/'));
            if (string.IsNullOrEmpty(name)) name = "export";
        }
        return Task.FromResult<IReadOnlyList<SourceObject>>([new SourceObject(key + "#" + name, null, null)]);
    }

    public async Task<FetchResult> FetchAsync(SourceObject obj, string destination, string? previousVersion, SourceContext context, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Expand(RawUrl(check: true), check: true));
        foreach (var (k, v) in _options.Headers) request.Headers.TryAddWithoutValidation(k, Expand(v, check: true));
        if (previousVersion is { } prev)
        {
            if (prev.StartsWith("etag:", StringComparison.Ordinal) && EntityTagHeaderValue.TryParse(prev[5..], out var tag))
                request.Headers.IfNoneMatch.Add(tag);
            else if (prev.StartsWith("modified:", StringComparison.Ordinal) && DateTimeOffset.TryParse(prev[9..], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var since))
                request.Headers.IfModifiedSince = since;
        }
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            throw new SourceException($"http source: {Description} is unreachable ({e.GetType().Name}).", e);
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotModified) return new FetchResult(NotModified: true, Version: previousVersion);
            if (!response.IsSuccessStatusCode)
                throw new SourceException($"http source: {Description} answered {(int)response.StatusCode}.",
                    isConfiguration: response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound);
            var version = response.Headers.ETag is { } etag ? "etag:" + etag
                : response.Content.Headers.LastModified is { } lm ? "modified:" + lm.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : null;
            await using var input = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using var output = new FileStream(destination, SourceStaging.StagedFileOptions);
            try
            {
                await input.CopyToAsync(output, 1 << 16, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                throw new SourceException($"http source: {Description} broke off while downloading ({e.GetType().Name}).", e);
            }
            return new FetchResult(Version: version);
        }
    }

    /// <summary>Expands <c>${NAME}</c> from the environment; a missing variable is an error when <paramref name="check"/>.</summary>
    private string Expand(string text, bool check) => EnvVar().Replace(text, m =>
        _env(m.Groups[1].Value) is { } v ? v
        : check ? throw new SourceException($"http source: environment variable {m.Groups[1].Value} is not set.", isConfiguration: true) : "");

    /// <summary>The URL as written, or the value of <c>url_env</c> (its absence is a configuration error when <paramref name="check"/>).</summary>
    private string RawUrl(bool check) => _options.UrlEnv is not { } name ? _options.Url
        : _env(name) is { Length: > 0 } v ? v.Trim()
        : check ? throw new SourceException($"http source: environment variable {name} (url_env) is not set.", isConfiguration: true) : "";

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex EnvVar();

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
