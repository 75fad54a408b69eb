using Snapconv.Core.Capi;
using Snapconv.Core.Hashing;
using Snapconv.Core.Normalization;

namespace Snapconv.Core.Tests.Normalization;

/// <summary>
/// #15 "no silently wrong hash": what spreadsheets and exports write into cells — the apostrophe that marks text,
/// placeholders for no value, phones a spreadsheet wrote in scientific notation, country names as exports write them.
/// </summary>
public sealed class SpreadsheetQuirksTests
{
    private static readonly NormalizeContext Us = new() { DefaultCountry = "US" };

    private static NormalizeResult N(IdentifierKind kind, string raw, NormalizeContext? ctx = null) =>
        IdentifierNormalizer.Normalize(kind, raw, ctx ?? Us);

    // ---------------------------------------------------------------- the text marker

    [Theory]
    [InlineData(IdentifierKind.Zp, "'4001", "4001")]
    [InlineData(IdentifierKind.Zp, "  '97317 ", "97317")]
    [InlineData(IdentifierKind.Zp, "' 97317", "97317")]
    [InlineData(IdentifierKind.Ph, "'+14485003012", "14485003012")]
    [InlineData(IdentifierKind.Ph, "'+56 9 6123 4567", "56961234567")]
    [InlineData(IdentifierKind.ExternalId, "'5897398649016", "5897398649016")]
    [InlineData(IdentifierKind.Em, "'Ann.Lee@Example.com", "ann.lee@example.com")]
    [InlineData(IdentifierKind.Fn, "'José", "josé")]
    [InlineData(IdentifierKind.Ct, "'\u200BZürich", "zürich")]
    public void Normalize_LeadingApostrophe_IsRemovedBeforeTheRule(IdentifierKind kind, string raw, string expected)
    {
        // #15: Shopify writes zips and some phones as '4001 so a spreadsheet keeps them text.
        var r = N(kind, raw);
        Assert.Equal(NormalizeStatus.Normalized, r.Status);
        Assert.Equal(expected, r.Value);
        Assert.Equal(Sha256Hex.Hash(expected), Sha256Hex.Hash(r.Value!));
    }

    [Theory]
    [InlineData(IdentifierKind.Zp, "''4001", "'4001")]   // only one marker is removed
    [InlineData(IdentifierKind.Zp, "40'01", "40'01")]    // only at the start
    [InlineData(IdentifierKind.ExternalId, "ab'", "ab'")]
    [InlineData(IdentifierKind.Ln, "O'Brien", "obrien")]
    public void Normalize_ApostropheNotALeadingMarker_IsData(IdentifierKind kind, string raw, string expected) // #15
    {
        Assert.Equal(expected, N(kind, raw).Value);
    }

    [Theory]
    [InlineData("'")]
    [InlineData("  '  ")]
    public void Normalize_MarkerAlone_IsEmpty(string raw) // #15
    {
        Assert.Equal(NormalizeStatus.Empty, N(IdentifierKind.Zp, raw).Status);
        Assert.Equal(NormalizeStatus.Empty, N(IdentifierKind.Em, raw).Status);
    }

    [Fact]
    public void Normalize_MarkedSha256Hex_PassesThroughAsHashed() // #15
    {
        var hex = Sha256Hex.Hash("ann@example.com");
        var r = N(IdentifierKind.Em, "'" + hex.ToUpperInvariant());
        Assert.Equal(NormalizeStatus.AlreadyHashed, r.Status);
        Assert.Equal(hex, r.Value);
    }

    [Theory]
    [InlineData("'ann@example.com")]
    [InlineData("  ' Ann@Example.COM\t")]
    [InlineData("''ann@example.com")]
    [InlineData("'")]
    public void EmailFastPath_MarkedAddress_AgreesWithTheGeneralPath(string raw) // #15
    {
        var digest = new byte[32];
        var answered = EmailNormalizer.TryHashAscii(raw, digest);
        var r = N(IdentifierKind.Em, raw);
        if (answered) Assert.Equal(Sha256Hex.Hash(r.Value!), Convert.ToHexStringLower(digest));
        else Assert.NotEqual(NormalizeStatus.Normalized, r.Status);
        if (raw.Trim() is "'ann@example.com" or "' Ann@Example.COM") Assert.True(answered);
    }

    [Fact]
    public void PhoneFastPath_MarkedNumbers_AgreeWithTheGeneralPath() // #15
    {
        foreach (var raw in new[] { "'+14485003012", "'(352) 301-6928", "' 713-209-8179", "'0044 20 7946 0958" })
        {
            var cleaned = TextCleaner.Clean(raw);
            var digest = new byte[32];
            Assert.True(PhoneNormalizer.TryHashFast(cleaned, Us, digest), raw);
            var r = N(IdentifierKind.Ph, raw);
            Assert.Equal(Sha256Hex.Hash(r.Value!), Convert.ToHexStringLower(digest));
        }
    }

