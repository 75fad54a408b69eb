using System.Globalization;
using Snapconv.Core.Capi;

namespace Snapconv.Core.Normalization;

/// <summary>
/// <c>country</c> (spec §3): ISO 3166-1 alpha-2, alpha-3, English short, formal or common name, or an
/// everyday alias (<c>UK</c>, <c>USA</c>, <c>Vietnam</c>, <c>EIRE</c>) → lower alpha-2, first from an embedded table
/// (<see cref="CountryTable"/>: the same answer in every globalization mode), then — for a name it lacks — from the
/// names .NET's culture data gives (#15): each country's name in its own languages (<c>Deutschland</c>,
/// <c>Schweiz</c>, <c>Suisse</c>, <c>Éire</c>) and every country's name in the main European languages
/// (<c>Allemagne</c>, <c>Alemania</c>, <c>Niemcy</c>). That second table is built once, on the first name the first
/// misses, and is empty where .NET has no culture data (invariant globalization). The lookup ignores case, accents,
/// spaces and punctuation. Unknown → <see cref="Reason.InvalidUserDataField"/>.
/// </summary>
public static class CountryNormalizer
{
    private const int MaxKeyLength = 64;

    private static readonly Dictionary<string, string> Table = Build();
    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup =
        Table.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// Looks <paramref name="raw"/> up (cleaning it first); true with the lower alpha-2 code, e.g. for a
    /// row's own country. Never throws.
    /// </summary>
    public static bool TryNormalize(string? raw, out string alpha2Lower)
    {
        alpha2Lower = "";
        if (raw is null) return false;
        var cleaned = TextCleaner.Clean(raw);
        return cleaned.Length != 0 && TryLookup(cleaned, out alpha2Lower);
    }

    /// <summary>Normalizes a cleaned (NFC, trimmed, non-empty) value.</summary>
    public static NormalizeResult Normalize(string cleaned) =>
        TryLookup(cleaned, out var code) ? NormalizeResult.Ok(code) : NormalizeResult.Invalid(Reason.InvalidUserDataField);

    private static bool TryLookup(string cleaned, out string alpha2Lower)
    {
        Span<char> key = stackalloc char[MaxKeyLength];
        var n = TextCleaner.LookupKey(cleaned, key);
        if (n > 0 && Lookup.TryGetValue(key[..n], out var found))
        {
            alpha2Lower = found;
            return true;
        }
        // "The Gambia", "the Netherlands": a leading article never matters.
        if (n > 3 && key.StartsWith("the") && Lookup.TryGetValue(key[3..n], out found))
        {
            alpha2Lower = found;
            return true;
        }
        if (n > 0 && CultureNames.Lookup.TryGetValue(key[..n], out found))
        {
            alpha2Lower = found;
            return true;
        }
        alpha2Lower = "";
        return false;
    }

