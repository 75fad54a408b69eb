using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Snapconv.State;

namespace Snapconv.Console.Pages;

/// <summary>The jobs page (<c>/</c>): a row per job with its source, pixel, schedule, last run and events acknowledged in 7 days.</summary>
public sealed class IndexModel(IStateStore store, IConsoleRuntime runtime) : PageModel
{
    public IReadOnlyList<JobView> Jobs { get; private set; } = [];
    public IReadOnlyDictionary<string, JobRunSummary> Summaries { get; private set; } = new Dictionary<string, JobRunSummary>();
    public DateTimeOffset Now { get; private set; }
    /// <summary>A line about the last action (run now refused), or null.</summary>
    public string? Notice { get; private set; }

    public bool IsRunning(string job) => runtime.IsRunning(job);

    /// <summary>The jobs whose last run failed.</summary>
    public IEnumerable<JobView> Failed => Jobs.Where(j => Summaries.GetValueOrDefault(j.Name) is { } s && !s.LastRun.IsRunning && Ui.Outcome(s.LastRun).IsFailure);

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostRunNowAsync(string name, CancellationToken ct)
    {
        var result = await runtime.RunNowAsync(name, ct);
        if (result is { Status: RunNowStatus.Started, RunId: { } id }) return Redirect($"/runs/{id}");
        (Response.StatusCode, Notice) = result.Status switch
        {
            RunNowStatus.NotFound => (StatusCodes.Status404NotFound, $"There is no job '{name}'."),
            RunNowStatus.Unavailable => (StatusCodes.Status503ServiceUnavailable, $"{name} cannot be started now (serve is starting or stopping, or its store does not answer); try again shortly."),
            _ => (StatusCodes.Status409Conflict, $"{name} is running already; its run is on the job's page."),
        };
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Now = runtime.Clock.GetUtcNow();
        Jobs = runtime.Jobs();
        Summaries = await store.SummarizeJobsAsync(Now.AddDays(-ConsoleOptions.AcknowledgedDays), ct);
    }
}
