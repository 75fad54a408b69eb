namespace Snapconv.Console.Pages.Jobs;

/// <summary><c>/jobs/new</c>: the form for a new console job.</summary>
public sealed class NewModel(IConsoleRuntime runtime) : JobFormPage(runtime)
{
    public void OnGet() { }

    protected override bool Load(string? name) => true;
}
