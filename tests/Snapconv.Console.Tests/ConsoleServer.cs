using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Snapconv.Cli.Serve;
using Snapconv.Core.Samples;
using Snapconv.Delivery.Resilience;
using Snapconv.Jobs;
using Snapconv.Sandbox;

namespace Snapconv.Console.Tests;

/// <summary>A temporary folder, deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    /// <summary>The folder.</summary>
    public string Path { get; } = Directory.CreateTempSubdirectory("snapconv-console-").FullName;
    /// <summary>A path inside the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);
    /// <inheritdoc />
    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Path, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// <c>snapconv serve</c> in-process on 127.0.0.1:0 with the console, a temporary state folder and an in-process sandbox
/// (Snap's API) whose first pixel's token is in the environment variable <see cref="TokenEnv"/>. For the API, security and
/// browser tests: <c>await using var s = await ConsoleServer.StartAsync();</c> then <c>s.Http</c> (base address set).
/// </summary>
public sealed class ConsoleServer : IAsyncDisposable
{
    private ConsoleServer(TempDir dir, RunningSandbox sandbox, RunningServe serve, string tokenEnv, string? consoleToken)
    {
        Dir = dir;
        Sandbox = sandbox;
        Serve = serve;
        TokenEnv = tokenEnv;
        ConsoleToken = consoleToken;
        BaseAddress = new Uri(serve.Addresses[0].TrimEnd('/') + "/");
        Http = NewClient();
    }

    /// <summary>The temporary folder (state in <c>state/</c>, job files and data where the test puts them).</summary>
    public TempDir Dir { get; }
    /// <summary>Snap's API, in-process.</summary>
    public RunningSandbox Sandbox { get; }
    /// <summary>The serve under test.</summary>
    public RunningServe Serve { get; }
    /// <summary>The environment variable holding the sandbox pixel's access token.</summary>
    public string TokenEnv { get; }
    /// <summary>The console token, or null.</summary>
    public string? ConsoleToken { get; }
    /// <summary>The console's address (<c>http://127.0.0.1:PORT/</c>).</summary>
    public Uri BaseAddress { get; }
    /// <summary>A client on <see cref="BaseAddress"/> (no redirects followed, no cookies, bearer set when there is a token).</summary>
    public HttpClient Http { get; }
    /// <summary>The sandbox pixel.</summary>
    public string PixelId => Sandbox.Pixels[0].PixelId;
    /// <summary>The state folder.</summary>
    public string StateDir => Dir.File("state");

    /// <summary>
    /// Starts serve. <paramref name="jobFileYaml"/> (with <c>{endpoint}</c>, <c>{pixel}</c>, <c>{token_env}</c> filled in) is
    /// written to <c>jobs.yaml</c> and given as JOB_FILE; <paramref name="prepare"/> runs on the folder first.
    /// </summary>
    public static async Task<ConsoleServer> StartAsync(string? jobFileYaml = null, string? consoleToken = null, Action<TempDir>? prepare = null,
        int sandboxLatencyMs = 0, TimeProvider? clock = null)
    {
        var dir = new TempDir();
        var sandbox = await SandboxApp.StartAsync(new SandboxOptions { Urls = "http://127.0.0.1:0", LogRequests = false, LatencyMs = sandboxLatencyMs }, TimeProvider.System);
        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(tokenEnv, sandbox.Pixels[0].Token);
        try
        {
            prepare?.Invoke(dir);
            var files = new List<JobFile>();
            if (jobFileYaml is not null)
            {
                File.WriteAllText(dir.File("jobs.yaml"), Fill(jobFileYaml, sandbox, tokenEnv));
                files.Add(JobFileLoader.Load(dir.File("jobs.yaml")));
            }
            clock ??= TimeProvider.System;
            var log = new RunLog(LogFormat.Json, clock, TextWriter.Null);
            var runner = new JobRunner(log, clock) { Retry = new RetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(20) } };
            var serve = await ServeHost.StartAsync(files, runner, log, new ServeOptions
            {
                Urls = "http://127.0.0.1:0",
                StateDir = dir.File("state"),
                ConsoleToken = consoleToken,
            });
            return new ConsoleServer(dir, sandbox, serve, tokenEnv, consoleToken);
        }
        catch
        {
            await sandbox.DisposeAsync();
            dir.Dispose();
            throw;
        }
    }

    /// <summary>Fills <c>{endpoint}</c>, <c>{pixel}</c> and <c>{token_env}</c>.</summary>
    public string Fill(string text) => Fill(text, Sandbox, TokenEnv);

    private static string Fill(string text, RunningSandbox sandbox, string tokenEnv) => text
        .Replace("{endpoint}", sandbox.BaseAddress.ToString(), StringComparison.Ordinal)
        .Replace("{pixel}", sandbox.Pixels[0].PixelId, StringComparison.Ordinal)
        .Replace("{token_env}", tokenEnv, StringComparison.Ordinal);

    /// <summary>A new client on the console (no redirects, no cookie container; bearer when a token is set).</summary>
    public HttpClient NewClient(bool bearer = true, bool cookies = false)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = cookies };
        var http = new HttpClient(handler) { BaseAddress = BaseAddress };
        if (bearer && ConsoleToken is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ConsoleToken);
        return http;
    }

    /// <summary>Keys of a console job reading <c>*.csv</c> from <paramref name="folder"/> (created) into the sandbox.</summary>
    public string JobKeysJson(string name, string folder, string? schedule = null, string extra = "")
    {
        Directory.CreateDirectory(Dir.File(folder));
        var schedulePart = schedule is null ? "" : $",\"schedule\":\"{schedule}\"";
        return $$"""{"name":"{{name}}","pixel_id":"{{PixelId}}","token_env":"{{TokenEnv}}","endpoint":"{{Sandbox.BaseAddress}}","default_country":"US"{{schedulePart}},"delivery":{"sample_gate":false},"source":{"type":"local","path":{{JsonSerializer.Serialize(Dir.File(folder))}},"pattern":"*.csv"}{{extra}}}""";
    }

    /// <summary>Writes <paramref name="rows"/> synthetic rows (5 % invalid) to <paramref name="path"/>.</summary>
    public static void WriteRows(string path, long rows, int seed)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        SyntheticConversions.Write(w, new SyntheticOptions { Rows = rows, Seed = seed, InvalidRate = 0.05, Now = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero) });
        File.WriteAllText(path, w.ToString().Replace("ORD-", $"ORD-{seed}-", StringComparison.Ordinal));
    }

    /// <summary>POSTs JSON text.</summary>
    public Task<HttpResponseMessage> PostJsonAsync(string path, string json, HttpClient? client = null) =>
        (client ?? Http).PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    /// <summary>GETs and parses JSON (asserting 200).</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var r = await Http.GetAsync(path);
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, $"GET {path}: {(int)r.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Polls <c>GET /api/runs/{id}</c> until the run finished (bounded: 60 s).</summary>
    public async Task<JsonElement> WaitForRunAsync(long id)
    {
        for (var i = 0; i < 600; i++)
        {
            var run = await GetJsonAsync($"api/runs/{id}");
            if (run.GetProperty("finished_at").ValueKind != JsonValueKind.Null) return run;
            await Task.Delay(100);
        }
        throw new TimeoutException($"run {id} did not finish in 60 s");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Serve.StopAsync(TimeSpan.FromSeconds(20));
        await Sandbox.DisposeAsync();
        Environment.SetEnvironmentVariable(TokenEnv, null);
        Dir.Dispose();
    }
}
