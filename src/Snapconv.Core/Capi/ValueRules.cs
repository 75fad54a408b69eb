using System.Globalization;

namespace Snapconv.Core.Capi;

/// <summary>
/// <c>custom_data.value</c> (spec §4.4): a JSON number or a plain decimal string, non-negative, no
/// grouping, no symbols, no NaN. 0 is fine.
/// </summary>
public static class ValueRules
{
    /// <summary>Parses a plain decimal string with <paramref name="decimalSeparator"/> ('.' by default).</summary>
    public static bool TryParse(ReadOnlySpan<char> raw, out decimal value, char decimalSeparator = '.')
    {
        value = 0;
        raw = raw.Trim();
        if (raw.IsEmpty || raw.Length > 40) return false;
        return TryParseShort(raw, decimalSeparator, out value) || TryParseTrimmed(raw, decimalSeparator, out value);
    }

    /// <summary><see cref="TryParse"/> without its fast path, so tests can compare the two.</summary>
    internal static bool TryParseGeneral(ReadOnlySpan<char> raw, out decimal value, char decimalSeparator = '.')
    {
        value = 0;
        raw = raw.Trim();
        return !raw.IsEmpty && raw.Length <= 40 && TryParseTrimmed(raw, decimalSeparator, out value);
    }

    /// <summary>The general path: any plain decimal of a trimmed, non-empty value of at most 40 characters.</summary>
    private static bool TryParseTrimmed(ReadOnlySpan<char> raw, char decimalSeparator, out decimal value)
    {
        value = 0;
        var seenDigit = false;
        var seenSep = false;
        Span<char> buf = stackalloc char[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c is >= '0' and <= '9') { seenDigit = true; buf[i] = c; }
            else if (c == decimalSeparator && !seenSep) { seenSep = true; buf[i] = '.'; }
            else if (c == '+' && i == 0) buf[i] = c;
            else return false;
        }
        if (!seenDigit) return false;
        return decimal.TryParse(buf, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign,
            CultureInfo.InvariantCulture, out value) && value >= 0;
    }

    /// <summary>
    /// The common shape — up to 18 digits with at most one separator and an optional leading <c>+</c> —
    /// built straight from its digits, with the scale <c>decimal.TryParse</c> gives (<c>10.50</c> keeps two
    /// places). Anything else returns false and takes the general path.
    /// </summary>
    private static bool TryParseShort(ReadOnlySpan<char> raw, char decimalSeparator, out decimal value)
    {
        value = 0;
        var i = raw[0] == '+' ? 1 : 0;
        ulong mantissa = 0;
        var digits = 0;
        var scale = -1;
        for (; i < raw.Length; i++)
        {
            var c = raw[i];
            if (char.IsAsciiDigit(c))
            {
                if (++digits > 18) return false;
                mantissa = mantissa * 10 + (ulong)(c - '0');
                if (scale >= 0) scale++;
            }
            else if (c == decimalSeparator && scale < 0) scale = 0;
            else return false;
        }
        if (digits == 0) return false;
        value = new decimal((int)(uint)mantissa, (int)(uint)(mantissa >> 32), 0, false, (byte)Math.Max(scale, 0));
        return true;
    }

    /// <summary>The shortest invariant form of a value, as used in stable ids and the JSON body.</summary>
    public static string Format(decimal value)
    {
        var s = value.ToString(CultureInfo.InvariantCulture);
        if (s.Contains('.')) s = s.TrimEnd('0').TrimEnd('.');
        return s;
    }
}
