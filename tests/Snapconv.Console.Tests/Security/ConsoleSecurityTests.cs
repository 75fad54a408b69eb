using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Snapconv.Cli.Commands;
using Snapconv.Cli.Serve;
using Snapconv.Jobs;

namespace Snapconv.Console.Tests.Security;

/// <summary>Who may reach the console, and what it never shows (#18).</summary>
public sealed partial class ConsoleSecurityTests
{
    private const string Token = "console-token-0123456789abcdef";

    [Fact]
    public async Task Serve_NonLoopbackWithoutToken_RefusesToStartNamingTheWayOut()
    {
        using var dir = new TempDir();
        var log = new RunLog(LogFormat.Json, TimeProvider.System, TextWriter.Null);

        var e = await Assert.ThrowsAsync<UsageException>(() => ServeHost.StartAsync([], new JobRunner(log, TimeProvider.System), log,
            new ServeOptions { Urls = "http://127.0.0.1:0;http://0.0.0.0:0", StateDir = dir.File("state") }));

        Assert.Contains("'http://0.0.0.0:0' is not a loopback address", e.Message);
        Assert.Contains("SNAPCONV_CONSOLE_TOKEN", e.Message);
        Assert.Contains("--console-token-file", e.Message);
        Assert.False(File.Exists(dir.File("state/state.db")));
    }

    [Theory]
    [InlineData("http://127.0.0.1:9464", null)]
    [InlineData("http://localhost:1;http://[::1]:2", null)]
    [InlineData("http://*:9464", "http://*:9464")]
    [InlineData("http://+:80", "http://+:80")]
    [InlineData("http://192.0.2.10:80", "http://192.0.2.10:80")]
    [InlineData("http://console.example:80", "http://console.example:80")]
    public void NonLoopback_FirstOpenAddress(string urls, string? expected) => Assert.Equal(expected, ServeHost.NonLoopback(urls));

