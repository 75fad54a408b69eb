using Snapconv.Core.Capi;

namespace Snapconv.Core.Normalization;

/// <summary>
/// <c>madid</c> (spec §3), sent unhashed: a hex UUID (8-4-4-4-12, hyphens optional) emitted in canonical
/// lower case with hyphens; the all-zero id (ad tracking limited) and anything else →
/// <see cref="Reason.InvalidUserDataField"/>. Never <see cref="NormalizeStatus.AlreadyHashed"/>.
/// </summary>
public static class MadidNormalizer
{
    /// <summary>Normalizes a cleaned (NFC, trimmed, non-empty) value.</summary>
    public static NormalizeResult Normalize(string cleaned)
    {
        var s = cleaned.AsSpan();
        Span<char> hex = stackalloc char[32];
        if (s.Length == 36)
        {
            if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return Invalid();
            var j = 0;
            for (var i = 0; i < 36; i++)
            {
                if (i is 8 or 13 or 18 or 23) continue;
                hex[j++] = s[i];
            }
        }
        else if (s.Length == 32)
        {
            s.CopyTo(hex);
        }
        else
        {
            return Invalid();
        }
        var allZero = true;
        var lower = true;
        foreach (var c in hex)
        {
            if (!char.IsAsciiHexDigit(c)) return Invalid();
            if (c != '0') allZero = false;
            if (c is >= 'A' and <= 'F') lower = false;
        }
        if (allZero) return Invalid();
        if (lower && cleaned.Length == 36) return NormalizeResult.Ok(cleaned);
        var result = string.Create(36, hex.ToString(), static (dst, src) =>
        {
            var j = 0;
            for (var i = 0; i < 36; i++)
            {
                if (i is 8 or 13 or 18 or 23) { dst[i] = '-'; continue; }
                dst[i] = char.ToLowerInvariant(src[j++]);
            }
        });
        return NormalizeResult.Ok(result);
    }

    private static NormalizeResult Invalid() => NormalizeResult.Invalid(Reason.InvalidUserDataField);
}