    [Fact]
    public void Clean_MarkedRandomText_AgreesWithTheGeneralPath() // #15
    {
        var random = new Random(1515);
        const string pool = "'' \t\u00A0ab1é\u0301\u200B\uFEFF";
        for (var n = 0; n < 20_000; n++)
        {
            var chars = new char[random.Next(0, 8)];
            for (var i = 0; i < chars.Length; i++) chars[i] = pool[random.Next(pool.Length)];
            var s = new string(chars);
            Assert.Equal(TextCleaner.CleanGeneral(s), TextCleaner.Clean(s));
        }
    }

    [Fact]
    public void Clean_UnmarkedAsciiText_IsTheSameInstance() // #15: the common path allocates nothing
    {
        var s = "97317";
        Assert.Same(s, TextCleaner.Clean(s));
    }

    // ---------------------------------------------------------------- placeholders

    public static TheoryData<string, IdentifierKind> PlaceholderCells()
    {
        var data = new TheoryData<string, IdentifierKind>();
        string[] placeholders = ["-", "—", "–", "n/a", "N/A", "#N/A", "null", "NULL", "none", "None", "undefined", "(blank)", " - ", "'-", "NA"];
        IdentifierKind[] kinds = [IdentifierKind.Em, IdentifierKind.Ph, IdentifierKind.Zp, IdentifierKind.Ct, IdentifierKind.St,
            IdentifierKind.Country, IdentifierKind.ExternalId, IdentifierKind.Fn, IdentifierKind.Ln, IdentifierKind.Ge, IdentifierKind.Db];
        foreach (var p in placeholders)
            foreach (var k in kinds)
                if (!(p == "NA" && k is IdentifierKind.Country or IdentifierKind.St or IdentifierKind.Fn or IdentifierKind.Ln)) data.Add(p, k);
        return data;
    }

    [Theory]
    [MemberData(nameof(PlaceholderCells))]
    public void Normalize_Placeholder_IsEmptyNotAWarning(string raw, IdentifierKind kind) // #15
    {
        var r = N(kind, raw);
        Assert.Equal(NormalizeStatus.Empty, r.Status);
        Assert.Null(r.Warning);
    }

    [Fact]
    public void Normalize_NaAsCountry_IsNamibia() // #15: NA is Namibia's code, not a placeholder
    {
        var r = N(IdentifierKind.Country, "NA");
        Assert.Equal("na", r.Value);
        Assert.Equal(Sha256Hex.Hash("na"), Sha256Hex.Hash(r.Value!));
        Assert.Equal("na", N(IdentifierKind.Country, "'na").Value);
    }

    [Theory]
    [InlineData(IdentifierKind.Ln, "Na", "na")]     // a family name
    [InlineData(IdentifierKind.St, "NA", "na")]     // Navarra in a Spanish export's province column
    [InlineData(IdentifierKind.Fn, "NA", "na")]
    [InlineData(IdentifierKind.Ct, "Nonette", "nonette")]
    [InlineData(IdentifierKind.Zp, "N/A1", "n/a1")]
    [InlineData(IdentifierKind.Ln, "Nullman", "nullman")]
    public void Normalize_TextLikeAPlaceholder_IsAValue(IdentifierKind kind, string raw, string expected) // #15
    {
        Assert.Equal(expected, N(kind, raw).Value);
    }

    [Fact]
    public void FastPaths_Placeholders_AreNeverAnswered() // #15: the general path (Empty) decides them
    {
        var digest = new byte[32];
        foreach (var p in Placeholders.All.Concat(["N/A", "#N/A", "NULL", "(BLANK)"]))
        {
            Assert.False(EmailNormalizer.TryHashAscii(p, digest), p);
            Assert.False(PhoneNormalizer.TryHashFast(TextCleaner.Clean(p), Us, digest), p);
        }
    }

    // ---------------------------------------------------------------- numbers a spreadsheet destroyed

    [Theory]
    [InlineData("9.23228E+11")]
    [InlineData("1.4485E+10")]
    [InlineData("9,23228E+11")]
    [InlineData("1.4485e+10")]
    [InlineData("'9.23228E+11")]
    [InlineData("1E+10")]
    [InlineData("9.23228E11")]
    public void Normalize_PhoneInScientificNotation_IsInvalidSayingASpreadsheetResavedIt(string raw) // #15
    {
        foreach (var ctx in new[] { Us, NormalizeContext.Default, new NormalizeContext { RowCountry = "gb" } })
        {
            var r = N(IdentifierKind.Ph, raw, ctx);
            Assert.Equal(NormalizeStatus.Invalid, r.Status);
            Assert.Same(SpreadsheetNumbers.PhoneReason, r.Warning);
            Assert.Equal("INVALID_PHONE", r.Warning!.Name);
            Assert.Contains("re-saved by a spreadsheet", r.Warning.Message);
        }
        Assert.False(PhoneNormalizer.TryHashFast(TextCleaner.Clean(raw), Us, new byte[32]));
    }

