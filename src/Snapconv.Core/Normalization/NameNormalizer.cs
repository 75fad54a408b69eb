using Snapconv.Core.Capi;

namespace Snapconv.Core.Normalization;

/// <summary>
/// <c>fn</c>/<c>ln</c> (spec §3): lower case; keep only letters, combining marks and digits (no spaces or
/// punctuation), accents kept (<c>Raphaël</c> → <c>raphaël</c>), titles not removed. Nothing left →
/// <see cref="Reason.InvalidUserDataField"/>.
/// </summary>
public static class NameNormalizer
{
    /// <summary>Normalizes a cleaned (NFC, trimmed, non-empty) value.</summary>
    public static NormalizeResult Normalize(string cleaned)
    {
        var v = TextCleaner.LettersDigitsLower(cleaned);
        return v.Length == 0 ? NormalizeResult.Invalid(Reason.InvalidUserDataField) : NormalizeResult.Ok(v);
    }
}

/// <summary>
/// <c>ct</c> (spec §3): as <see cref="NameNormalizer"/>, accents kept unless
/// <see cref="NormalizeContext.FoldCityAccents"/> (default false).
/// </summary>
public static class CityNormalizer
{
    /// <summary>Normalizes a cleaned (NFC, trimmed, non-empty) value.</summary>
    public static NormalizeResult Normalize(string cleaned, NormalizeContext ctx)
    {
        var v = TextCleaner.LettersDigitsLower(cleaned);
        if (ctx.FoldCityAccents) v = TextCleaner.LettersDigitsLower(TextCleaner.FoldAccents(v));
        return v.Length == 0 ? NormalizeResult.Invalid(Reason.InvalidUserDataField) : NormalizeResult.Ok(v);
    }
}

/// <summary>
/// <c>ge</c> (spec §3): <c>m</c>/<c>male</c>/<c>man</c>/<c>boy</c> → <c>m</c>;
/// <c>f</c>/<c>female</c>/<c>woman</c>/<c>girl</c> → <c>f</c>, in any case; anything else →
/// <see cref="Reason.InvalidUserDataField"/>.
/// </summary>
public static class GenderNormalizer
{
    /// <summary>Normalizes a cleaned (NFC, trimmed, non-empty) value.</summary>
    public static NormalizeResult Normalize(string cleaned)
    {
        var s = cleaned.AsSpan();
        if (Is(s, "m") || Is(s, "male") || Is(s, "man") || Is(s, "boy")) return NormalizeResult.Ok("m");
        if (Is(s, "f") || Is(s, "female") || Is(s, "woman") || Is(s, "girl")) return NormalizeResult.Ok("f");
        return NormalizeResult.Invalid(Reason.InvalidUserDataField);
    }

    private static bool Is(ReadOnlySpan<char> s, string word) => s.Equals(word, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// <c>external_id</c> (spec §3): trimmed, inner white space removed, lower case unless
/// <see cref="NormalizeContext.PreserveCase"/>. A 32-hex (MD5) value is an ordinary id.
/// </summary>
public static class ExternalIdNormalizer
{
    /// <summary>Normalizes a cleaned (NFC, trimmed, non-empty) value.</summary>
    public static NormalizeResult Normalize(string cleaned, NormalizeContext ctx)
    {
        var v = cleaned;
        var hasSpace = false;
        foreach (var c in v)
            if (char.IsWhiteSpace(c)) { hasSpace = true; break; }
        if (hasSpace)
        {
            var sb = new System.Text.StringBuilder(v.Length);
            foreach (var c in v)
                if (!char.IsWhiteSpace(c)) sb.Append(c);
            v = sb.ToString();
        }
        if (!ctx.PreserveCase) v = v.ToLowerInvariant();
        return NormalizeResult.Ok(v);
    }
}
