using Microsoft.Extensions.FileSystemGlobbing;
using Microsoft.Extensions.FileSystemGlobbing.Abstractions;

namespace Snapconv.Core.Formats;

/// <summary>
/// The one glob of snapconv, over '/'-separated paths relative to a folder, a key prefix or the current directory:
/// <c>*</c> matches any characters within one segment, <c>?</c> one character within a segment, and a whole segment
/// <c>**</c> any number of segments (<c>**/</c> zero or more, a trailing <c>**</c> one or more). A pattern without
/// '/' matches top-level names only, like a shell; <c>**/*.csv</c> matches at every level. With
/// <c>skipHidden</c>, a hidden name (starting with <c>.</c>) matches only a pattern segment that itself starts
/// with <c>.</c>, and <c>**</c> never enters one.
/// </summary>
/// <remarks>
/// Local trees are walked by <c>Microsoft.Extensions.FileSystemGlobbing</c> (which has <c>*</c> and <c>**</c> but no
/// <c>?</c>: it walks with each <c>?</c> widened to <c>*</c>, and every path it finds is then held to these rules).
/// Remote keys (S3, SFTP, FTP listings) are held to the same rules by <see cref="IsMatch"/>.
/// </remarks>
public sealed class GlobPattern
{
    private readonly string[] _segments;
    private readonly StringComparison _comparison;

    /// <summary>Parses <paramref name="pattern"/>; null or empty means <c>*</c>.</summary>
    /// <param name="pattern">The glob.</param>
    /// <param name="ignoreCase">Compare names ignoring case (Windows paths). Default: false.</param>
    public GlobPattern(string? pattern, bool ignoreCase = false)
    {
        Text = string.IsNullOrEmpty(pattern) ? "*" : pattern;
        _segments = Text.Split('/');
        _comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        Recursive = Text.Contains('/') || Text.Contains("**", StringComparison.Ordinal);
    }

    /// <summary>The pattern as given.</summary>
    public string Text { get; }

    /// <summary>True when the pattern can match below the top level (sources then list recursively).</summary>
    public bool Recursive { get; }

    /// <summary>True when the '/'-separated relative key matches.</summary>
    /// <param name="relativeKey">The key or path relative to where the pattern starts.</param>
    /// <param name="skipHidden">Apply the hidden-name rule (see the type). Default: false.</param>
    public bool IsMatch(string relativeKey, bool skipHidden = false) =>
        MatchFrom(0, relativeKey.Split('/'), 0, skipHidden);

    /// <summary>
    /// The files under <paramref name="root"/> that match, as '/'-separated paths relative to it, in no set order.
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">A directory the walk reaches cannot be read.</exception>
    public List<string> MatchFiles(string root, bool skipHidden)
    {
        var matcher = new Matcher(_comparison);
        matcher.AddInclude(Text.Replace('?', '*'));
        var found = matcher.Execute(new DirectoryInfoWrapper(new DirectoryInfo(root)));
        var result = new List<string>();
        foreach (var file in found.Files)
        {
            if (IsMatch(file.Path, skipHidden)) result.Add(file.Path);
        }
        return result;
    }

    private bool MatchFrom(int p, string[] key, int k, bool skipHidden)
    {
        while (p < _segments.Length)
        {
            var segment = _segments[p];
            if (segment == "**")
            {
                if (p == _segments.Length - 1)
                {
                    // A trailing "**" takes the rest: at least one segment, none hidden when hiding.
                    if (k == key.Length) return false;
                    for (var i = k; i < key.Length; i++)
                    {
                        if (skipHidden && IsHidden(key[i])) return false;
                    }
                    return true;
                }
                // "**/" stands for zero segments here, or one more (not hidden) and still "**".
                if (MatchFrom(p + 1, key, k, skipHidden)) return true;
                if (k >= key.Length || (skipHidden && IsHidden(key[k]))) return false;
                k++;
                continue;
            }
            if (k == key.Length || !SegmentMatches(segment, key[k])) return false;
            if (skipHidden && IsHidden(key[k]) && !segment.StartsWith('.')) return false;
            p++;
            k++;
        }
        return k == key.Length;
    }

    /// <summary>Wildcard match of one segment: <c>*</c> any run of characters, <c>?</c> one character.</summary>
    private bool SegmentMatches(string pattern, string name)
    {
        int p = 0, n = 0, star = -1, resume = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                resume = n;
            }
            else if (p < pattern.Length && (pattern[p] == '?' || string.Compare(pattern, p, name, n, 1, _comparison) == 0))
            {
                p++;
                n++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++resume;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    private static bool IsHidden(string name) => name.StartsWith('.');
}
