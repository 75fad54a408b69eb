namespace Snapconv.Core.Formats;

/// <summary>Makes column names usable: trimmed, BOM-stripped, non-empty and unique.</summary>
internal static class HeaderNames
{
    /// <summary>
    /// Trims each name and strips a byte-order mark; an empty name becomes <c>column_N</c> (N = 1-based ordinal);
    /// a repeated name gets <c>_2</c>, <c>_3</c>… appended (skipping suffixes already taken).
    /// </summary>
    public static string[] MakeUnique(IReadOnlyList<string?> raw)
    {
        var result = new string[raw.Count];
        var taken = new HashSet<string>(StringComparer.Ordinal);
        // The next suffix to try per repeated name: a name repeated n times costs n tries, not n² (#16).
        Dictionary<string, int>? nextSuffix = null;
        for (var i = 0; i < raw.Count; i++)
        {
            var name = (raw[i] ?? "").Replace("\uFEFF", "", StringComparison.Ordinal).Trim();
            if (name.Length == 0)
            {
                name = $"column_{i + 1}";
            }

            if (!taken.Add(name))
            {
                nextSuffix ??= new Dictionary<string, int>(StringComparer.Ordinal);
                var n = nextSuffix.GetValueOrDefault(name, 2);
                while (!taken.Add($"{name}_{n}"))
                {
                    n++;
                }

                nextSuffix[name] = n + 1;
                name = $"{name}_{n}";
            }

            result[i] = name;
        }

        return result;
    }
}
