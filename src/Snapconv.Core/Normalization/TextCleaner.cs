using System.Globalization;
using System.Text;

namespace Snapconv.Core.Normalization;

/// <summary>
/// The cleaning every identifier gets first (spec §3): NFC, drop Unicode format characters (Cf: BOM,
/// zero-width space…) and unpaired surrogates, trim white space, then remove one leading apostrophe — a
/// spreadsheet's "this is text" marker (<c>'4001</c>, <c>'+14485003012</c>), not data (#15) — and trim again. Input
/// below U+0300 without a soft hyphen (ASCII and Latin text, the common case) only trims and returns the same instance
/// when there is nothing to trim or strip.
/// </summary>
internal static class TextCleaner
{
    /// <summary>Returns the cleaned text; empty when nothing is left.</summary>
    public static string Clean(string raw)
    {
        // Below U+0300 (ASCII, Latin-1, Latin Extended, IPA, spacing modifiers) every character is a starter that
        // composes with nothing before U+0300, so such text is already NFC, and its only format character is the
        // soft hyphen: "josé" only trims, without ICU (tests compare this with CleanUnicode over that range).
        var s = raw.AsSpan();
        if (System.Text.Ascii.IsValid(s)) return WithoutTextMarker(raw.Trim());  // the commonest case first: one vectorized scan
        if (!s.ContainsAnyExceptInRange('\0', LastPlainChar) && !s.Contains(SoftHyphen)) return WithoutTextMarker(raw.Trim());
        return CleanUnicode(raw);
    }

    /// <summary>The character a spreadsheet writes before a cell's text to keep it text (<c>'00123</c>).</summary>
    internal const char TextMarker = '\'';

    /// <summary>
    /// <paramref name="trimmed"/> without one leading <see cref="TextMarker"/> (and trimmed again after it); the same
    /// instance when it does not start with one — one length and one character compare on the common path.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]  // on every cell's path
    internal static string WithoutTextMarker(string trimmed) =>
        trimmed.Length != 0 && trimmed[0] == TextMarker ? trimmed[1..].Trim() : trimmed;

    /// <summary>The span form of <see cref="WithoutTextMarker(string)"/>, for keys read without making a string.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal static ReadOnlySpan<char> WithoutTextMarker(ReadOnlySpan<char> trimmed) =>
        trimmed.Length != 0 && trimmed[0] == TextMarker ? trimmed[1..].Trim() : trimmed;

    /// <summary>The last character of the range that <see cref="Clean"/> only trims.</summary>
    internal const char LastPlainChar = '\u02FF';
    private const char SoftHyphen = '\u00AD';

    /// <summary>The general path of <see cref="Clean"/> (for tests: the fast path must agree with it).</summary>
    internal static string CleanGeneral(string raw) => CleanUnicode(raw);

    private static string CleanUnicode(string raw)
    {
        // Drop Cf characters and unpaired surrogates (string.Normalize throws on the latter).
        var needsStrip = false;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (char.IsHighSurrogate(c) && i + 1 < raw.Length && char.IsLowSurrogate(raw[i + 1]))
            {
                if (CharUnicodeInfo.GetUnicodeCategory(raw, i) == UnicodeCategory.Format) { needsStrip = true; break; }
                i++;
                continue;
            }
            if (char.IsSurrogate(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
            {
                needsStrip = true;
                break;
            }
        }
        var s = raw;
        if (needsStrip)
        {
            var sb = new StringBuilder(raw.Length);
            for (var i = 0; i < raw.Length; i++)
            {
                var c = raw[i];
                if (char.IsHighSurrogate(c) && i + 1 < raw.Length && char.IsLowSurrogate(raw[i + 1]))
                {
                    if (CharUnicodeInfo.GetUnicodeCategory(raw, i) != UnicodeCategory.Format)
                        sb.Append(c).Append(raw[i + 1]);
                    i++;
                    continue;
                }
                if (char.IsSurrogate(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format) continue;
                sb.Append(c);
            }
            s = sb.ToString();
        }
        if (!s.IsNormalized(NormalizationForm.FormC)) s = s.Normalize(NormalizationForm.FormC);
        return WithoutTextMarker(s.Trim());
    }

    /// <summary>True when every character is below U+0080.</summary>
    public static bool IsAscii(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
            if (c >= 0x80) return false;
        return true;
    }

    /// <summary>
    /// Lower-cases (invariant), keeps only letters, combining marks and decimal digits, and re-composes
    /// (NFC). Returns <paramref name="s"/> itself when nothing changes.
    /// </summary>
    public static string LettersDigitsLower(string s)
    {
        if (IsAscii(s))
        {
            var same = true;
            foreach (var c in s)
            {
                if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c)) { same = false; break; }
            }
            if (same) return s;
            return string.Create(CountAsciiKept(s), s, static (dst, src) =>
            {
                var j = 0;
                foreach (var c in src)
                {
                    if (char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)) dst[j++] = c;
                    else if (char.IsAsciiLetterUpper(c)) dst[j++] = (char)(c | 0x20);
                }
            });
        }
        var lower = s.ToLowerInvariant();
        var sb = new StringBuilder(lower.Length);
        for (var i = 0; i < lower.Length; i++)
        {
            var cat = CharUnicodeInfo.GetUnicodeCategory(lower, i);
            var width = char.IsHighSurrogate(lower[i]) && i + 1 < lower.Length && char.IsLowSurrogate(lower[i + 1]) ? 2 : 1;
            if (IsLetterMarkOrDigit(cat)) sb.Append(lower, i, width);
            i += width - 1;
        }
        var result = sb.ToString();
        if (!result.IsNormalized(NormalizationForm.FormC)) result = result.Normalize(NormalizationForm.FormC);
        // Composition can, rarely, produce a character whose lower case differs; settle it once more.
        var again = result.ToLowerInvariant();
        return again == s ? s : again;
    }

    private static int CountAsciiKept(string s)
    {
        var n = 0;
        foreach (var c in s)
            if (char.IsAsciiLetter(c) || char.IsAsciiDigit(c)) n++;
        return n;
    }

    private static bool IsLetterMarkOrDigit(UnicodeCategory cat) => cat switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
            or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.DecimalDigitNumber => true,
        _ => false,
    };

    /// <summary>Removes accents: NFD, drop non-spacing marks, NFC.</summary>
    public static string FoldAccents(string s)
    {
        if (IsAscii(s)) return s;
        var d = s.Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(d.Length);
        foreach (var c in d)
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark) sb.Append(c);
        return sb.ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>
    /// Writes the lookup key of <paramref name="s"/> into <paramref name="dst"/>: accent-folded, lower,
    /// letters and digits only. Returns the length, or -1 when <paramref name="dst"/> is too small.
    /// </summary>
    public static int LookupKey(ReadOnlySpan<char> s, Span<char> dst)
    {
        var j = 0;
        if (IsAscii(s))
        {
            foreach (var c in s)
            {
                if (!char.IsAsciiLetterOrDigit(c)) continue;
                if (j == dst.Length) return -1;
                dst[j++] = char.ToLowerInvariant(c);
            }
            return j;
        }
        var folded = FoldAccents(s.ToString()).ToLowerInvariant();
        for (var i = 0; i < folded.Length; i++)
        {
            if (!char.IsLetterOrDigit(folded[i])) continue;
            if (j == dst.Length) return -1;
            dst[j++] = folded[i];
        }
        return j;
    }
}
