namespace Snapconv.Core.Output;

/// <summary>
/// Keeps outputs from clobbering inputs: compares full paths with every symbolic link followed (in the file and in its
/// folders), case-insensitively where the file system usually is (Windows, macOS).
/// </summary>
public static class OutputPaths
{
    /// <summary>Symbolic links followed in one path at most (as the OS's own limit), so a link loop ends.</summary>
    private const int MaxLinks = 40;

    private static StringComparer Comparer => OperatingSystem.IsLinux() ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;

    /// <summary>
    /// Every clash among <paramref name="outputs"/> (option name, path; null paths are skipped): an output that is
    /// one of <paramref name="inputs"/> or the same file as an earlier output. Empty when none.
    /// </summary>
    public static IReadOnlyList<string> Clashes(IEnumerable<(string Option, string? Path)> outputs, IEnumerable<string> inputs)
    {
        var inputSet = new Dictionary<string, string>(Comparer);
        foreach (var i in inputs) inputSet.TryAdd(Canonical(i), i);
        var seen = new Dictionary<string, string>(Comparer);
        var problems = new List<string>();
        foreach (var (option, path) in outputs)
        {
            if (path is null) continue;
            var c = Canonical(path);
            if (inputSet.TryGetValue(c, out var input))
                problems.Add($"{option} '{path}' is the input file {input}: writing it would destroy it; choose another file.");
            else if (seen.TryGetValue(c, out var other))
                problems.Add($"{option} '{path}' is the same file as {other}; give each output its own file.");
            else seen[c] = $"{option} '{path}'";
        }
        return problems;
    }

    /// <summary>
    /// The full path of <paramref name="path"/> with every symbolic link resolved, in the file and in each folder
    /// above it; parts that do not exist yet are kept as written.
    /// </summary>
    public static string Canonical(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full) ?? "";
        var parts = new Queue<string>(full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries));
        var current = root;
        var links = 0;
        while (parts.Count > 0)
        {
            var next = Path.Combine(current, parts.Dequeue());
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            string? target = null;
            try { target = info.Exists ? info.LinkTarget : null; }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            if (target is not null && ++links <= MaxLinks)
            {
                // The link's target replaces it; what follows it in the path is resolved against the target.
                var resolved = Path.GetFullPath(target, current);
                var rest = parts.ToArray();
                var targetRoot = Path.GetPathRoot(resolved) ?? "";
                parts = new Queue<string>(resolved[targetRoot.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Concat(rest));
                current = targetRoot;
                continue;
            }
            current = next;
        }
        return current;
    }
}
