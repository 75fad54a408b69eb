namespace Snapconv.Core.Normalization;

/// <summary>
/// The texts exports and spreadsheets write into a cell that has no value (#15): <c>-</c>, <c>–</c>, <c>—</c>,
/// <c>n/a</c>, <c>#N/A</c>, <c>null</c>, <c>none</c>, <c>undefined</c>, <c>(blank)</c>, in any case, and <c>NA</c> where it
/// cannot be a value of the field. In an identifier or address cell (and a join key) such a text is no value: not
/// hashed, not a warning, as if the cell were empty. <c>NA</c> stays a value of <c>country</c> (Namibia's code), of
/// <c>st</c> (Navarra's province code in Spanish exports) and of first and last names (<c>Na</c> is a family name);
/// every other identifier reads it as a placeholder.
/// </summary>
internal static class Placeholders
{
    /// <summary>The longest placeholder (<c>undefined</c>): a longer cleaned cell is never one.</summary>
    internal const int MaxLength = 9;

    /// <summary>The placeholders in lower case (ASCII, so a case-insensitive compare is ordinal).</summary>
    internal static readonly string[] All = ["-", "\u2013", "\u2014", "n/a", "#n/a", "null", "none", "undefined", "(blank)", "na"];

    /// <summary>
    /// True when <paramref name="cleaned"/> (cleaned: trimmed, text marker removed) is a placeholder for a value of
    /// <paramref name="kind"/>. Costs a length and a first-character test for nearly every real value.
    /// </summary>
    public static bool IsPlaceholder(ReadOnlySpan<char> cleaned, IdentifierKind kind) =>
        cleaned.Length <= MaxLength && IsPlaceholderText(cleaned)
        && !(kind is IdentifierKind.Country or IdentifierKind.St or IdentifierKind.Fn or IdentifierKind.Ln
             && cleaned.Equals("na", StringComparison.OrdinalIgnoreCase));

    /// <summary>True when <paramref name="trimmed"/> is a placeholder for a key (a join key: <c>NA</c> is no key either).</summary>
    public static bool IsPlaceholderKey(ReadOnlySpan<char> trimmed) => trimmed.Length <= MaxLength && IsPlaceholderText(trimmed);

    private static bool IsPlaceholderText(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty) return false;
        // The first character settles nearly every real value without a compare.
        switch (s[0])
        {
            case '-' or '\u2013' or '\u2014' or '#' or '(' or 'n' or 'N' or 'u' or 'U':
                foreach (var p in All)
                    if (s.Equals(p, StringComparison.OrdinalIgnoreCase)) return true;
                return false;
            default:
                return false;
        }
    }
}
