using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Snapconv.Sandbox.Tests;

/// <summary>An in-process sandbox on a TestServer with a fake clock.</summary>
internal sealed class SandboxHarness : IAsyncDisposable
{
    public const string Pixel = "pixel-1";
    public const string Token = "token-1";
    public const string Pixel2 = "pixel-2";
    public const string Token2 = "token-2";
    public const string Em = "542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345";
    public const string Ph = "dc008fda46e2e64002cf2f82a4906236282d431c4f75e5b60bfe79fc48546383";
    /// <summary>2024-12-20T00:00:00Z.</summary>
    public static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(1_734_652_800);
    public static readonly long Now = Start.ToUnixTimeSeconds();

    private SandboxHarness(WebApplication app, FakeTimeProvider clock, StringWriter log)
    {
        App = app;
        Clock = clock;
        Log = log;
        Client = app.GetTestClient();
    }

    public WebApplication App { get; }
    public FakeTimeProvider Clock { get; }
    public StringWriter Log { get; }
    public HttpClient Client { get; }
    internal SandboxRuntime Runtime => App.Services.GetRequiredService<SandboxRuntime>();
    public Snapconv.Sandbox.Store.ISandboxStore Store => App.Services.GetRequiredService<Snapconv.Sandbox.Store.ISandboxStore>();

    public static async Task<SandboxHarness> StartAsync(SandboxOptions? options = null, FakeTimeProvider? clock = null)
    {
        clock ??= new FakeTimeProvider(Start);
        var log = new StringWriter();
        options ??= new SandboxOptions();
        if (options.Pixels.Count == 0)
            options = options with { Pixels = [new PixelCredential(Pixel, Token), new PixelCredential(Pixel2, Token2)] };
        options = options with { Log = log };
        var app = SandboxApp.Build(options, clock, b => b.WebHost.UseTestServer());
        await app.StartAsync();
        return new SandboxHarness(app, clock, log);
    }

    public Task<HttpResponseMessage> PostAsync(string body, string path = "events", string pixel = Pixel, string? token = Token)
    {
        var url = $"/v3/{pixel}/{path}" + (token is null ? "" : "?access_token=" + Uri.EscapeDataString(token));
        return Client.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"));
    }

    public Task<HttpResponseMessage> PostEventsAsync(params JsonObject[] events) => PostAsync(Batch(events));

    public async Task<JsonElement> GetJsonAsync(string url, string? token = null)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, url);
        if (token is not null) req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var res = await Client.SendAsync(req);
        Assert.True(res.IsSuccessStatusCode, $"{url} → {(int)res.StatusCode}");
        return await ReadJsonAsync(res);
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage res)
    {
        var text = await res.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static string Batch(params JsonObject[] events)
    {
        var data = new JsonArray();
        foreach (var e in events) data.Add(e);
        return new JsonObject { ["data"] = data }.ToJsonString();
    }

    /// <summary>A valid offline SIGN_UP (or the named event) with em; PURCHASE gets value and currency.</summary>
    public static JsonObject Event(string name = "SIGN_UP", long? time = null, string? id = null, string source = "OFFLINE")
    {
        var e = new JsonObject
        {
            ["event_name"] = name,
            ["event_time"] = time ?? Now - 3600,
            ["action_source"] = source,
            ["user_data"] = new JsonObject { ["em"] = new JsonArray(Em) },
        };
        if (id is not null) e["event_id"] = id;
        if (name == "PURCHASE") e["custom_data"] = new JsonObject { ["value"] = 99.99m, ["currency"] = "USD" };
        return e;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
