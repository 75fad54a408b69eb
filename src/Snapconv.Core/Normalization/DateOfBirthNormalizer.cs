using System.Globalization;
using Snapconv.Core.Capi;

namespace Snapconv.Core.Normalization;

/// <summary>
/// <c>db</c> (spec §3) → <c>YYYYMMDD</c>. Accepted: year-first dates (<c>1988-07-04</c>, <c>1988/7/4</c>,
/// <c>1988.07.04</c>, <c>19880704</c>), ISO 8601 date-times (the date part as written), and day/month
/// orders with a 4-digit year last: read with <see cref="NormalizeContext.DobFormat"/> when set, else
/// only when a part &gt; 12 decides the order (or both orders give the same date). Ambiguous,
/// impossible, or outside 1900-01-01..today (UTC, from <see cref="NormalizeContext.Clock"/>) →
/// <see cref="Reason.InvalidUserDataField"/>. No month-first guess.
/// </summary>
public static class DateOfBirthNormalizer
{
    private const int MinYear = 1900;

    /// <summary>Normalizes a cleaned (NFC, trimmed, non-empty) value.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="ctx"/> has no <see cref="NormalizeContext.Clock"/>.</exception>
    public static NormalizeResult Normalize(string cleaned, NormalizeContext ctx)
    {
        var clock = ctx.Clock ?? throw new InvalidOperationException("A date of birth is normalized with a context that has no clock.");
        if (!TryRead(cleaned, ctx, out var year, out var month, out var day)) return Invalid();
        if (year < MinYear || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return Invalid();
        var today = clock.GetUtcNow().UtcDateTime.Date;
        if (new DateTime(year, month, day) > today) return Invalid();
        return NormalizeResult.Ok(string.Create(8, (year, month, day), static (dst, d) =>
        {
            d.year.TryFormat(dst[..4], out _, "D4", CultureInfo.InvariantCulture);
            d.month.TryFormat(dst.Slice(4, 2), out _, "D2", CultureInfo.InvariantCulture);
            d.day.TryFormat(dst.Slice(6, 2), out _, "D2", CultureInfo.InvariantCulture);
        }));
    }

    private static NormalizeResult Invalid() => NormalizeResult.Invalid(Reason.InvalidUserDataField);

    private static bool TryRead(string s, NormalizeContext ctx, out int year, out int month, out int day)
    {
        year = month = day = 0;
        var span = s.AsSpan();

        // The mapping's format first: an 8-digit ddMMyyyy is not yyyyMMdd (which cannot read it anyway,
        // since its month would be 19 or 20), and year-first forms still apply when the format does not match.
        if (ctx.DobFormat is { Length: > 0 } format
            && DateTime.TryParseExact(s, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var dt))
        {
            year = dt.Year;
            month = dt.Month;
            day = dt.Day;
            return true;
        }

        // 8 digits: yyyyMMdd (the normalized form itself).
        if (span.Length == 8 && AllDigits(span))
        {
            year = Num(span[..4]);
            month = Num(span.Slice(4, 2));
            day = Num(span.Slice(6, 2));
            return true;
        }

        // Year first: yyyy<sep>M<sep>d, optionally followed by an ISO time ('T' or space).
        if (span.Length >= 8 && AllDigits(span[..4]) && span[4] is '-' or '/' or '.')
        {
            var sep = span[4];
            var rest = span[5..];
            var p = 0;
            if (!ReadPart(rest, ref p, 2, out month) || p >= rest.Length || rest[p] != sep) return false;
            p++;
            if (!ReadPart(rest, ref p, 2, out day)) return false;
            if (p != rest.Length && rest[p] is not ('T' or 't' or ' ')) return false;
            year = Num(span[..4]);
            return true;
        }

        // With a format set, anything the year-first forms did not read must match it: no guessing.
        if (ctx.DobFormat is { Length: > 0 }) return false;

        // a<sep>b<sep>yyyy with no format: only when the order is decided.
        var q = 0;
        if (!ReadPart(span, ref q, 2, out var a) || q >= span.Length) return false;
        var sep2 = span[q];
        if (sep2 is not ('-' or '/' or '.')) return false;
        q++;
        if (!ReadPart(span, ref q, 2, out var b) || q >= span.Length || span[q] != sep2) return false;
        q++;
        if (span.Length - q != 4 || !AllDigits(span[q..])) return false;
        year = Num(span[q..]);
        if (a > 12 && b <= 12) { day = a; month = b; return true; }
        if (b > 12 && a <= 12) { month = a; day = b; return true; }
        if (a == b) { month = day = a; return true; }
        return false;
    }

    private static bool ReadPart(ReadOnlySpan<char> s, ref int p, int maxDigits, out int value)
    {
        value = 0;
        var start = p;
        while (p < s.Length && char.IsAsciiDigit(s[p]) && p - start < maxDigits)
        {
            value = value * 10 + (s[p] - '0');
            p++;
        }
        return p > start;
    }

    private static bool AllDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
            if (!char.IsAsciiDigit(c)) return false;
        return true;
    }

    private static int Num(ReadOnlySpan<char> s)
    {
        var v = 0;
        foreach (var c in s) v = v * 10 + (c - '0');
        return v;
    }
}
