namespace Snapconv.Console.Tests;

/// <summary>Finds files of the repository from the test's output folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Snapconv.slnx"))) return dir.FullName;
        throw new InvalidOperationException("repository root (Snapconv.slnx) not found above " + AppContext.BaseDirectory);
    }
}
