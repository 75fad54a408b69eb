using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Snapconv.Console.Reports;
using Snapconv.State;

namespace Snapconv.Console.Pages.Jobs;

/// <summary>
/// A job (<c>/jobs/{name}</c>): its settings (secrets only as references), its runs newest first (a page at a time),
/// accepted and rejected events per day over 30 days, the identifier coverage of its last run; Run now, Edit, Export YAML.
/// </summary>
public sealed class JobModel(IStateStore store, IConsoleRuntime runtime) : PageModel
{
    /// <summary>Runs a page shows.</summary>
    public const int PageSize = 25;

    public JobView Job { get; private set; } = null!;
    public IReadOnlyList<RunRecord> Runs { get; private set; } = [];
    /// <summary>The id to ask for the next (older) page, or null when this page is the last.</summary>
    public long? OlderThan { get; private set; }
    /// <summary>True when this page is not the newest.</summary>
    public bool IsOlderPage { get; private set; }
    public DailyChart Chart { get; private set; } = null!;
    /// <summary>The newest finished run with a report, and its report.</summary>
    public (RunRecord Run, ReportView Report)? LastReport { get; private set; }
    public DateTimeOffset Now { get; private set; }
    public bool Running { get; private set; }
    public string? Notice { get; private set; }
    /// <summary>Why there is nothing to show (no such job), or null.</summary>
    public string? Missing { get; private set; }

    public async Task<IActionResult> OnGetAsync(string name, long? before, bool? saved, CancellationToken ct)
    {
        if (!await LoadAsync(name, before, ct)) return NotFoundPage(name);
        if (saved == true) Notice = "Saved.";
        return Page();
    }

    public async Task<IActionResult> OnPostRunNowAsync(string name, CancellationToken ct)
    {
        var result = await runtime.RunNowAsync(name, ct);
        if (result is { Status: RunNowStatus.Started, RunId: { } id }) return Redirect($"/runs/{id}");
        if (!await LoadAsync(name, null, ct)) return NotFoundPage(name);
        (Response.StatusCode, Notice) = result.Status == RunNowStatus.Unavailable
            ? (StatusCodes.Status503ServiceUnavailable, $"{name} cannot be started now (serve is starting or stopping, or its store does not answer); try again shortly.")
            : (StatusCodes.Status409Conflict, $"{name} is running already.");
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(string name, CancellationToken ct)
    {
        if (!await runtime.DeleteAsync(name, ct)) return NotFoundPage(name);
        return Redirect("/");
    }

    private PageResult NotFoundPage(string name)
    {
        Missing = $"There is no job '{name}'. It may have been deleted, or its job file is no longer given to serve.";
        Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }

    private async Task<bool> LoadAsync(string name, long? before, CancellationToken ct)
    {
        if (runtime.Job(name) is not { } job) return false;
        Job = job;
        Now = runtime.Clock.GetUtcNow();
        Running = runtime.IsRunning(name);
        var runs = await store.ListRunsAsync(name, PageSize + 1, before, ct);
        Runs = runs.Take(PageSize).ToList();
        OlderThan = runs.Count > PageSize ? Runs[^1].Id : null;
        IsOlderPage = before is not null;
        var today = DateOnly.FromDateTime(Now.UtcDateTime);
        var from = new DateTimeOffset(today.AddDays(1 - ConsoleOptions.ChartDays).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        Chart = new DailyChart(await store.DailyCountsAsync(name, from, from.AddDays(ConsoleOptions.ChartDays), ct), today, ConsoleOptions.ChartDays);
        var newest = IsOlderPage ? await store.ListRunsAsync(name, 10, null, ct) : Runs;
        foreach (var run in newest.Where(r => !r.IsRunning && r.ReportPath is not null).Take(3))
            if (ReportView.TryRead(run.ReportPath) is { } report) { LastReport = (run, report); break; }
        Running |= Runs.Count > 0 && Runs[0].IsRunning && !IsOlderPage;
        return true;
    }
}