    /// <summary>
    /// The main European languages whose names of every country the culture table holds (the display names ICU has in
    /// each of them): the languages of the EU and EFTA countries and their neighbours that exports are written in.
    /// </summary>
    internal static readonly string[] NameLanguages =
        ["en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "nb", "fi", "cs", "sk", "hu", "ro", "hr", "sl", "el", "bg", "tr", "ga"];

    /// <summary>
    /// Country names from .NET's culture data, keyed as the embedded table is (lookup key → lower alpha-2). Built by the
    /// type's initializer: once, on first use, thread-safe. A name two countries share in different languages is left out.
    /// </summary>
    private static class CultureNames
    {
        internal static readonly Dictionary<string, string> Table = Build();
        internal static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup =
            Table.GetAlternateLookup<ReadOnlySpan<char>>();

        private static Dictionary<string, string> Build()
        {
            var codes = CountryTable.Rows.ToDictionary(r => r[..2], r => string.Intern(r[..2].ToLowerInvariant()), StringComparer.Ordinal);
            var found = new Dictionary<string, string?>(4096, StringComparer.Ordinal);  // null: two countries claim the name
            var byRegion = new Dictionary<string, (string Culture, string Language)>(StringComparer.Ordinal);
            try
            {
                foreach (var culture in CultureInfo.GetCultures(CultureTypes.SpecificCultures))
                {
                    RegionInfo region;
                    try { region = new RegionInfo(culture.Name); }
                    catch (ArgumentException) { continue; }
                    if (!codes.TryGetValue(region.TwoLetterISORegionName, out var code)) continue;  // 001 World, 419 Latin America, XK
                    Add(found, region.NativeName, code);
                    Add(found, region.EnglishName, code);
                    // A culture named language-REGION (no script) shows the region's name in a UI language as "Language (Name)".
                    var parts = culture.Name.Split('-');
                    if (parts.Length == 2 && parts[1] == region.TwoLetterISORegionName) byRegion.TryAdd(code, (culture.Name, parts[0]));
                }
                AddDisplayNames(found, byRegion);
            }
            catch (CultureNotFoundException)
            {
                // No culture data (invariant globalization): the embedded table alone.
            }
            var table = new Dictionary<string, string>(found.Count, StringComparer.Ordinal);
            foreach (var (key, code) in found)
                if (code is not null) table[key] = code;
            return table;
        }

        /// <summary>Every region's display name in each of <see cref="NameLanguages"/> (ICU answers in the thread's UI culture).</summary>
        private static void AddDisplayNames(Dictionary<string, string?> found, Dictionary<string, (string Culture, string Language)> byRegion)
        {
            var saved = CultureInfo.CurrentUICulture;
            try
            {
                foreach (var ui in NameLanguages)
                {
                    CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(ui);
                    var languages = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var (code, (cultureName, language)) in byRegion)
                    {
                        if (!languages.TryGetValue(language, out var languageName))
                            languages[language] = languageName = CultureInfo.GetCultureInfo(language).DisplayName;
                        var display = CultureInfo.GetCultureInfo(cultureName).DisplayName;
                        if (display.Length > languageName.Length + 3 && display.StartsWith(languageName + " (", StringComparison.Ordinal) && display.EndsWith(')'))
                            Add(found, display[(languageName.Length + 2)..^1], code);
                    }
                }
            }
            finally
            {
                CultureInfo.CurrentUICulture = saved;
            }
        }

        private static void Add(Dictionary<string, string?> found, string name, string code)
        {
            Span<char> key = stackalloc char[MaxKeyLength];
            var n = TextCleaner.LookupKey(name, key);
            if (n <= 0) return;
            var k = key[..n].ToString();
            if (!found.TryGetValue(k, out var existing)) found[k] = code;
            else if (existing is not null && !ReferenceEquals(existing, code)) found[k] = null;
        }
    }

    private static Dictionary<string, string> Build()
    {
        var table = new Dictionary<string, string>(2048, StringComparer.Ordinal);
        Span<char> key = stackalloc char[MaxKeyLength];
        foreach (var row in CountryTable.Rows.Concat(CountryTable.Aliases))
        {
            var fields = row.Split('|');
            var code = string.Intern(fields[0].ToLowerInvariant());
            foreach (var name in fields)
            {
                var n = TextCleaner.LookupKey(name, key);
                if (n > 0) table.TryAdd(key[..n].ToString(), code);
            }
        }
        return table;
    }
}

/// <summary>
/// <c>st</c> (spec §3): lower case, letters and digits only. When the row's country is US, CA or absent,
/// US state, DC and territory names and Canadian province and territory names become their 2-letter
/// code (<c>Texas</c> → <c>tx</c>, <c>Québec</c> → <c>qc</c>), comparing accent-folded cleaned forms.
/// Otherwise the cleaned value. Nothing left → <see cref="Reason.InvalidUserDataField"/>.
/// </summary>
public static class StateNormalizer
{
    private const int MaxKeyLength = 48;