    [Fact]
    public async Task ServeCommand_NonLoopbackWithoutToken_Exit2OneLine()
    {
        using var dir = new TempDir();
        var (code, stderr) = await RunCliAsync(["serve", "--urls", "http://0.0.0.0:0", "--state-dir", dir.File("state")], null);

        Assert.Equal(2, code);
        Assert.Contains("is not a loopback address", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task ServeCommand_ShortToken_Exit2WithoutEchoingIt()
    {
        using var dir = new TempDir();
        var (code, stderr) = await RunCliAsync(["serve", "--urls", "http://127.0.0.1:0", "--state-dir", dir.File("state")], "short-secret");

        Assert.Equal(2, code);
        Assert.Contains("SNAPCONV_CONSOLE_TOKEN: the console token is 12 characters", stderr);
        Assert.DoesNotContain("short-secret", stderr);
    }

    [Fact]
    public async Task WithToken_ApiNeedsBearer_PagesRedirectToLogin_HealthAndMetricsOpen()
    {
        await using var s = await ConsoleServer.StartAsync(consoleToken: Token);
        using var anon = s.NewClient(bearer: false);
        using var wrong = s.NewClient(bearer: false);
        wrong.DefaultRequestHeaders.Authorization = new("Bearer", Token + "x");

        using var api = await anon.GetAsync("api/jobs");
        using var apiWrong = await wrong.GetAsync("api/jobs");
        using var apiRight = await s.Http.GetAsync("api/jobs");
        using var page = await anon.GetAsync("jobs/x?tab=runs");
        using var post = await anon.PostAsync("api/jobs/x/run", null);
        using var health = await anon.GetAsync("healthz");
        using var metrics = await anon.GetAsync("metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal("Bearer", api.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, apiWrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, apiRight.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/login?return=%2Fjobs%2Fx%3Ftab%3Druns", page.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }

    [Fact]
    public async Task Login_RightToken_SetsHttpOnlyStrictCookieThatOpensTheApi()
    {
        await using var s = await ConsoleServer.StartAsync(consoleToken: Token);
        using var browser = s.NewClient(bearer: false, cookies: true);

        var (status, cookies) = await LoginAsync(browser, Token, "/jobs/a");

        Assert.Equal(HttpStatusCode.Redirect, status.StatusCode);
        Assert.Equal("/jobs/a", status.Headers.Location!.OriginalString);
        var cookie = Assert.Single(cookies, c => c.StartsWith("snapconv_console=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Token, cookie);
        using var api = await browser.GetAsync("api/jobs");
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);

        using var logout = await PostFormAsync(browser, "logout", []);
        using var after = await browser.GetAsync("api/jobs");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Login_WrongToken_401FormSaysSoNeverEchoes()
    {
        await using var s = await ConsoleServer.StartAsync(consoleToken: Token);
        using var browser = s.NewClient(bearer: false, cookies: true);
        const string attempt = "wrong-guess-abcdefghijkl";

        var (r, cookies) = await LoginAsync(browser, attempt, "/");

        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        var html = await r.Content.ReadAsStringAsync();
        Assert.Contains("That token is not the console token.", html);
        Assert.DoesNotContain(attempt, html);
        Assert.DoesNotContain(Token, html);
        Assert.DoesNotContain(cookies, c => c.StartsWith("snapconv_console=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Login_PostWithoutAntiforgeryToken_Refused()
    {
        await using var s = await ConsoleServer.StartAsync(consoleToken: Token);
        using var browser = s.NewClient(bearer: false, cookies: true);

        using var r = await browser.PostAsync("login", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = Token, ["return"] = "/" }));

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.DoesNotContain(r.Headers.TryGetValues("Set-Cookie", out var c) ? c : [], x => x.StartsWith("snapconv_console=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Login_ReturnToAnotherSite_StaysOnTheConsole()
    {
        await using var s = await ConsoleServer.StartAsync(consoleToken: Token);
        using var browser = s.NewClient(bearer: false, cookies: true);

        var (r, _) = await LoginAsync(browser, Token, "//evil.example/x");

        Assert.Equal("/", r.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("Origin", "http://evil.example")]
    [InlineData("Origin", "null")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    public async Task CrossSitePost_RefusedEvenWithTheBearer(string header, string value)
    {
        await using var s = await ConsoleServer.StartAsync(consoleToken: Token);
        using var req = new HttpRequestMessage(HttpMethod.Post, "api/jobs") { Content = new StringContent(s.JobKeysJson("x", "in"), System.Text.Encoding.UTF8, "application/json") };
        req.Headers.TryAddWithoutValidation(header, value);

        using var r = await s.Http.SendAsync(req);

        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        Assert.Empty((await s.GetJsonAsync("api/jobs")).EnumerateArray());
    }

    [Fact]
    public async Task SameOriginPost_Accepted()
    {
        await using var s = await ConsoleServer.StartAsync();
        using var req = new HttpRequestMessage(HttpMethod.Post, "api/jobs") { Content = new StringContent(s.JobKeysJson("x", "in"), System.Text.Encoding.UTF8, "application/json") };
        req.Headers.TryAddWithoutValidation("Origin", s.BaseAddress.GetLeftPart(UriPartial.Authority));
        req.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "same-origin");

        using var r = await s.Http.SendAsync(req);

        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
    }

    [Fact]
    public async Task WithoutToken_ForeignHostHeader_Refused()
    {
        await using var s = await ConsoleServer.StartAsync();
        using var req = new HttpRequestMessage(HttpMethod.Get, "api/jobs");
        req.Headers.Host = "attacker.example";

        using var r = await s.Http.SendAsync(req);

        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
    }

    [Fact]
    public async Task EveryAnswer_CarriesCspWithoutInlineScript()
    {
        await using var s = await ConsoleServer.StartAsync(consoleToken: Token);
        foreach (var path in new[] { "login", "api/jobs", "assets/console.css", "jobs/none" })
        {
            using var r = await s.Http.GetAsync(path);
            var csp = string.Join(";", r.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("script-src 'self'", csp);
            Assert.DoesNotContain("unsafe-inline", csp);
            Assert.Contains("frame-ancestors 'none'", csp);
            Assert.Equal("nosniff", r.Headers.GetValues("X-Content-Type-Options").Single());
        }
        using var login = await s.NewClient(bearer: false).GetAsync("login");
        var html = await login.Content.ReadAsStringAsync();
        Assert.DoesNotMatch("<script(?![^>]*\\bsrc=)", html);
        Assert.DoesNotContain(" style=", html);
    }

    [Fact]
    public async Task NoAnswer_HoldsTheAccessTokenOrConsoleToken()
    {
        await using var s = await ConsoleServer.StartAsync(consoleToken: Token);
        using (await s.PostJsonAsync("api/jobs", s.JobKeysJson("t", "in"))) { }
        ConsoleServer.WriteRows(s.Dir.File("in/1.csv"), 60, 4);
        using var run = await s.Http.PostAsync("api/jobs/t/run", null);
        var id = System.Text.Json.JsonDocument.Parse(await run.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
        await s.WaitForRunAsync(id);

        var secret = s.Sandbox.Pixels[0].Token;
        foreach (var path in new[] { "api/jobs", "api/jobs/t", $"api/jobs/t/runs", $"api/runs/{id}", $"api/runs/{id}/log", $"api/runs/{id}/report", "api/jobs/t/export.yaml", "login", "jobs" })
        {
            using var r = await s.Http.GetAsync(path);
            var body = await r.Content.ReadAsStringAsync();
            Assert.DoesNotContain(secret, body);
            Assert.DoesNotContain(Token, body);
            Assert.DoesNotMatch(EmailRegex(), body);
        }
    }

    private static async Task<(HttpResponseMessage Response, IReadOnlyList<string> Cookies)> LoginAsync(HttpClient browser, string token, string back)
    {
        var form = await browser.GetStringAsync("login");
        var r = await PostFormAsync(browser, "login", new() { ["token"] = token, ["return"] = back }, form);
        return (r, r.Headers.TryGetValues("Set-Cookie", out var c) ? c.ToList() : []);
    }

    private static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string path, Dictionary<string, string> fields, string? form = null)
    {
        form ??= await browser.GetStringAsync("login");
        var m = AntiforgeryRegex().Match(form);
        Assert.True(m.Success, form);
        fields[m.Groups[1].Value] = WebUtility.HtmlDecode(m.Groups[2].Value);
        return await browser.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    private static async Task<(int Code, string Stderr)> RunCliAsync(string[] args, string? consoleToken)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "snapconv.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["SNAPCONV_CONSOLE_TOKEN"] = consoleToken ?? "";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await p.WaitForExitAsync(bound.Token); }
        catch (OperationCanceledException) { p.Kill(true); throw; }
        return (p.ExitCode, await stderr);
    }

    [GeneratedRegex("name=\"(__RequestVerificationToken[^\"]*)\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryRegex();

    [GeneratedRegex("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.(com|net|org)")]
    private static partial Regex EmailRegex();
}
