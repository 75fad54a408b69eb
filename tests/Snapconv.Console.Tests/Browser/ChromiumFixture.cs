using System.Text.Json;
using Microsoft.Playwright;

namespace Snapconv.Console.Tests.Browser;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, or <c>SNAPCONV_CHROMIUM</c>) driven by Playwright, headless, one browser per
/// test collection; each test opens its own context (a fresh profile: its own cookies and storage). Playwright's own
/// browser download is never used. When Chromium or axe-core is missing, <see cref="Require"/> skips the test with a
/// message, or fails it under CI=true (scripts/install-test-deps.sh installs both).
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    /// <summary>Where Debian installs Chromium.</summary>
    public const string DefaultExecutable = "/usr/bin/chromium";
    /// <summary>The viewport widths every page is checked at: a phone and a desktop.</summary>
    public static readonly int[] Widths = [375, 1440];

    // No network beyond the console under test: no QUIC, no background fetches, no component or sync updates.
    private static readonly string[] Args =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>Null when the browser runs; else why it does not.</summary>
    public string? Missing { get; private set; }

    /// <summary>axe-core's <c>axe.min.js</c> (tests/node, npm), injected into every page.</summary>
    public string AxeScript { get; private set; } = "";

    /// <summary>The folder the screenshots are written to: <c>screenshots/</c> in the test's output folder.</summary>
    public static string ScreenshotDir { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>The running browser.</summary>
    public IBrowser Browser => _browser ?? throw new InvalidOperationException(Missing ?? "the browser is not started");

    public async Task InitializeAsync()
    {
        var exe = Environment.GetEnvironmentVariable("SNAPCONV_CHROMIUM") is { Length: > 0 } e ? e : DefaultExecutable;
        var axe = Path.Combine(RepoPaths.Root, "tests", "node", "node_modules", "axe-core", "axe.min.js");
        if (!File.Exists(exe)) { Missing = $"{exe} (Chromium) is not installed"; return; }
        if (!File.Exists(axe)) { Missing = $"{axe} (axe-core, npm) is not installed"; return; }
        AxeScript = await File.ReadAllTextAsync(axe);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = exe,
            Headless = true,
            Args = Args,
            Timeout = 60_000,
        });
        Directory.CreateDirectory(ScreenshotDir);
    }

    /// <summary>Skips the test (fails it under CI=true) when the browser or axe-core is missing.</summary>
    public void Require()
    {
        if (Missing is null) return;
        if (Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail($"{Missing} (CI=true: run scripts/install-test-deps.sh)");
        Skip.If(true, $"{Missing}; run scripts/install-test-deps.sh to install it.");
    }

    /// <summary>
    /// A fresh context (own cookies) at <paramref name="width"/> px wide, with axe-core injected into every document
    /// (an init script, which the pages' Content-Security-Policy does not block) and downloads accepted.
    /// </summary>
    public async Task<IBrowserContext> NewContextAsync(string baseUrl, int width, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        Require();
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = 900 },
            AcceptDownloads = true,
            ExtraHTTPHeaders = headers,
        });
        context.SetDefaultTimeout(20_000);
        await context.AddInitScriptAsync(AxeScript);
        return context;
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
    }
}

/// <summary>What the tests check on every page they open: axe-core finds no serious or critical violation; a screenshot.</summary>
public static class PageChecks
{
    /// <summary>The axe impacts a page must not have.</summary>
    public static readonly string[] FailingImpacts = ["serious", "critical"];

    /// <summary>Runs axe-core on the page and fails with every serious or critical violation (rule, help, elements).</summary>
    public static async Task AssertAccessibleAsync(IPage page, string name)
    {
        var result = await page.EvaluateAsync<JsonElement>(
            "async () => { const r = await axe.run(document, { resultTypes: ['violations'] }); " +
            "return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')) })); }");
        var failing = result.EnumerateArray()
            .Where(v => FailingImpacts.Contains(v.GetProperty("impact").GetString()))
            .Select(v => $"{v.GetProperty("impact").GetString()} {v.GetProperty("id").GetString()}: {v.GetProperty("help").GetString()} at "
                + string.Join(", ", v.GetProperty("nodes").EnumerateArray().Select(n => n.GetString()).Take(5)))
            .ToList();
        Assert.True(failing.Count == 0, $"axe-core on {name} ({page.Url}):\n" + string.Join("\n", failing));
    }

    /// <summary>Writes a full-page screenshot to <see cref="ChromiumFixture.ScreenshotDir"/> as <c>NAME-WIDTHpx.png</c>; returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var width = page.ViewportSize?.Width ?? 0;
        var path = Path.Combine(ChromiumFixture.ScreenshotDir, $"{name}-{width}px.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <summary>Both checks: axe, then the screenshot.</summary>
    public static async Task<string> CheckAsync(IPage page, string name)
    {
        await AssertAccessibleAsync(page, name);
        return await ScreenshotAsync(page, name);
    }

    /// <summary>Fails when the page is wider than its viewport (a horizontal scroll bar at 375 px).</summary>
    public static async Task AssertNoHorizontalScrollAsync(IPage page, string name)
    {
        var (scroll, client) = (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth"),
            await page.EvaluateAsync<int>("() => document.documentElement.clientWidth"));
        Assert.True(scroll <= client + 1, $"{name} at {client} px is {scroll} px wide (scrolls sideways)");
    }
}
