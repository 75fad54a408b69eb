using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Snapconv.Console.Api;
using Snapconv.Console.Runtime;
using Snapconv.Core.Presets;

namespace Snapconv.Console.Pages.Jobs;

/// <summary>
/// The job form (<c>/jobs/new</c>, <c>/jobs/{name}/edit</c>): Test connection, Preview and Save post the whole form to
/// this page (with the antiforgery token); the answer is the form again with the result, or errors next to their fields in
/// the job-file loader's words. Without script everything works; console.js only shows the chosen source kind's fields
/// and refreshes the schedule's next fire times as one types.
/// </summary>
public abstract class JobFormPage(IConsoleRuntime runtime) : PageModel
{
    /// <summary>Fire times the form shows for a schedule.</summary>
    public const int FireTimes = 3;

    protected IConsoleRuntime Runtime => runtime;

    /// <summary>The form's values by key path.</summary>
    public Dictionary<string, string> Values { get; protected set; } = new(StringComparer.Ordinal) { ["source.type"] = "local" };
    /// <summary>Errors by key path (empty key: the whole job).</summary>
    public Dictionary<string, List<string>> Errors { get; } = new(StringComparer.Ordinal);
    /// <summary>The job being edited, or null for a new one.</summary>
    public JobView? Existing { get; protected set; }
    public ConnectionTestResult? Test { get; private set; }
    public PreviewResult? Preview { get; private set; }
    public ScheduleView Schedule { get; private set; } = new([], null);
    /// <summary>Preset names for the preset list.</summary>
    public IReadOnlyList<string> Presets { get; } = [.. PresetCatalog.All.Select(p => p.Name).Order(StringComparer.Ordinal)];

    public bool IsEdit => Existing is not null;
    public string Value(string key) => Values.GetValueOrDefault(key) ?? "";
    public string SourceKind => Values.GetValueOrDefault("source.type") is { } k && JobForm.SourceKinds.Contains(k) ? k : "local";
    public IEnumerable<string> ErrorsOf(string key) => Errors.GetValueOrDefault(key) ?? [];

    /// <summary>The errors shown next to <paramref name="field"/>: none on another source kind's inputs.</summary>
    public IEnumerable<string> ErrorsOf(FormField field) => field.Scope is null || field.Scope == SourceKind ? ErrorsOf(field.Key) : [];

    /// <summary>Errors whose key has no input on the form (shown in the summary only).</summary>
    public IEnumerable<(string Key, string Message)> Unplaced =>
        Errors.Where(e => JobForm.Field(e.Key, SourceKind) is null).SelectMany(e => e.Value.Select(m => (e.Key, m)));

    public async Task<IActionResult> OnPostTestAsync(string? name, CancellationToken ct)
    {
        if (!Load(name)) return NotFound();
        ReadForm();
        Test = await runtime.TestConnectionAsync(new ConnectionTestRequest(Values.GetValueOrDefault("endpoint"),
            Values.GetValueOrDefault("pixel_id"), Values.GetValueOrDefault("token_env"), Values.GetValueOrDefault("token_file")), ct);
        AddErrors(Test.Errors);
        return Page();
    }

    public async Task<IActionResult> OnPostPreviewAsync(string? name, CancellationToken ct)
    {
        if (!Load(name)) return NotFound();
        ReadForm();
        Preview = await runtime.PreviewAsync(JobForm.Element(JobForm.ToKeys(Values, Existing?.Settings)), ConsoleApi.PreviewRows, ct);
        AddErrors(Preview.Errors);
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(string? name, CancellationToken ct)
    {
        if (!Load(name)) return NotFound();
        ReadForm();
        if (IsEdit) Values["name"] = Existing!.Name;   // the name is the job's key: an edit never renames
        var result = await runtime.SaveAsync(JobForm.Element(JobForm.ToKeys(Values, Existing?.Settings)), ct);
        if (result.Saved) return Redirect($"/jobs/{Uri.EscapeDataString(result.Job?.Name ?? Values["name"])}?saved=true");
        AddErrors(result.Errors);
        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        return Page();
    }

    /// <summary>The next fire times of a schedule as JSON (<c>{times: [...], error}</c>), for console.js.</summary>
    public IActionResult OnGetSchedule(string? schedule, string? timezone)
    {
        var view = ScheduleView.For(schedule, timezone, FireTimes, Now);
        return new JsonResult(new { times = view.Times.Select(Ui.Iso), labels = view.Times.Select(t => Ui.Time(t) + " UTC"), error = view.Error });
    }

    /// <summary>Loads the job being edited (null name: a new job); false when there is no such console job.</summary>
    protected abstract bool Load(string? name);

    protected void ReadForm()
    {
        Values = JobForm.Values(Request.Form);
        if (!Values.ContainsKey("source.type")) Values["source.type"] = "local";
        Schedule = ScheduleView.For(Values.GetValueOrDefault("schedule"), Values.GetValueOrDefault("timezone"), FireTimes, Now);
    }

    protected void ShowSchedule() =>
        Schedule = ScheduleView.For(Values.GetValueOrDefault("schedule"), Values.GetValueOrDefault("timezone"), FireTimes, Now);

    private void AddErrors(IEnumerable<FieldError> errors)
    {
        foreach (var e in errors)
        {
            var key = e.Field;
            // The loader's message starts with its key path; next to the field that path is the label's job.
            var message = e.Message.StartsWith(key + ": ", StringComparison.Ordinal) ? e.Message[(key.Length + 2)..] : e.Message;
            if (!Errors.TryGetValue(key, out var list)) Errors[key] = list = [];
            list.Add(message);
        }
    }

    protected DateTimeOffset Now => runtime.Clock.GetUtcNow();
}

/// <summary>A schedule's next fire times, or why there are none.</summary>
public sealed record ScheduleView(IReadOnlyList<DateTimeOffset> Times, string? Error)
{
    // A job that is valid but for its schedule: the loader then speaks only of the schedule and the time zone.
    private const string Probe = """{"name":"schedule-check","pixel_id":"0","token_env":"SCHEDULE_CHECK","source":{"type":"local","path":"."}}""";

    /// <summary>
    /// The next <paramref name="count"/> fire times after <paramref name="now"/> of <paramref name="schedule"/> in
    /// <paramref name="timezone"/>, by the job-file loader itself (cron with 5 or 6 fields, an IANA zone); or its words on
    /// what is wrong.
    /// </summary>
    public static ScheduleView For(string? schedule, string? timezone, int count, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(schedule)) return new([], null);
        var keys = System.Text.Json.Nodes.JsonNode.Parse(Probe)!.AsObject();
        keys["schedule"] = schedule.Trim();
        if (!string.IsNullOrWhiteSpace(timezone)) keys["timezone"] = timezone.Trim();
        var (job, errors) = JobKeys.Parse(JsonSerializer.SerializeToElement(keys), Path.GetTempPath(), Directory.GetCurrentDirectory());
        if (job?.Cron is not { } cron) return new([], errors.Count == 0 ? null : string.Join(" ", errors.Select(e => $"{e.Field}: {e.Message}")));
        var times = new List<DateTimeOffset>();
        for (var t = cron.GetNextOccurrence(now, job.TimeZone); t is { } next && times.Count < count; t = cron.GetNextOccurrence(next, job.TimeZone))
            times.Add(next.ToUniversalTime());
        return new(times, null);
    }
}
