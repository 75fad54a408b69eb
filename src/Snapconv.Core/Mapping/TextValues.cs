using System.Collections.Frozen;
using System.Globalization;
using Snapconv.Core.Capi;
using Snapconv.Core.Normalization;

namespace Snapconv.Core.Mapping;

/// <summary>
/// Reading values as exports write them: amounts with thousands separators and locale decimal marks, dates in a
/// locale's order, currency names, e-mails inside <c>Name (email)</c>, and lists. Used only when the plain rules
/// (ISO dates, <c>.</c>-decimal amounts, ISO currency codes) do not read a cell, so plain files pay nothing.
/// </summary>
public static class TextValues
{
    /// <summary>The outcome of reading a text amount or date.</summary>
    public enum Outcome { Parsed, Invalid, Ambiguous }

    /// <summary>A culture by name (<c>en-US</c>, <c>de-DE</c>, <c>invariant</c>). False for unknown or neutral names.</summary>
    public static bool TryGetCulture(string name, out CultureInfo culture) => Formats.Cultures.TryGet(name, out culture);

    // ---------------------------------------------------------------- amounts

    /// <summary>
    /// Reads an amount that the plain rule rejected. With <paramref name="culture"/>: its decimal mark and its group
    /// separator, groups of exactly three digits (also a no-break or narrow space for cultures that group with a
    /// space). Without: only forms that read the same in every locale — <c>1,234.56</c>, <c>1.234,56</c>,
    /// <c>1,234,567</c>, <c>12,5</c> — and <see cref="Outcome.Ambiguous"/> for <c>10,000</c> (ten thousand in en-US,
    /// ten in de-DE). Negative amounts are invalid (no refunds).
    /// </summary>
    public static Outcome ReadAmount(ReadOnlySpan<char> raw, CultureInfo? culture, out decimal value)
    {
        value = 0;
        var s = raw.Trim();
        if (s.IsEmpty || s.Length > 40) return Outcome.Invalid;
        if (culture is not null)
        {
            var nf = culture.NumberFormat;
            var dec = nf.NumberDecimalSeparator.Length == 1 ? nf.NumberDecimalSeparator[0] : '.';
            var grp = nf.NumberGroupSeparator.Length == 1 ? nf.NumberGroupSeparator[0] : ',';
            return TryGrouped(s, grp, dec, out value) ? Outcome.Parsed : Outcome.Invalid;
        }
        int commas = s.Count(','), dots = s.Count('.');
        if (commas > 0 && dots > 0)
        {
            // Both marks: the last one is the decimal mark.
            var commaLast = s.LastIndexOf(',') > s.LastIndexOf('.');
            return TryGrouped(s, commaLast ? '.' : ',', commaLast ? ',' : '.', out value) ? Outcome.Parsed : Outcome.Invalid;
        }
        if (commas == 1)
        {
            var after = s.Length - s.IndexOf(',') - 1;
            if (after == 3) return Outcome.Ambiguous;
            return TryGrouped(s, '\0', ',', out value) ? Outcome.Parsed : Outcome.Invalid;
        }
        if (commas > 1) return TryGrouped(s, ',', '.', out value) ? Outcome.Parsed : Outcome.Invalid;
        if (dots > 1) return TryGrouped(s, '.', ',', out value) ? Outcome.Parsed : Outcome.Invalid;
        return Outcome.Invalid;
    }

