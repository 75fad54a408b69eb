using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Snapconv.Jobs;
using static Microsoft.Playwright.Assertions;

namespace Snapconv.Console.Tests.Browser;

/// <summary>
/// The console as a person uses it, against <c>snapconv serve</c> itself (in-process, with the sandbox as Snap): set up a
/// job in the form, test the connection with a wrong and a right token, preview, save, run now, watch the run finish,
/// open it, download the rejects, edit, export the YAML; and log in when serve has a console token.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsoleEndToEndTests(ChromiumFixture chromium)
{
    [SkippableFact]
    public async Task NewJob_SetUpInTheForm_TestPreviewSaveRunDownloadEditExport()
    {
        chromium.Require();
        await using var s = await ConsoleServer.StartAsync();
        Directory.CreateDirectory(s.Dir.File("in"));
        ConsoleServer.WriteRows(s.Dir.File("in/orders.csv"), 200, seed: 11);
        await using var context = await chromium.NewContextAsync(s.BaseAddress.ToString(), 1440);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/jobs/new");
        await page.FillAsync("[name=name]", "shop");
        await page.FillAsync("[name=pixel_id]", s.PixelId);
        await page.FillAsync("[name=endpoint]", s.Sandbox.BaseAddress.ToString());
        await page.FillAsync("[name=token_env]", "SNAPCONV_TEST_NO_SUCH_VARIABLE");
        await page.FillAsync("#f-local-source-path", s.Dir.File("in"));
        await page.FillAsync("#f-local-source-pattern", "*.csv");
        await page.FillAsync("[name=default_country]", "US");
        await page.FillAsync("[name=schedule]", "0 3 * * *");
        await Expect(page.Locator("#schedule-next li")).ToHaveCountAsync(3);

        // A token reference that holds nothing: the failure as doctor words it, next to the form.
        await page.GetByRole(AriaRole.Button, new() { Name = "Test connection" }).ClickAsync();
        await Expect(page.Locator("#test-result h2")).ToHaveTextAsync("Connection failed");
        await Expect(page.Locator("#test-result")).ToContainTextAsync("SNAPCONV_TEST_NO_SUCH_VARIABLE");
        await PageChecks.CheckAsync(page, "e2e-test-connection-failed");

        await page.FillAsync("[name=token_env]", s.TokenEnv);
        await page.GetByRole(AriaRole.Button, new() { Name = "Test connection" }).ClickAsync();
        await Expect(page.Locator("#test-result h2")).ToHaveTextAsync("Connection works");
        await PageChecks.CheckAsync(page, "e2e-test-connection-ok");

        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Expect(page.Locator("#preview-result")).ToContainTextAsync("Nothing was sent or recorded");
        var previewEvents = await page.Locator("#preview-result table.events tbody tr").CountAsync();
        Assert.InRange(previewEvents, 1, 20);
        await PageChecks.CheckAsync(page, "e2e-preview");
        Assert.Empty(s.Sandbox.GetEvents(s.PixelId));

        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/jobs/shop\\?saved=true$"));
        await Expect(page.Locator("dl.settings")).ToContainTextAsync(s.TokenEnv);

        // Run now, then the run page follows the run to its end by itself.
        await page.GetByRole(AriaRole.Button, new() { Name = "Run now" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/runs/\\d+$"));
        await Expect(page.Locator(".badge.big")).ToHaveTextAsync(new Regex("^(Completed|Events pending|Stopped by the sample gate)$"), new() { Timeout = 60_000 });
        await Expect(page.Locator(".badge.big")).ToHaveTextAsync("Completed");
        var runId = long.Parse(Regex.Match(page.Url, "/runs/(\\d+)$").Groups[1].Value);
        var run = await s.GetJsonAsync($"api/runs/{runId}");
        Assert.True(run.GetProperty("accepted").GetInt64() > 150);
        await Expect(page.Locator("dl.stats")).ToContainTextAsync(run.GetProperty("accepted").GetInt64().ToString("#,0"));
        await Expect(page.Locator("table.reasons").First).ToBeVisibleAsync();
        await PageChecks.CheckAsync(page, "e2e-run");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { NameRegex = new("Download rejects") }).ClickAsync());
        var rejects = await File.ReadAllLinesAsync((await download.PathAsync())!);
        Assert.Equal(run.GetProperty("rejected").GetInt64() + 1, rejects.Length);
        Assert.Contains("reason", rejects[0]);

        // The jobs page shows it; its last run, acknowledged events.
        await page.GotoAsync("/");
        var row = page.Locator("tbody tr", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = "shop" }) });
        await Expect(row.Locator(".badge")).ToHaveTextAsync("Completed");
        await PageChecks.CheckAsync(page, "e2e-jobs");

        // Edit: the form comes back filled; a change is saved.
        await page.GotoAsync("/jobs/shop/edit");
        await Expect(page.Locator("[name=pixel_id]")).ToHaveValueAsync(s.PixelId);
        await Expect(page.Locator("#f-local-source-path")).ToHaveValueAsync(s.Dir.File("in"));
        await page.FillAsync("[name=default_country]", "GB");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator(".alert.ok")).ToHaveTextAsync("Saved.");
        await Expect(page.Locator("dl.settings")).ToContainTextAsync("GB");
        await PageChecks.CheckAsync(page, "e2e-job");

        // Export YAML: the download is the job-file export, and it loads back to the stored job.
        var yamlDownload = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export YAML" }).ClickAsync());
        var yaml = await File.ReadAllTextAsync((await yamlDownload.PathAsync())!);
        Assert.Equal(await s.Http.GetStringAsync("api/jobs/shop/export.yaml"), yaml);
        var loaded = JobFileLoader.Parse(yaml, "export.yaml", s.Dir.Path).Jobs.Single();
        var stored = (await s.GetJsonAsync("api/jobs/shop")).GetProperty("settings");
        Assert.Equal(("shop", s.PixelId, "GB", "0 3 * * *"), (loaded.Name, loaded.PixelId, loaded.DefaultCountry, loaded.Schedule));
        Assert.Equal(stored.GetProperty("default_country").GetString(), loaded.DefaultCountry);
        Assert.Equal(stored.GetProperty("source").GetProperty("path").GetString(), s.Dir.File("in"));
        Assert.DoesNotContain(Environment.GetEnvironmentVariable(s.TokenEnv)!, yaml);
    }

    [SkippableFact]
    public async Task Login_ServeWithAConsoleToken_PagesNeedItAndTheRunPageWorksAtPhoneWidth()
    {
        chromium.Require();
        const string token = "e2e-console-token-0123456789";
        await using var s = await ConsoleServer.StartAsync(consoleToken: token);
        await s.PostJsonAsync("api/jobs", s.JobKeysJson("shop", "in"));
        ConsoleServer.WriteRows(s.Dir.File("in/orders.csv"), 50, seed: 5);
        await using var context = await chromium.NewContextAsync(s.BaseAddress.ToString(), 375);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/jobs/shop");
        await Expect(page).ToHaveURLAsync(new Regex("/login\\?return=%2Fjobs%2Fshop$"));
        await page.FillAsync("#token", token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("shop");

        await page.GetByRole(AriaRole.Button, new() { Name = "Run now" }).ClickAsync();
        await Expect(page.Locator(".badge.big")).ToHaveTextAsync("Completed", new() { Timeout = 60_000 });
        await PageChecks.CheckAsync(page, "e2e-run-logged-in");
        await PageChecks.AssertNoHorizontalScrollAsync(page, "e2e-run-logged-in");
    }
}
