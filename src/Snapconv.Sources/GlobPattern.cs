using System.Text;
using System.Text.RegularExpressions;

namespace Snapconv.Sources;

/// <summary>
/// A glob over '/'-separated keys relative to a source's folder or prefix: <c>*</c> and <c>?</c> match within one
/// segment, <c>**</c> any number of segments. A pattern without '/' matches top-level names only, like a shell;
/// <c>**/*.csv</c> matches at every level.
/// </summary>
public sealed class GlobPattern
{
    private readonly Regex _regex;

    /// <summary>Compiles <paramref name="pattern"/>; null or empty means <c>*</c>.</summary>
    public GlobPattern(string? pattern)
    {
        Text = string.IsNullOrEmpty(pattern) ? "*" : pattern;
        var sb = new StringBuilder("^");
        for (var i = 0; i < Text.Length; i++)
        {
            var c = Text[i];
            if (c == '*' && i + 1 < Text.Length && Text[i + 1] == '*')
            {
                // "**/" matches zero or more whole segments; a trailing "**" matches the rest.
                if (i + 2 < Text.Length && Text[i + 2] == '/') { sb.Append("(?:.*/)?"); i += 2; }
                else { sb.Append(".*"); i++; }
            }
            else sb.Append(c switch { '*' => "[^/]*", '?' => "[^/]", _ => Regex.Escape(c.ToString()) });
        }
        sb.Append('$');
        _regex = new Regex(sb.ToString(), RegexOptions.CultureInvariant);
        Recursive = Text.Contains('/') || Text.Contains("**", StringComparison.Ordinal);
    }

    /// <summary>The pattern as given.</summary>
    public string Text { get; }

    /// <summary>True when the pattern can match below the top level (sources then list recursively).</summary>
    public bool Recursive { get; }

    /// <summary>True when the relative key matches.</summary>
    public bool IsMatch(string relativeKey) => _regex.IsMatch(relativeKey);
}
