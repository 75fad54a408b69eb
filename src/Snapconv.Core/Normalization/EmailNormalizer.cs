using Snapconv.Core.Capi;

namespace Snapconv.Core.Normalization;

/// <summary>
/// <c>em</c> (spec §3): lower case (invariant); exactly one <c>@</c>, a non-empty local part, a dotted
/// domain without empty labels, no white space or control characters, at most 254 characters. Non-ASCII
/// local parts and IDN domains are kept as typed (no punycode); no Gmail dot or <c>+tag</c> stripping.
/// Invalid → <see cref="Reason.InvalidEmail"/>. An already lower-case ASCII address comes back as the
/// same instance.
/// </summary>
public static class EmailNormalizer
{
    /// <summary>The longest address accepted.</summary>
    public const int MaxLength = 254;

    /// <summary>Normalizes a cleaned (NFC, trimmed, non-empty) value.</summary>
    public static NormalizeResult Normalize(string cleaned)
    {
        var lower = ToLowerLatin(cleaned);
        return IsValid(lower) ? NormalizeResult.Ok(lower) : NormalizeResult.Invalid(Reason.InvalidEmail);
    }

    /// <summary>
    /// The SHA-256 of what <see cref="IdentifierNormalizer.Normalize"/> makes of an ASCII e-mail cell, without making
    /// the trimmed or lower-cased string: trim (and drop a spreadsheet's leading apostrophe), lower-case and check on the
    /// stack, hash the ASCII bytes. False (nothing
    /// claimed) for anything else — non-ASCII, blank, 32 or 64 hex characters, invalid, longer than
    /// <see cref="MaxLength"/> — which then takes the general path (tests compare the two).
    /// </summary>
    internal static bool TryHashAscii(string raw, Span<byte> digest)
    {
        var s = TextCleaner.WithoutTextMarker(raw.AsSpan().Trim());  // as TextCleaner.Clean: a leading ' is no data (#15)
        if (s.IsEmpty || s.Length > MaxLength || s.Length is 32 or Hashing.Sha256Hex.HexLength || !System.Text.Ascii.IsValid(s)) return false;
        Span<char> lower = stackalloc char[s.Length];
        System.Text.Ascii.ToLower(s, lower, out _);
        if (!IsValid(lower)) return false;
        Span<byte> bytes = stackalloc byte[lower.Length];
        System.Text.Ascii.FromUtf16(lower, bytes, out _);
        Hashing.Sha256Hex.HashBytes(bytes, digest);
        return true;
    }

    /// <summary>
    /// <see cref="string.ToLowerInvariant"/>, without ICU for text below U+0100: there the invariant lower case
    /// of A–Z and of U+00C0–U+00DE (but U+00D7 ×) is the character + 0x20 and every other character is its own
    /// (tests compare every such character). Other text goes to ICU as before; unchanged text is the same instance.
    /// </summary>
    internal static string ToLowerLatin(string s)
    {
        // ASCII (most addresses): the runtime's vectorized path, which returns the same instance when nothing changes.
        if (System.Text.Ascii.IsValid(s)) return s.ToLowerInvariant();
        var upper = false;
        foreach (var c in s)
        {
            if (c >= 0x100) return s.ToLowerInvariant();
            upper |= IsUpperLatin1(c);
        }
        if (!upper) return s;
        return string.Create(s.Length, s, static (dst, src) =>
        {
            for (var i = 0; i < src.Length; i++)
            {
                var c = src[i];
                dst[i] = IsUpperLatin1(c) ? (char)(c + 0x20) : c;
            }
        });
    }

    private static bool IsUpperLatin1(char c) => (uint)(c - 'A') <= 'Z' - 'A' || ((uint)(c - 0xC0) <= 0xDE - 0xC0 && c != 0xD7);

    // White space, controls and DEL: built from the predicates themselves, searched vectorized.
    private static readonly System.Buffers.SearchValues<char> Forbidden = System.Buffers.SearchValues.Create(
        Enumerable.Range(0, char.MaxValue + 1).Select(i => (char)i)
            .Where(c => c <= ' ' || c == 0x7F || char.IsWhiteSpace(c) || char.IsControl(c)).ToArray());

    private static bool IsValid(ReadOnlySpan<char> s)
    {
        if (s.Length > MaxLength) return false;
        var at = s.IndexOf('@');
        if (at <= 0 || s.Slice(at + 1).Contains('@')) return false;
        if (s.ContainsAny(Forbidden)) return false;
        var domain = s.Slice(at + 1);
        if (domain.Length < 3) return false;
        var dots = 0;
        var labelLength = 0;
        foreach (var c in domain)
        {
            if (c == '.')
            {
                if (labelLength == 0) return false;
                dots++;
                labelLength = 0;
            }
            else
            {
                labelLength++;
            }
        }
        return dots > 0 && labelLength > 0;
    }
}
