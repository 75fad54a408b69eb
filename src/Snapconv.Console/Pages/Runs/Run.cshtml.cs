using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Snapconv.Console.Reports;
using Snapconv.State;

namespace Snapconv.Console.Pages.Runs;

/// <summary>
/// A run (<c>/runs/{id}</c>) as a person reads its report: counts, rejected rows by reason with Snap's code and a fix,
/// warnings, identifier coverage, each input object, the rejects download and the log. A running run's page refreshes
/// its live part itself (console.js polls the page while it says <c>data-live="running"</c>).
/// </summary>
public sealed class RunModel(IStateStore store, IConsoleRuntime runtime) : PageModel
{
    /// <summary>Log lines the page shows; the API has them all.</summary>
    public const int MaxLogLines = 2_000;
    /// <summary>How often a running run's page asks again (ms).</summary>
    public const int PollMs = 1_500;

    public RunRecord Run { get; private set; } = null!;
    public JobView? Job { get; private set; }
    public ReportView? Report { get; private set; }
    public IReadOnlyList<RunLogLine> Log { get; private set; } = [];
    public bool LogTruncated { get; private set; }
    public bool HasRejects { get; private set; }
    public DateTimeOffset Now { get; private set; }
    /// <summary>Why there is nothing to show (no such run), or null.</summary>
    public string? Missing { get; private set; }

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken ct)
    {
        if (await store.GetRunAsync(id, ct) is not { } run)
        {
            Missing = $"There is no run {id}. Runs older than their job's history_days are removed.";
            Response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status404NotFound;
            return Page();
        }
        Run = run;
        Now = runtime.Clock.GetUtcNow();
        Job = runtime.Job(run.Job);
        Report = run.IsRunning ? null : ReportView.TryRead(run.ReportPath);
        var log = await store.ReadLogAsync(id, 0, MaxLogLines + 1, ct);
        LogTruncated = log.Count > MaxLogLines;
        Log = log.Take(MaxLogLines).ToList();
        HasRejects = run.RejectsPath is { } p && System.IO.File.Exists(p) && Run.Counts.Rejected > 0;
        // A running page is re-read every PollMs: no caching in between.
        if (run.IsRunning) Response.Headers.CacheControl = "no-store";
        return Page();
    }
}
