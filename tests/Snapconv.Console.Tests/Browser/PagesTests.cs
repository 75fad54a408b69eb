using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Snapconv.State;
using static Microsoft.Playwright.Assertions;

namespace Snapconv.Console.Tests.Browser;

/// <summary>
/// Every page of the console in Chromium, at 375 px and 1440 px: what it shows for a given store, axe-core finds no serious
/// or critical violation, nothing scrolls sideways, and a screenshot of each lands in the test output's screenshots/.
/// The runtime is <see cref="FakeRuntime"/> here; <see cref="ConsoleEndToEndTests"/> drives serve itself.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PagesTests(ChromiumFixture chromium)
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static async Task<(long LastSales, long FailedCrm)> SeedAsync(PagesHost host)
    {
        host.Runtime.Add(PagesHost.Job("store-sales", next: Now.AddMinutes(20)));
        host.Runtime.Add(PagesHost.Job("crm-nightly", definedIn: "/etc/snapconv/jobs.yaml", schedule: "30 2 * * *", next: Now.AddHours(5)));
        host.Runtime.Add(PagesHost.Job("pos-hourly", schedule: null));
        long last = 0;
        for (var d = 29; d >= 0; d--)
        {
            var rejected = new Dictionary<string, long> { ["MISSING_USER_DATA"] = d % 4 + 1 };
            if (d % 5 == 0) rejected["INVALID_EVENT_TIME"] = 2;
            last = await host.AddRunAsync("store-sales", Now.Date.AddDays(-d).AddHours(Math.Min(6, Now.Hour)), 100 + d * 7 % 50, rejected);
        }
        await host.AddRunAsync("crm-nightly", Now.AddDays(-1), 40);
        var failed = await host.AddRunAsync("crm-nightly", Now.AddHours(-3), 0, outcome: "source_unavailable", exitCode: 4,
            message: "sftp crm.example:22: connection refused; the objects are read next run.");
        return (last, failed);
    }

    /// <summary>Opens <paramref name="path"/> at each width; checks status, axe, width; screenshots; runs <paramref name="check"/> on each.</summary>
    private async Task VisitAsync(string baseUrl, string path, string name, Func<IPage, Task>? check = null, int status = 200)
    {
        foreach (var width in ChromiumFixture.Widths)
        {
            await using var context = await chromium.NewContextAsync(baseUrl, width);
            var page = await context.NewPageAsync();
            var response = await page.GotoAsync(path);
            Assert.Equal(status, response!.Status);
            if (check is not null) await check(page);
            await PageChecks.CheckAsync(page, name);
            await PageChecks.AssertNoHorizontalScrollAsync(page, name);
        }
    }

    [SkippableFact]
    public async Task JobsPage_JobsWithRuns_EveryJobShownAndTheFailedOneStandsOut()
    {
        chromium.Require();
        await using var host = await PagesHost.StartAsync();
        var (_, failed) = await SeedAsync(host);

        await VisitAsync(host.Url, "/", "jobs", async page =>
        {
            await Expect(page.Locator("h1")).ToHaveTextAsync("Jobs");
            await Expect(page.Locator("tbody tr")).ToHaveCountAsync(3);
            var crm = page.Locator("tbody tr", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = "crm-nightly" }) });
            await Expect(crm).ToHaveClassAsync("failed");
            await Expect(crm.Locator(".badge")).ToHaveTextAsync("Source unavailable");
            await Expect(page.Locator(".alert.failed")).ToContainTextAsync("1 job failed its last run");
            await Expect(page.Locator($".alert.failed a[href='/runs/{failed}']")).ToHaveTextAsync("crm-nightly");
            await Expect(crm).ToContainTextAsync("job file");
            var pos = page.Locator("tbody tr", new() { Has = page.GetByRole(AriaRole.Link, new() { Name = "pos-hourly" }) });
            await Expect(pos).ToContainTextAsync("never run");
            await Expect(pos).Not.ToHaveClassAsync("failed");
        });
    }

    [SkippableFact]
    public async Task JobPage_ThirtyDaysOfRuns_ChartSettingsCoverageAndRunsNewestFirst()
    {
        chromium.Require();
        await using var host = await PagesHost.StartAsync();
        var (last, _) = await SeedAsync(host);

        await VisitAsync(host.Url, "/jobs/store-sales", "job", async page =>
        {
            await Expect(page.Locator("h1")).ToHaveTextAsync("store-sales");
            // A secret only as its reference.
            await Expect(page.Locator("dl.settings")).ToContainTextAsync("token_env");
            await Expect(page.Locator("dl.settings")).ToContainTextAsync("SNAP_TOKEN");
            // One bar group a day, both series drawn.
            await Expect(page.Locator("figure.chart svg > g:has(rect)")).ToHaveCountAsync(30);
            await Expect(page.Locator("figure.chart rect.rejected")).ToHaveCountAsync(30);
            // The newest run first, 25 a page, a link to the older ones.
            await Expect(page.Locator("table.runs tbody tr")).ToHaveCountAsync(JobModelPageSize);
            await Expect(page.Locator("table.runs tbody tr").First.Locator("a")).ToHaveAttributeAsync("href", $"/runs/{last}");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Older runs" })).ToBeVisibleAsync();
            // Coverage of the last run: e-mail on every event, phone on 60 %.
            await Expect(page.Locator("table.coverage tr", new() { HasText = "E-mail" })).ToContainTextAsync("100 %");
            await Expect(page.Locator("table.coverage tr", new() { HasText = "Phone" })).ToContainTextAsync("60 %");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Export YAML" })).ToHaveAttributeAsync("href", "/api/jobs/store-sales/export.yaml");
        });
        await VisitAsync(host.Url, "/jobs/crm-nightly", "job-from-file", async page =>
        {
            await Expect(page.Locator(".note")).ToContainTextAsync("/etc/snapconv/jobs.yaml");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Edit" })).ToHaveCountAsync(0);
        });
    }

    private const int JobModelPageSize = Snapconv.Console.Pages.Jobs.JobModel.PageSize;

    [SkippableFact]
    public async Task RunPage_RunWithRejects_ReasonsWithSnapCodeAndFixAndTheRejectsDownload()
    {
        chromium.Require();
        await using var host = await PagesHost.StartAsync();
        var (last, failed) = await SeedAsync(host);

        await VisitAsync(host.Url, $"/runs/{last}", "run", async page =>
        {
            var missing = page.Locator("table.reasons tr", new() { HasText = "MISSING_USER_DATA" });
            await Expect(missing).ToContainTextAsync("505");
            await Expect(missing.Locator("td.fix")).ToContainTextAsync("no usable e-mail, phone or mobile ad id");
            await Expect(page.Locator("section", new() { Has = page.Locator("#warnings-h") })).ToContainTextAsync("INVALID_PHONE");
            await Expect(page.Locator("table.objects")).ToContainTextAsync("sales-");
            await Expect(page.Locator("ol.log li")).ToHaveCountAsync(2);
        });

        await using var context = await chromium.NewContextAsync(host.Url, 1440);
        var p = await context.NewPageAsync();
        await p.GotoAsync($"/runs/{last}");
        var download = await p.RunAndWaitForDownloadAsync(() => p.GetByRole(AriaRole.Link, new() { NameRegex = new("Download rejects") }).ClickAsync());
        var text = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Contains("MISSING_USER_DATA", text);
        Assert.Equal($"store-sales-run-{last}-rejects.csv", download.SuggestedFilename);

        await VisitAsync(host.Url, $"/runs/{failed}", "run-failed", async page =>
        {
            await Expect(page.Locator(".badge.big")).ToHaveTextAsync("Source unavailable");
            await Expect(page.Locator(".alert.failed")).ToContainTextAsync("connection refused");
        });
    }

    [SkippableFact]
    public async Task RunPage_WhileRunning_UpdatesItselfWhenTheRunEnds()
    {
        chromium.Require();
        await using var host = await PagesHost.StartAsync();
        host.Runtime.Add(PagesHost.Job("store-sales"));
        var started = await host.Runtime.RunNowAsync("store-sales", default);
        await using var context = await chromium.NewContextAsync(host.Url, 1440);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/runs/{started.RunId}");
        await Expect(page.Locator(".badge.big")).ToHaveTextAsync("Running");
        await PageChecks.CheckAsync(page, "run-running");

        await host.Runtime.FinishAsync("store-sales", new RunFinish
        {
            FinishedAt = DateTimeOffset.UtcNow, Outcome = "completed", ExitCode = 0, Counts = new RunCounts(10, 9, 1, 0, 0, 9, 9),
        });

        // No reload: console.js polls the page and swaps its live part.
        await Expect(page.Locator(".badge.big")).ToHaveTextAsync("Completed", new() { Timeout = 15_000 });
        await Expect(page.Locator("dl.stats")).ToContainTextAsync("9");
    }

    [SkippableFact]
    public async Task JobForm_SaveEmptyThenFixed_ErrorsNextToFieldsThenTestPreviewSave()
    {
        chromium.Require();
        await using var host = await PagesHost.StartAsync();
        await VisitAsync(host.Url, "/jobs/new", "job-new");
        await using var context = await chromium.NewContextAsync(host.Url, 1440);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/jobs/new");

        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator("#error-summary")).ToBeVisibleAsync();
        await Expect(page.Locator("#f-pixel-id-error")).ToHaveTextAsync("required.");
        await Expect(page.Locator("#f-pixel-id")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#f-local-source-path-error")).ToHaveTextAsync("required.");
        await PageChecks.CheckAsync(page, "job-new-errors");

        await page.FillAsync("[name=name]", "store-sales");
        await page.FillAsync("[name=pixel_id]", "px-1");
        await page.FillAsync("[name=token_env]", "WRONG_VAR");
        await page.FillAsync("#f-local-source-path", "/data/sales");
        await page.FillAsync("[name=schedule]", "0 * * * *");
        await Expect(page.Locator("#schedule-next li")).ToHaveCountAsync(3);

        await page.GetByRole(AriaRole.Button, new() { Name = "Test connection" }).ClickAsync();
        await Expect(page.Locator("#test-result h2")).ToHaveTextAsync("Connection failed");
        await Expect(page.Locator("#test-result")).ToContainTextAsync("401 Unauthorized");
        await page.FillAsync("[name=token_env]", FakeRuntime.GoodTokenEnv);
        await page.GetByRole(AriaRole.Button, new() { Name = "Test connection" }).ClickAsync();
        await Expect(page.Locator("#test-result h2")).ToHaveTextAsync("Connection works");
        // The form kept what was typed across the post, and the schedule's next times are drawn by the server too.
        await Expect(page.Locator("#f-local-source-path")).ToHaveValueAsync("/data/sales");
        await Expect(page.Locator("#schedule-next li")).ToHaveCountAsync(3);

        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Expect(page.Locator("#preview-result table.events tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#preview-result table.reasons")).ToContainTextAsync("MISSING_USER_DATA");
        await PageChecks.CheckAsync(page, "job-new-preview");

        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/jobs/store-sales\\?saved=true$"));
        await Expect(page.Locator(".alert.ok")).ToHaveTextAsync("Saved.");
        var saved = host.Runtime.Job("store-sales")!;
        Assert.Equal("/data/sales", saved.Settings.GetProperty("source").GetProperty("path").GetString());
        Assert.Equal(FakeRuntime.GoodTokenEnv, saved.Settings.GetProperty("token_env").GetString());

        await VisitAsync(host.Url, "/jobs/store-sales/edit", "job-edit", async p =>
        {
            await Expect(p.Locator("[name=name]")).Not.ToBeEditableAsync();
            await Expect(p.Locator("#f-local-source-path")).ToHaveValueAsync("/data/sales");
            // Only the chosen kind's fields are shown and posted.
            await Expect(p.Locator("fieldset.kind-fields[data-kind=s3]")).ToBeHiddenAsync();
            await p.SelectOptionAsync("[name='source.type']", "s3");
            await Expect(p.Locator("[name='source.bucket']")).ToBeVisibleAsync();
            await Expect(p.Locator("#f-local-source-path")).ToBeDisabledAsync();
            await Expect(p.Locator("#f-s3-source-bucket")).ToBeEnabledAsync();
        });
    }

    [SkippableFact]
    public async Task JobPage_Delete_AsksFirstThenDeletesAndKeepsTheRuns()
    {
        chromium.Require();
        await using var host = await PagesHost.StartAsync();
        host.Runtime.Add(PagesHost.Job("old-job"));
        var run = await host.AddRunAsync("old-job", Now.AddDays(-2), 10);
        await using var context = await chromium.NewContextAsync(host.Url, 1440);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/jobs/old-job");

        // Dismissed: nothing happens.
        void Dismiss(object? _, IDialog d) => _ = d.DismissAsync();
        page.Dialog += Dismiss;
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("old-job");
        Assert.NotNull(host.Runtime.Job("old-job"));

        page.Dialog -= Dismiss;
        page.Dialog += (_, d) => _ = d.AcceptAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Jobs");
        Assert.Null(host.Runtime.Job("old-job"));
        Assert.NotNull(await host.Store.GetRunAsync(run));
    }

    [SkippableFact]
    public async Task MissingJobOrRun_NotFoundPageWith404()
    {
        chromium.Require();
        await using var host = await PagesHost.StartAsync();
        await VisitAsync(host.Url, "/jobs/no-such-job", "not-found", async page =>
            await Expect(page.Locator(".empty p").First).ToContainTextAsync("There is no job 'no-such-job'"), status: 404);
        await using var context = await chromium.NewContextAsync(host.Url, 1440);
        var p = await context.NewPageAsync();
        Assert.Equal(404, (await p.GotoAsync("/runs/999"))!.Status);
        await Expect(p.Locator("h1")).ToHaveTextAsync("Not found");
        // The edit form of a missing job leads to the job's page, which says so.
        Assert.Equal(404, (await p.GotoAsync("/jobs/no-such-job/edit"))!.Status);
        await Expect(p).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/jobs/no-such-job$"));
    }

    [SkippableFact]
    public async Task Login_WithAConsoleToken_WrongTokenSaysSoRightTokenLetsIn()
    {
        chromium.Require();
        const string token = "console-token-for-the-login-test";
        await using var host = await PagesHost.StartAsync(token);
        await VisitAsync(host.Url, "/login", "login");
        await using var context = await chromium.NewContextAsync(host.Url, 375);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/jobs/new");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login\\?return="));
        await page.FillAsync("#token", "not-the-token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Expect(page.Locator("#token-error")).ToHaveTextAsync("That token is not the console token.");
        await PageChecks.CheckAsync(page, "login-wrong");

        await page.FillAsync("#token", token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("New job");
        var cookie = (await context.CookiesAsync()).Single(c => c.Name == ConsoleOptions.CookieName);
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Log out" })).ToBeVisibleAsync();
    }

    [SkippableFact]
    public async Task CrossSiteFormPost_RunNow_RefusedAndNoRunStarted()
    {
        chromium.Require();
        await using var host = await PagesHost.StartAsync();
        host.Runtime.Add(PagesHost.Job("store-sales"));
        // Another site (localhost is another site than 127.0.0.1) with a form aimed at the console's Run now.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var evil = builder.Build();
        evil.MapGet("/", () => Results.Content(
            $"<!DOCTYPE html><html lang=en><title>other site</title><form method=post action='{host.Url}/jobs/store-sales?handler=RunNow'><button>Go</button></form>",
            "text/html"));
        await evil.StartAsync();
        var evilUrl = evil.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("127.0.0.1", "localhost");

        await using var context = await chromium.NewContextAsync(evilUrl, 1440);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");
        var response = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("button"), r => r.Request.Method == "POST");

        Assert.Equal((int)HttpStatusCode.Forbidden, response.Status);
        Assert.False(host.Runtime.IsRunning("store-sales"));
        Assert.Empty(await host.Store.ListRunsAsync("store-sales", 10));
    }
}