    [Theory]
    [InlineData("+1 555 0100 ext 12")]
    [InlineData("12E")]
    [InlineData("E+11")]
    [InlineData(".5E+3")]
    [InlineData("9.E+11")]
    public void Normalize_PhoneNotInScientificNotation_KeepsTheOrdinaryRule(string raw) // #15
    {
        Assert.NotSame(SpreadsheetNumbers.PhoneReason, N(IdentifierKind.Ph, raw).Warning);
    }

    // ---------------------------------------------------------------- country names

    [Theory]
    [InlineData("EIRE", "ie")]
    [InlineData("Great Britain", "gb")]
    [InlineData("Holland", "nl")]
    [InlineData("Türkiye", "tr")]
    [InlineData("Czechia", "cz")]
    [InlineData("Korea, Republic of", "kr")]
    [InlineData("Russian Federation", "ru")]
    [InlineData("Viet Nam", "vn")]
    [InlineData("Deutschland", "de")]
    [InlineData("España", "es")]
    [InlineData("Espana", "es")]
    [InlineData("Italia", "it")]
    [InlineData("Schweiz", "ch")]
    [InlineData("Suisse", "ch")]
    [InlineData("Svizzera", "ch")]
    [InlineData("Nederland", "nl")]
    [InlineData("Österreich", "at")]
    [InlineData("Polska", "pl")]
    [InlineData("Sverige", "se")]
    [InlineData("Danmark", "dk")]
    [InlineData("Norge", "no")]
    [InlineData("Suomi", "fi")]
    [InlineData("België", "be")]
    [InlineData("Belgique", "be")]
    [InlineData("Česko", "cz")]
    [InlineData("Magyarország", "hu")]
    [InlineData("Éire", "ie")]
    public void Normalize_CountryAsExportsWriteIt_IsItsAlpha2(string raw, string code) // #15
    {
        var r = N(IdentifierKind.Country, raw);
        Assert.Equal(NormalizeStatus.Normalized, r.Status);
        Assert.Equal(code, r.Value);
        Assert.Equal(Sha256Hex.Hash(code), Sha256Hex.Hash(r.Value!));
        Assert.Equal(code, N(IdentifierKind.Country, raw.ToUpperInvariant()).Value);
    }

    [Theory]
    [InlineData("Allemagne", "de")]      // French
    [InlineData("Alemania", "de")]       // Spanish
    [InlineData("Germania", "de")]       // Italian
    [InlineData("Duitsland", "de")]      // Dutch
    [InlineData("Niemcy", "de")]         // Polish
    [InlineData("Tyskland", "de")]       // Swedish, Danish, Norwegian
    [InlineData("Spanien", "es")]        // German
    [InlineData("Espagne", "es")]        // French
    [InlineData("Vereinigte Staaten", "us")]
    [InlineData("Royaume-Uni", "gb")]
    [InlineData("Irlanda", "ie")]
    [InlineData("Südkorea", "kr")]
    [InlineData("Stati Uniti", "us")]
    public void Normalize_CountryInAMainEuropeanLanguage_ComesFromCultureData(string raw, string code) // #15
    {
        var r = N(IdentifierKind.Country, raw);
        Assert.Equal(NormalizeStatus.Normalized, r.Status);
        Assert.Equal(code, r.Value);
    }

    [Theory]
    [InlineData("Narnia")]
    [InlineData("Europe")]
    public void Normalize_UnknownCountryName_IsStillInvalid(string raw)
    {
        Assert.Equal(NormalizeStatus.Invalid, N(IdentifierKind.Country, raw).Status);
    }

    [Fact]
    public void Country_EveryCultureName_MapsToAnIsoCode() // #15: nothing outside ISO 3166 (001, 419, XK) slips in
    {
        var codes = CountryTable.Rows.Select(r => r[..2].ToLowerInvariant()).ToHashSet();
        foreach (var culture in System.Globalization.CultureInfo.GetCultures(System.Globalization.CultureTypes.SpecificCultures))
        {
            System.Globalization.RegionInfo region;
            try { region = new System.Globalization.RegionInfo(culture.Name); }
            catch (ArgumentException) { continue; }
            var r = N(IdentifierKind.Country, region.NativeName);
            if (r.Status == NormalizeStatus.Normalized) Assert.Contains(r.Value!, codes);
        }
    }
}
