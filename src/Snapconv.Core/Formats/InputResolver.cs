namespace Snapconv.Core.Formats;

/// <summary>Turns the user's inputs (files, directories, glob patterns) into the list of files to read.</summary>
public static class InputResolver
{
    /// <summary>
    /// Resolves each input, in any mix:
    /// <list type="bullet">
    /// <item>a file: taken as is;</item>
    /// <item>a directory: every file under it, recursively, skipping hidden files and directories (name starting
    /// with <c>.</c>);</item>
    /// <item>a glob pattern: <c>*</c> and <c>?</c> match within one path segment, <c>**</c> matches any number of
    /// segments (e.g. <c>exports/*.csv.gz</c>, <c>data/**/*.csv</c>); hidden entries are matched only by a pattern
    /// segment that itself starts with <c>.</c>.</item>
    /// </list>
    /// Paths keep the form the user gave (a relative input gives relative paths). The result is sorted (ordinal) and
    /// has no duplicates (compared by full path).
    /// </summary>
    /// <exception cref="InputException">An input names no existing file or directory, or a pattern matches no file;
    /// the message names the input.</exception>
    public static IReadOnlyList<string> Resolve(IEnumerable<string> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var seen = new HashSet<string>(OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var input in inputs)
        {
            if (string.IsNullOrWhiteSpace(input))
            {
                throw new InputException(input ?? "", "empty input path");
            }

            foreach (var file in ResolveOne(input))
            {
                if (seen.Add(Path.GetFullPath(file)))
                {
                    result.Add(file);
                }
            }
        }

        result.Sort(StringComparer.Ordinal);
        return result;
    }

    private static List<string> ResolveOne(string input)
    {
        if (File.Exists(input))
        {
            return [input];
        }

        if (Directory.Exists(input))
        {
            var files = new List<string>();
            Walk(input, files);
            return files;
        }

        if (input.IndexOfAny(['*', '?']) < 0)
        {
            throw new InputException(input, "no such file or directory");
        }

        var matches = Glob(input);
        if (matches.Count == 0)
        {
            throw new InputException(input, "the pattern matches no file");
        }

        return matches;
    }

    private static void Walk(string dir, List<string> into)
    {
        try
        {
            foreach (var file in Directory.EnumerateFiles(dir))
            {
                if (!IsHidden(Path.GetFileName(file)))
                {
                    into.Add(file);
                }
            }

            foreach (var sub in Directory.EnumerateDirectories(dir))
            {
                if (!IsHidden(Path.GetFileName(sub)))
                {
                    Walk(sub, into);
                }
            }
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InputException(dir, "permission denied", inner: e);
        }
    }

    private static bool IsHidden(string name) => name.StartsWith('.');

    /// <summary>
    /// Expands a glob: <see cref="GlobPattern"/> walks from the longest wildcard-free leading directory; hidden names
    /// match only a pattern segment starting with <c>.</c>.
    /// </summary>
    internal static List<string> Glob(string pattern)
    {
        var normalized = pattern.Replace('\\', '/');
        var rooted = normalized.StartsWith('/');
        var segments = normalized.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var fixedCount = 0;
        while (fixedCount < segments.Length - 1 && segments[fixedCount].IndexOfAny(['*', '?']) < 0)
        {
            fixedCount++;
        }

        var baseDir = string.Join('/', segments.Take(fixedCount));
        if (rooted)
        {
            baseDir = "/" + baseDir;
        }

        var start = baseDir.Length == 0 ? "." : baseDir;
        if (!Directory.Exists(start))
        {
            return [];
        }

        var glob = new GlobPattern(string.Join('/', segments.Skip(fixedCount)), ignoreCase: OperatingSystem.IsWindows());
        try
        {
            return glob.MatchFiles(start, skipHidden: true).Select(rel => Join(baseDir, rel)).ToList();
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InputException(pattern, "permission denied", inner: e);
        }
    }

    private static string Join(string shown, string name) =>
        shown.Length == 0 ? name : shown.EndsWith('/') ? shown + name : $"{shown}/{name}";
}
