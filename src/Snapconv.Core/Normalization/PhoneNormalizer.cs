using PhoneNumbers;
using Snapconv.Core.Capi;

namespace Snapconv.Core.Normalization;

/// <summary>
/// <c>ph</c> (spec §3) through libphonenumber: a leading <c>+</c>, <c>00</c> or <c>+00</c> is
/// international whatever the country; otherwise the number is read in the row's country, else the
/// default country (so <c>011</c> works as the US international prefix), else it is invalid (never
/// assumes US). A trunk <c>0</c> after the country code is dropped. Requires
/// <c>IsPossibleNumberWithReason == IS_POSSIBLE</c> (local-only numbers are invalid), drops extensions and
/// returns the E.164 digits without <c>+</c>. Invalid → <see cref="Reason.InvalidPhone"/>; a number a spreadsheet
/// wrote in scientific notation (<c>9.23228E+11</c>) → <see cref="SpreadsheetNumbers.PhoneReason"/>, which names the cause.
/// </summary>
public static class PhoneNormalizer
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();
    private static readonly NormalizeResult InvalidResult = NormalizeResult.Invalid(Reason.InvalidPhone);

    // libphonenumber refuses anything longer than this outright (it throws).
    private const int MaxInputLength = 250;

    /// <summary>
    /// Loads libphonenumber's metadata and the fast path's tables (≈ 50 ms) on a pool thread, so a run with
    /// a phone column does not stall its first rows on them. Idempotent.
    /// </summary>
    public static void WarmUpInBackground()
    {
        if (Interlocked.Exchange(ref _warming, 1) == 0)
            ThreadPool.UnsafeQueueUserWorkItem(static _ => Normalize("+1 447 234 2344", NormalizeContext.Default), null);
    }

    private static int _warming;

    /// <summary>
    /// Too long, no digit, or under three digits and letters: invalid before any parsing, so libphonenumber is never
    /// asked to throw on junk (≈ 4 µs a throw).
    /// </summary>
    private static bool IsObviousJunk(string cleaned)
    {
        if (cleaned.Length > MaxInputLength) return true;
        var digits = 0;
        var letters = 0;
        foreach (var c in cleaned)
        {
            if (char.IsDigit(c)) digits++;
            else if (char.IsLetter(c)) letters++;
        }
        return digits == 0 || digits + letters < 3;
    }

    // A phone in scientific notation lost its digits to a spreadsheet (#15): dropped with a warning that says so.
    private static readonly NormalizeResult ScientificResult = NormalizeResult.Invalid(SpreadsheetNumbers.PhoneReason);

    /// <summary>Normalizes a cleaned (NFC, trimmed, non-empty) value.</summary>
    public static NormalizeResult Normalize(string cleaned, NormalizeContext ctx)
    {
        if (SpreadsheetNumbers.IsScientificNotation(cleaned)) return ScientificResult;
        if (!TryPrepare(cleaned, ctx, out var text, out var region)) return InvalidResult;
        if (PhoneFastPath.TryNormalize(text, region, out var fast))
            return fast is null ? InvalidResult : NormalizeResult.Ok(fast);
        return SlowPath(text, region ?? "ZZ");
    }

    /// <summary>
    /// What both paths read: <paramref name="text"/> (a leading <c>00</c> turned into <c>+</c>) and the region a national
    /// number is read in, null for an international one. False when the value is junk, or national with no country.
    /// </summary>
    private static bool TryPrepare(string cleaned, NormalizeContext ctx, out string text, out string? region)
    {
        region = null;
        if (IsObviousJunk(cleaned))
        {
            text = cleaned;
            return false;
        }
        if (TryInternationalForm(cleaned, out text)) return true;
        region = RegionFor(ctx);
        return region is not null;
    }

    /// <summary>
    /// The SHA-256 of what <see cref="Normalize"/> gives for <paramref name="cleaned"/> when the fast path settles it as a
    /// possible number, without making the digit string; false (nothing claimed) otherwise — invalid, or a shape for
    /// libphonenumber — and the caller takes the general path (tests compare the two).
    /// </summary>
    internal static bool TryHashFast(string cleaned, NormalizeContext ctx, Span<byte> digest)
    {
        if (!TryPrepare(cleaned, ctx, out var text, out var region)) return false;
        Span<char> e164 = stackalloc char[PhoneFastPath.MaxE164Length];
        if (!PhoneFastPath.TryNormalizeInto(text, region, e164, out var length) || length < 0) return false;
        Span<byte> bytes = stackalloc byte[length];
        System.Text.Ascii.FromUtf16(e164[..length], bytes, out _);
        Hashing.Sha256Hex.HashBytes(bytes, digest);
        return true;
    }

    /// <summary>The full libphonenumber parse, for every shape the fast path declines.</summary>
    internal static NormalizeResult SlowPath(string text, string region)
    {
        PhoneNumber number;
        try
        {
            number = Util.Parse(text, region);
        }
        catch (NumberParseException)
        {
            return InvalidResult;
        }
        if (Util.IsPossibleNumberWithReason(number) != PhoneNumberUtil.ValidationResult.IS_POSSIBLE)
            return InvalidResult;
        return NormalizeResult.Ok(E164Digits(number));
    }

    /// <summary>
    /// <c>+…</c>, <c>00…</c> and <c>+00…</c> become <c>+…</c> (00 as the international prefix whatever
    /// the default country). Returns false, with <paramref name="text"/> = input, otherwise.
    /// </summary>
    private static bool TryInternationalForm(string s, out string text)
    {
        text = s;
        var i = 0;
        var plus = false;
        if (s[0] == '+' || s[0] == '\uFF0B')
        {
            plus = true;
            i = 1;
            while (i < s.Length && IsSeparator(s[i])) i++;
        }
        if (i + 1 < s.Length && s[i] == '0' && s[i + 1] == '0')
        {
            text = string.Concat("+", s.AsSpan(i + 2));
            return true;
        }
        return plus;
    }

    private static bool IsSeparator(char c) => c is ' ' or '-' or '.' or '(' or ')' or '/';

    private static string? RegionFor(NormalizeContext ctx)
    {
        var row = ctx.RowCountry;
        if (row is { Length: 2 } && char.IsAsciiLetter(row[0]) && char.IsAsciiLetter(row[1]))
            return UpperRegion(row);
        var def = ctx.DefaultCountry;
        if (def is { Length: 2 } && char.IsAsciiLetter(def[0]) && char.IsAsciiLetter(def[1]))
            return UpperRegion(def);
        return null;
    }

    // Region codes are interned by the caller's settings; only allocate when the case differs.
    private static string UpperRegion(string code) =>
        char.IsAsciiLetterUpper(code[0]) && char.IsAsciiLetterUpper(code[1]) ? code : code.ToUpperInvariant();

    private static string E164Digits(PhoneNumber number)
    {
        var cc = number.CountryCode;
        var national = number.NationalNumber;
        var zeros = number.HasNumberOfLeadingZeros ? number.NumberOfLeadingZeros : 0;
        var length = DigitCount((ulong)cc) + zeros + DigitCount(national);
        return string.Create(length, (cc, zeros, national), static (dst, st) =>
        {
            var ccLen = DigitCount((ulong)st.cc);
            ((ulong)st.cc).TryFormat(dst[..ccLen], out _, default, System.Globalization.CultureInfo.InvariantCulture);
            dst.Slice(ccLen, st.zeros).Fill('0');
            st.national.TryFormat(dst[(ccLen + st.zeros)..], out _, default, System.Globalization.CultureInfo.InvariantCulture);
        });
    }

    private static int DigitCount(ulong v)
    {
        var n = 1;
        while (v >= 10) { v /= 10; n++; }
        return n;
    }
}
