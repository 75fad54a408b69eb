using Microsoft.AspNetCore.Mvc;

namespace Snapconv.Console.Pages.Jobs;

/// <summary><c>/jobs/{name}/edit</c>: the form filled with a console job's keys. A job-file job is not edited here.</summary>
public sealed class EditModel(IConsoleRuntime runtime) : JobFormPage(runtime)
{
    public IActionResult OnGet(string name)
    {
        // A job-file job is read-only, and a missing one is said so: both on the job's page.
        if (!Load(name)) return Redirect($"/jobs/{Uri.EscapeDataString(name)}");
        Values = JobForm.Values(Existing!.Settings);
        Values["name"] = Existing.Name;
        if (!Values.ContainsKey("source.type")) Values["source.type"] = Existing.SourceType;
        ShowSchedule();
        return Page();
    }

    protected override bool Load(string? name)
    {
        if (name is null || Runtime.Job(name) is not { DefinedIn: null } job) return false;
        Existing = job;
        return true;
    }
}