    // Declared before Table: static initializers run in text order.
    private static readonly string[] Names =
    [
        "al|Alabama", "ak|Alaska", "az|Arizona", "ar|Arkansas", "ca|California", "co|Colorado", "ct|Connecticut",
        "de|Delaware", "fl|Florida", "ga|Georgia", "hi|Hawaii", "id|Idaho", "il|Illinois", "in|Indiana", "ia|Iowa",
        "ks|Kansas", "ky|Kentucky", "la|Louisiana", "me|Maine", "md|Maryland", "ma|Massachusetts", "mi|Michigan",
        "mn|Minnesota", "ms|Mississippi", "mo|Missouri", "mt|Montana", "ne|Nebraska", "nv|Nevada",
        "nh|New Hampshire", "nj|New Jersey", "nm|New Mexico", "ny|New York", "nc|North Carolina",
        "nd|North Dakota", "oh|Ohio", "ok|Oklahoma", "or|Oregon", "pa|Pennsylvania", "ri|Rhode Island",
        "sc|South Carolina", "sd|South Dakota", "tn|Tennessee", "tx|Texas", "ut|Utah", "vt|Vermont",
        "va|Virginia", "wa|Washington", "wv|West Virginia", "wi|Wisconsin", "wy|Wyoming",
        "dc|District of Columbia|Washington DC|Washington D.C.",
        "as|American Samoa", "gu|Guam", "mp|Northern Mariana Islands", "pr|Puerto Rico",
        "vi|U.S. Virgin Islands|US Virgin Islands|United States Virgin Islands|Virgin Islands",
        "um|United States Minor Outlying Islands|U.S. Minor Outlying Islands",
        "ab|Alberta", "bc|British Columbia|Colombie-Britannique", "mb|Manitoba", "nb|New Brunswick|Nouveau-Brunswick",
        "nl|Newfoundland and Labrador|Newfoundland|Terre-Neuve-et-Labrador", "ns|Nova Scotia|Nouvelle-Écosse",
        "nt|Northwest Territories|Territoires du Nord-Ouest", "nu|Nunavut", "on|Ontario",
        "pe|Prince Edward Island|PEI|Île-du-Prince-Édouard", "qc|Québec|Quebec", "sk|Saskatchewan",
        "yt|Yukon|Yukon Territory",
    ];

    private static readonly Dictionary<string, string> Table = Build();
    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup =
        Table.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Normalizes a cleaned (NFC, trimmed, non-empty) value.</summary>
    public static NormalizeResult Normalize(string cleaned, NormalizeContext ctx)
    {
        var v = TextCleaner.LettersDigitsLower(cleaned);
        if (v.Length == 0) return NormalizeResult.Invalid(Reason.InvalidUserDataField);
        var country = ctx.RowCountry;
        if (v.Length > 2 && (country is null || country.Equals("us", StringComparison.OrdinalIgnoreCase)
                                             || country.Equals("ca", StringComparison.OrdinalIgnoreCase)))
        {
            Span<char> key = stackalloc char[MaxKeyLength];
            var n = TextCleaner.LookupKey(v, key);
            if (n > 0 && Lookup.TryGetValue(key[..n], out var code)) return NormalizeResult.Ok(code);
        }
        return NormalizeResult.Ok(v);
    }

    private static Dictionary<string, string> Build()
    {
        var table = new Dictionary<string, string>(256, StringComparer.Ordinal);
        Span<char> key = stackalloc char[MaxKeyLength];
        foreach (var row in Names)
        {
            var fields = row.Split('|');
            for (var i = 1; i < fields.Length; i++)
            {
                var n = TextCleaner.LookupKey(fields[i], key);
                table.TryAdd(key[..n].ToString(), fields[0]);
            }
        }
        return table;
    }
}

/// <summary>
/// <c>zp</c> (spec §3): lower case, white space removed. With the row's country US or absent, ZIP+4
/// (<c>ddddd-dddd</c> or 9 digits) → the first 5 digits; with US, 3–4 digits are zero-padded to 5
/// (spreadsheet damage). Other hyphens stay (<c>01310-100</c>).
/// </summary>
public static class ZipNormalizer
{
    /// <summary>Normalizes a cleaned (NFC, trimmed, non-empty) value.</summary>
    public static NormalizeResult Normalize(string cleaned, NormalizeContext ctx)
    {
        var v = cleaned;
        foreach (var c in v)
        {
            if (char.IsWhiteSpace(c))
            {
                var sb = new System.Text.StringBuilder(v.Length);
                foreach (var d in v)
                    if (!char.IsWhiteSpace(d)) sb.Append(d);
                v = sb.ToString();
                break;
            }
        }
        v = v.ToLowerInvariant();
        var country = ctx.RowCountry;
        var us = country is not null && country.Equals("us", StringComparison.OrdinalIgnoreCase);
        if (country is null || us)
        {
            if (v.Length == 10 && v[5] == '-' && AllDigits(v.AsSpan(0, 5)) && AllDigits(v.AsSpan(6))) return NormalizeResult.Ok(v[..5]);
            if (v.Length == 9 && AllDigits(v)) return NormalizeResult.Ok(v[..5]);
        }
        if (us && v.Length is 3 or 4 && AllDigits(v)) return NormalizeResult.Ok(v.PadLeft(5, '0'));
        return NormalizeResult.Ok(v);
    }

    private static bool AllDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
            if (!char.IsAsciiDigit(c)) return false;
        return true;
    }
}
