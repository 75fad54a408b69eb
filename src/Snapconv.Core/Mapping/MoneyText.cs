using System.Globalization;
using Snapconv.Core.Capi;

namespace Snapconv.Core.Mapping;

/// <summary>
/// Amounts as tills and payment exports write them (a value column with <c>format: money</c>): a currency sign or code
/// before or after the number (<c>$4,300.00</c>, <c>US$16.00</c>, <c>€1.234,50</c>, <c>12.00 EUR</c>, <c>kr 99</c>), and
/// a negative as <c>-$350.00</c>, <c>$-350.00</c>, <c>350.00-</c> or in accounting brackets <c>($100.00)</c>.
/// </summary>
public static class MoneyText
{
    /// <summary>
    /// The number without sign, currency and brackets (its grouping and decimal mark untouched), and whether it was
    /// negative. False when what surrounds the digits is not a currency sign or ISO code.
    /// </summary>
    public static bool TryStrip(string raw, out string number, out bool negative)
    {
        number = "";
        negative = false;
        var s = raw.AsSpan().Trim();
        if (s.Length > 2 && s[0] == '(' && s[^1] == ')')
        {
            negative = true;
            s = s[1..^1].Trim();
        }
        s = Sign(s, ref negative);
        var start = 0;
        while (start < s.Length && !IsNumberChar(s[start])) start++;
        var end = s.Length;
        while (end > start && !IsNumberChar(s[end - 1])) end--;
        if (start == end || !IsCurrency(s[..start]) || !IsCurrency(s[end..])) return false;
        var digits = s[start..end];
        if (digits.Length > 2 && digits[0] == '(' && digits[^1] == ')')
        {
            negative = true;
            digits = digits[1..^1].Trim();
        }
        digits = Sign(digits, ref negative);
        if (digits.IsEmpty || !char.IsAsciiDigit(digits[0]) && digits[0] != '.') return false;
        number = digits.ToString();
        return true;
    }

    private static ReadOnlySpan<char> Sign(ReadOnlySpan<char> s, scoped ref bool negative)
    {
        if (s.Length > 1 && s[0] is '-' or '\u2212')
        {
            negative = true;
            return s[1..].Trim();
        }
        if (s.Length > 1 && s[^1] is '-' or '\u2212')
        {
            negative = true;
            return s[..^1].Trim();
        }
        return s;
    }

    private static bool IsNumberChar(char c) => char.IsAsciiDigit(c) || c is '-' or '\u2212' or '(' or ')';

    /// <summary>Empty, or a currency sign with letters (<c>US$</c>, <c>R$</c>, <c>€</c>), or a 3-letter ISO code (<c>EUR</c>), or <c>kr</c>-like letters with a sign's place.</summary>
    private static bool IsCurrency(ReadOnlySpan<char> part)
    {
        part = part.Trim();
        if (part.IsEmpty) return true;
        if (part.Length > 5) return false;
        var sign = false;
        foreach (var c in part)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.CurrencySymbol) sign = true;
            else if (!char.IsLetter(c) && c != '.' && c != ' ') return false;
        }
        if (sign) return true;
        var letters = part.TrimEnd('.').ToString();
        return CurrencyCodes.All.Contains(letters.ToUpperInvariant()) || CurrencyCodes.Withdrawn.ContainsKey(letters) || letters is "kr" or "Kr" or "zł" or "Kč" or "Ft" or "lei" or "R" or "Rs";
    }
}