    private static bool TryGrouped(ReadOnlySpan<char> s, char group, char dec, out decimal value)
    {
        value = 0;
        Span<char> buf = stackalloc char[s.Length];
        var n = 0;
        var digitsInGroup = 0;
        var grouped = false;
        var seenDec = false;
        var intDigits = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsAsciiDigit(c))
            {
                buf[n++] = c;
                digitsInGroup++;
                if (!seenDec) intDigits++;
            }
            else if (!seenDec && (c == group || (IsSpaceGroup(group) && IsSpaceGroup(c))))
            {
                // Groups: 1–3 digits before the first separator, then exactly 3.
                if (grouped ? digitsInGroup != 3 : digitsInGroup is < 1 or > 3) return false;
                grouped = true;
                digitsInGroup = 0;
            }
            else if (c == dec && !seenDec)
            {
                if (grouped && digitsInGroup != 3) return false;
                if (intDigits == 0) return false;
                seenDec = true;
                buf[n++] = '.';
                digitsInGroup = 0;
            }
            else if (c == '+' && i == 0) { }
            else return false;
        }
        if (grouped && !seenDec && digitsInGroup != 3) return false;
        if (intDigits == 0 || (seenDec && buf[n - 1] == '.')) return false;
        return decimal.TryParse(buf[..n], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }

    private static bool IsSpaceGroup(char c) => c is ' ' or '\u00A0' or '\u202F';

    // ---------------------------------------------------------------- dates

    /// <summary>
    /// Reads a date or date-time that the ISO rule rejected, as wall-clock time in <paramref name="zone"/> (date-only at
    /// local midnight). With <paramref name="culture"/>: that culture's date order (<c>03/04/2026</c> is 4 March in
    /// en-US, 3 April in en-GB). Without: <c>d/m/y</c> or <c>m/d/y</c> forms are read only when a part above 12 decides
    /// the order (<c>14/03/2025</c>, <c>3/14/2025</c>) or day and month are equal; otherwise
    /// <see cref="Outcome.Ambiguous"/>. Dotted dates (<c>22.08.2026</c>) are day-first: no locale writes them month-first.
    /// Times may follow: <c>HH:mm[:ss]</c>, with <c>AM</c>/<c>PM</c>.
    /// </summary>
    public static Outcome ReadDate(string raw, CultureInfo? culture, TimeZoneInfo zone, out long unixSeconds)
    {
        unixSeconds = 0;
        var s = raw.Trim();
        if (s.Length == 0) return Outcome.Invalid;
        // "2024-05-01 10:00:00 UTC" (Freshsales): an instant, whatever the zone in force.
        if (s.EndsWith(" UTC", StringComparison.OrdinalIgnoreCase) || s.EndsWith(" GMT", StringComparison.OrdinalIgnoreCase))
        {
            var bare = s[..^4].TrimEnd();
            return EventTimeParser.TryParse(bare, TimeZoneInfo.Utc, null, out unixSeconds) ? Outcome.Parsed
                : ReadDate(bare, culture, TimeZoneInfo.Utc, out unixSeconds);
        }
        if (culture is not null)
        {
            if (!DateTime.TryParse(s, culture, DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.NoCurrentDateDefault, out var dt)
                || dt.Year < 1900)
                return Outcome.Invalid;
            return EventTimeParser.TryParse(DateTime.SpecifyKind(dt, DateTimeKind.Unspecified), zone, out unixSeconds)
                ? Outcome.Parsed : Outcome.Invalid;
        }
        if (!TrySplitDate(s, out var a, out var b, out var year, out var sep, out var rest)) return Outcome.Invalid;
        int day, month;
        if (sep == '.' || a > 12) { day = a; month = b; }
        else if (b > 12 || a == b) { day = b; month = a; }
        else return Outcome.Ambiguous;
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return Outcome.Invalid;
        var time = TimeSpan.Zero;
        if (rest.Length > 0 && !TryTime(rest, out time)) return Outcome.Invalid;
        var local = new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Unspecified) + time;
        return EventTimeParser.TryParse(local, zone, out unixSeconds) ? Outcome.Parsed : Outcome.Invalid;
    }

    private static bool TrySplitDate(string s, out int a, out int b, out int year, out char sep, out string rest)
    {
        a = b = year = 0;
        sep = '\0';
        rest = "";
        var space = s.IndexOf(' ');
        var date = space < 0 ? s : s[..space];
        rest = space < 0 ? "" : s[(space + 1)..].Trim();
        foreach (var c in "/.-")
            if (date.Contains(c)) { sep = c; break; }
        if (sep == '\0') return false;
        var parts = date.Split(sep);
        if (parts.Length != 3 || parts[2].Length is not (2 or 4) || parts[0].Length is < 1 or > 2 || parts[1].Length is < 1 or > 2) return false;
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out a)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out b)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out year)) return false;
        if (parts[2].Length == 2) year += 2000;
        return true;
    }

    private static bool TryTime(string s, out TimeSpan time)
    {
        string[] formats = ["H:mm", "H:mm:ss", "h:mm tt", "h:mm:ss tt", "HH:mm", "HH:mm:ss", "hh:mm tt", "hh:mm:ss tt"];
        if (DateTime.TryParseExact(s, formats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var t))
        {
            time = t.TimeOfDay;
            return true;
        }
        time = default;
        return false;
    }

    // ---------------------------------------------------------------- currencies

    private static readonly Lazy<FrozenDictionary<string, string>> Names = new(BuildCurrencyNames);

    /// <summary>
    /// An ISO 4217 code from a code or a currency name (<c>US Dollar</c>, <c>Pound Sterling</c>, <c>Euro</c>,
    /// <c>Russian Ruble</c>, or a native name such as <c>российский рубль</c>), from .NET's culture data. Case, spaces
    /// and punctuation are ignored. A name that .NET gives two codes is not read.
    /// </summary>
    public static bool TryCurrency(string raw, out string code)
    {
        if (CurrencyCodes.TryNormalize(raw, out code)) return true;
        return Names.Value.TryGetValue(HeaderAutoDetect.Key(raw), out code!);
    }

    /// <summary>
    /// The currency a user gives for every row (<c>--currency</c>, job key <c>currency</c>): as <see cref="TryCurrency"/>, or a
    /// withdrawn code (<see cref="CurrencyCodes.Withdrawn"/>: an old export's), which each row then keeps only when its event
    /// is before the code's replacement.
    /// </summary>
    public static bool TryGivenCurrency(string raw, out string code)
    {
        if (TryCurrency(raw, out code)) return true;
        if (!CurrencyCodes.Withdrawn.TryGetValue(raw.Trim(), out var withdrawn)) return false;
        code = withdrawn.Code;
        return true;
    }

    private static readonly (string Name, string Code)[] IsoNames =
    [
        ("Pound Sterling", "GBP"), ("US Dollar", "USD"), ("Euro", "EUR"), ("Yen", "JPY"), ("Swiss Franc", "CHF"),
        ("Canadian Dollar", "CAD"), ("Australian Dollar", "AUD"), ("New Zealand Dollar", "NZD"), ("Yuan Renminbi", "CNY"),
        ("Indian Rupee", "INR"), ("Russian Ruble", "RUB"), ("Brazilian Real", "BRL"), ("Mexican Peso", "MXN"),
        ("Rand", "ZAR"), ("Swedish Krona", "SEK"), ("Norwegian Krone", "NOK"), ("Danish Krone", "DKK"), ("Zloty", "PLN"),
        ("Hong Kong Dollar", "HKD"), ("Singapore Dollar", "SGD"), ("UAE Dirham", "AED"), ("Saudi Riyal", "SAR"),
        ("Turkish Lira", "TRY"), ("Hryvnia", "UAH"), ("Tenge", "KZT"), ("Belarusian Ruble", "BYN"), ("Won", "KRW"),
    ];

    private static FrozenDictionary<string, string> BuildCurrencyNames()
    {
        var d = new Dictionary<string, string?>(StringComparer.Ordinal);
        void Add(string name, string code)
        {
            var key = HeaderAutoDetect.Key(name);
            if (key.Length == 0) return;
            // A name two codes share (a culture's old and new currency) is left out: it would be a guess.
            if (d.TryGetValue(key, out var have) && have != code) d[key] = null;
            else d[key] = code;
        }
        foreach (var c in CultureInfo.GetCultures(CultureTypes.SpecificCultures))
        {
            RegionInfo r;
            try { r = new RegionInfo(c.Name); }
            catch (ArgumentException) { continue; }
            var code = r.ISOCurrencySymbol;
            if (!CurrencyCodes.All.Contains(code)) continue;
            Add(r.CurrencyEnglishName, code);
            Add(r.CurrencyNativeName, code);
        }
        // ISO 4217's own English names, where .NET's culture data says otherwise ("British Pound"): CRMs use these.
        foreach (var (name, code) in IsoNames) d[HeaderAutoDetect.Key(name)] = code;
        return d.Where(kv => kv.Value is not null).ToFrozenDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.Ordinal);
    }

    // ---------------------------------------------------------------- lists and e-mails

    /// <summary>Splits a cell on <c>;</c> and <c>,</c>, trimming parts and dropping empty ones.</summary>
    public static string[] Split(string cell) =>
        cell.Split([';', ','], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// The e-mail in one part of a cell: the text in the last <c>(…)</c> or <c>&lt;…&gt;</c> when it holds an <c>@</c>,
    /// else the part when it holds an <c>@</c>; else null (a bare name, no e-mail to send).
    /// </summary>
    public static string? ExtractEmail(string part)
    {
        var s = part.AsSpan().Trim();
        foreach (var (open, close) in new[] { ('(', ')'), ('<', '>') })
        {
            var end = s.LastIndexOf(close);
            var start = end > 0 ? s[..end].LastIndexOf(open) : -1;
            if (start >= 0 && s[(start + 1)..end].Contains('@')) return s[(start + 1)..end].Trim().ToString();
        }
        return s.Contains('@') ? s.ToString() : null;
    }
}
