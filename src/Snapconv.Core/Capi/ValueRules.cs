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

    /// <summary>The shortest invariant form of a value, as used in stable ids and the JSON body.</summary>
    public static string Format(decimal value)
    {
        var s = value.ToString(CultureInfo.InvariantCulture);
        if (s.Contains('.')) s = s.TrimEnd('0').TrimEnd('.');
        return s;
    }
}
