using Microsoft.Extensions.Time.Testing;
using PhoneNumbers;
using Snapconv.Core.Capi;
using Snapconv.Core.Normalization;

namespace Snapconv.Core.Tests.Normalization;

public sealed class IdentifierNormalizerTests
{
    private static NormalizeResult N(IdentifierKind kind, string raw, NormalizeContext? ctx = null) =>
        IdentifierNormalizer.Normalize(kind, raw, ctx ?? NormalizeContext.Default);

    private static void AssertOk(IdentifierKind kind, string raw, string expected, NormalizeContext? ctx = null)
    {
        var r = N(kind, raw, ctx);
        Assert.Equal(NormalizeStatus.Normalized, r.Status);
        Assert.Equal(expected, r.Value);
    }

    private static void AssertInvalid(IdentifierKind kind, string raw, Reason reason, NormalizeContext? ctx = null)
    {
        var r = N(kind, raw, ctx);
        Assert.Equal(NormalizeStatus.Invalid, r.Status);
        Assert.Null(r.Value);
        Assert.Same(reason, r.Warning);
    }

    // ---- em
    [Theory]
    [InlineData("plainaddress")]
    [InlineData("a@b@example.com")]
    [InlineData("@example.com")]
    [InlineData("john@localhost")]
    [InlineData("john@.example.com")]
    [InlineData("john@example.com.")]
    [InlineData("john@example..com")]
    [InlineData("john doe@example.com")]
    [InlineData("john@exa\tmple.com")]
    [InlineData("0123456789abcdef0123456789ABCDEF")]
    public void Email_Malformed_IsInvalidEmail(string raw) => AssertInvalid(IdentifierKind.Em, raw, Reason.InvalidEmail);

    [Fact]
    public void Email_Over254Chars_IsInvalidEmail() =>
        AssertInvalid(IdentifierKind.Em, new string('a', 245) + "@example.com", Reason.InvalidEmail);

    [Fact]
    public void Email_Exactly254Chars_IsAccepted()
    {
        var raw = new string('a', 242) + "@example.com";
        AssertOk(IdentifierKind.Em, raw, raw);
    }

    [Fact]
    public void Email_AlreadyLowerAscii_ReturnsSameInstance()
    {
        var raw = string.Concat("jane.doe+x", "@example.org");
        Assert.Same(raw, N(IdentifierKind.Em, raw).Value);
    }

    [Theory]
    [InlineData("Jörg@Bücher.DE", "jörg@bücher.de")]
    [InlineData("用户@例子.广告", "用户@例子.广告")]
    [InlineData("\uFEFFJohn.Smith@Gmail.com\u200B", "john.smith@gmail.com")]
    public void Email_UnicodeOrFormatChars_KeptAsTypedLowerCased(string raw, string expected) =>
        AssertOk(IdentifierKind.Em, raw, expected);

    // ---- ph
    [Theory]
    [InlineData("n/a1", "US")]   // n/a and - are placeholders: no value, not junk (#15, SpreadsheetQuirksTests)
    [InlineData("--1", "US")]
    [InlineData("12", "US")]
    [InlineData("234-2344", "US")] // possible only locally
    [InlineData("+999 1234 5678", null)] // no such country code
    [InlineData("+1 447 234 2344 5555 6666 7777 8888", null)]
    [InlineData("0123456789abcdef0123456789ABCDEF", "US")]
    [InlineData("+44", null)]
    [InlineData("tel:", "US")]
    public void Phone_Junk_IsInvalidPhone(string raw, string? def) =>
        AssertInvalid(IdentifierKind.Ph, raw, Reason.InvalidPhone, new NormalizeContext { DefaultCountry = def });

    [Theory]
    [InlineData("+1 447 234 2344 ext. 123", null, "14472342344")]
    [InlineData("(447) 234-2344 x99", "US", "14472342344")]
    [InlineData("+00 44 844 412 4653", "US", "448444124653")]
    [InlineData("00 33 1 42 68 53 00", "US", "33142685300")]
    [InlineData("+39 06 6982 1234", null, "390669821234")]
    [InlineData("06 6982 1234", "IT", "390669821234")]
    [InlineData("+１ ４４７ ２３４ ２３４４", null, "14472342344")]
    public void Phone_ValidForms_GiveE164Digits(string raw, string? def, string expected) =>
        AssertOk(IdentifierKind.Ph, raw, expected, new NormalizeContext { DefaultCountry = def });

    [Fact]
    public void Phone_RowCountryLowerCase_WinsOverDefault() =>
        AssertOk(IdentifierKind.Ph, "030 901820", "4930901820", new NormalizeContext { RowCountry = "de", DefaultCountry = "US" });

    [Theory]
    [InlineData("+39 06 6982 1234", "ZZ")]
    [InlineData("+44 20 7183 8750", "ZZ")]
    [InlineData("+1 650 253 0000", "ZZ")]
    [InlineData("+225 07 12 34 56 78", "ZZ")]
    [InlineData("030 901820", "DE")]
    [InlineData("+61 2 9374 4000", "ZZ")]
    public void Phone_AnyNumber_MatchesLibphonenumberE164(string raw, string region)
    {
        var util = PhoneNumberUtil.GetInstance();
        var expected = util.Format(util.Parse(raw, region), PhoneNumberFormat.E164)[1..];
        AssertOk(IdentifierKind.Ph, raw, expected, new NormalizeContext { DefaultCountry = region == "ZZ" ? null : region });
    }

    // ---- fn / ln / ct
    [Theory]
    [InlineData(IdentifierKind.Fn, "Mr. O'Brien", "mrobrien")]
    [InlineData(IdentifierKind.Ln, "van der Berg 3rd", "vanderberg3rd")]
    [InlineData(IdentifierKind.Ln, "ÅSTRÖM", "åström")]
    [InlineData(IdentifierKind.Ct, "Saint-Étienne", "saintétienne")]
    [InlineData(IdentifierKind.Ct, "New York City", "newyorkcity")]
    public void Name_Punctuated_KeepsLettersMarksDigitsLower(IdentifierKind kind, string raw, string expected) =>
        AssertOk(kind, raw, expected);

    [Fact]
    public void City_FoldAccentsOption_FoldsAccents() =>
        AssertOk(IdentifierKind.Ct, "Zürich", "zurich", new NormalizeContext { FoldCityAccents = true });

    [Theory]
    [InlineData(IdentifierKind.Fn)]
    [InlineData(IdentifierKind.Ct)]
    [InlineData(IdentifierKind.St)]
    public void Name_OnlyPunctuation_IsInvalidField(IdentifierKind kind) =>
        AssertInvalid(kind, "-- . --", Reason.InvalidUserDataField);

    // ---- st
    [Theory]
    [InlineData("New York", null, "ny")]
    [InlineData("new-york", "us", "ny")]
    [InlineData("District of Columbia", null, "dc")]
    [InlineData("Puerto Rico", "us", "pr")]
    [InlineData("QUEBEC", "ca", "qc")]
    [InlineData("Ontario", "ca", "on")]
    [InlineData("Bavaria", "de", "bavaria")]
    [InlineData("Texas", "de", "texas")]
    [InlineData("N.Y.", null, "ny")]
    public void State_NamesAndCountries_MapOrClean(string raw, string? row, string expected) =>
        AssertOk(IdentifierKind.St, raw, expected, new NormalizeContext { RowCountry = row });

    // ---- zp
    [Theory]
    [InlineData("980526399", null, "98052")]
    [InlineData("2134", "us", "02134")]
    [InlineData("501", "us", "00501")]
    [InlineData("2134", null, "2134")]
    [InlineData("SW1A 1AA", "gb", "sw1a1aa")]
    [InlineData("98052-6399", "de", "98052-6399")]
    [InlineData(" H3Z 2Y7 ", "ca", "h3z2y7")]
    public void Zip_Forms_Normalize(string raw, string? row, string expected) =>
        AssertOk(IdentifierKind.Zp, raw, expected, new NormalizeContext { RowCountry = row });

    // ---- country
    [Theory]
    [InlineData("UK", "gb")]
    [InlineData("United Kingdom", "gb")]
    [InlineData("USA", "us")]
    [InlineData("U.S.A.", "us")]
    [InlineData("united states of america", "us")]
    [InlineData("Vietnam", "vn")]
    [InlineData("Viet Nam", "vn")]
    [InlineData("Socialist Republic of Viet Nam", "vn")]
    [InlineData("Côte d'Ivoire", "ci")]
    [InlineData("COTE D IVOIRE", "ci")]
    [InlineData("The Netherlands", "nl")]
    [InlineData("Korea, Republic of", "kr")]
    [InlineData("South Korea", "kr")]
    [InlineData("Åland Islands", "ax")]
    [InlineData("bra", "br")]
    [InlineData("Federal Republic of Germany", "de")]
    public void Country_NamesAndCodes_MapToAlpha2(string raw, string expected) => AssertOk(IdentifierKind.Country, raw, expected);

    [Theory]
    [InlineData("Atlantis")]
    [InlineData("XX")]
    [InlineData("Europe")]
    public void Country_Unknown_IsInvalidField(string raw) => AssertInvalid(IdentifierKind.Country, raw, Reason.InvalidUserDataField);

    [Fact]
    public void Country_Table_HasAllIso3166Entries() => Assert.Equal(249, CountryTable.Rows.Length);

    [Fact]
    public void CountryTryNormalize_RowCountry_GivesLowerAlpha2()
    {
        Assert.True(CountryNormalizer.TryNormalize(" Deutschland ", out var de));
        Assert.Equal("de", de);
        Assert.False(CountryNormalizer.TryNormalize("nowhere", out _));
        Assert.False(CountryNormalizer.TryNormalize(null, out _));
    }

    // ---- ge
    [Theory]
    [InlineData("M", "m")]
    [InlineData("Male", "m")]
    [InlineData("man", "m")]
    [InlineData("BOY", "m")]
    [InlineData("f", "f")]
    [InlineData("Woman", "f")]
    [InlineData("girl", "f")]
    public void Gender_KnownWords_MapToLetter(string raw, string expected) => AssertOk(IdentifierKind.Ge, raw, expected);

    [Theory]
    [InlineData("x")]
    [InlineData("unknown")]
    [InlineData("non-binary")]
    public void Gender_Other_IsInvalidField(string raw) => AssertInvalid(IdentifierKind.Ge, raw, Reason.InvalidUserDataField);

    // ---- db
    private static readonly NormalizeContext DobNow = new()
    {
        Clock = new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero)),
    };

    [Theory]
    [InlineData("1988-07-04", "19880704")]
    [InlineData("1988/7/4", "19880704")]
    [InlineData("1988.07.04", "19880704")]
    [InlineData("19880704", "19880704")]
    [InlineData("1988-07-04T23:30:00Z", "19880704")]
    [InlineData("1988-07-04 00:00:00", "19880704")]
    [InlineData("25/12/1988", "19881225")]
    [InlineData("12/25/1988", "19881225")]
    [InlineData("07/07/1988", "19880707")]
    [InlineData("1900-01-01", "19000101")]
    [InlineData("2025-06-01", "20250601")]
    public void DateOfBirth_DecidableForms_GiveYyyyMmDd(string raw, string expected) =>
        AssertOk(IdentifierKind.Db, raw, expected, DobNow);

    // #17: "today" comes from the run's clock; a context without one (a join index's) never reads the system clock.
    [Fact]
    public void DateOfBirth_ContextWithoutClock_ThrowsInsteadOfReadingTheSystemClock() =>
        Assert.Throws<InvalidOperationException>(() => N(IdentifierKind.Db, "1988-07-04", new NormalizeContext()));

    [Theory]
    [InlineData("07/04/1988")] // ambiguous without dob_format
    [InlineData("1988-02-30")]
    [InlineData("1899-12-31")]
    [InlineData("2025-06-02")] // tomorrow
    [InlineData("04/07/88")]
    [InlineData("July 4th")]
    [InlineData("19881304")]
    public void DateOfBirth_AmbiguousImpossibleOrOutOfRange_IsInvalidField(string raw) =>
        AssertInvalid(IdentifierKind.Db, raw, Reason.InvalidUserDataField, DobNow);

    [Fact]
    public void DateOfBirth_DayFirstFormat_ReadsDayFirst() =>
        AssertOk(IdentifierKind.Db, "07/04/1988", "19880407", DobNow with { DobFormat = "dd/MM/yyyy" });

    // ---- external_id
    [Theory]
    [InlineData(" AB 12\tcd ", false, "ab12cd")]
    [InlineData("AbC-123", true, "AbC-123")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF", false, "0123456789abcdef0123456789abcdef")]
    public void ExternalId_Forms_Normalize(string raw, bool preserveCase, string expected) =>
        AssertOk(IdentifierKind.ExternalId, raw, expected, new NormalizeContext { PreserveCase = preserveCase });

    // ---- hashed columns
    [Theory]
    [InlineData(IdentifierKind.Em, "person@example.com")]
    [InlineData(IdentifierKind.Ph, "+44 844 412 4653")]
    [InlineData(IdentifierKind.Fn, "John")]
    [InlineData(IdentifierKind.ExternalId, "0123456789abcdef0123456789abcdef")]
    public void AlreadyHashedColumn_NotHex64_IsInvalidWithFieldReason(IdentifierKind kind, string raw) =>
        AssertInvalid(kind, raw, IdentifierNormalizer.InvalidReason(kind), new NormalizeContext { AlreadyHashed = true });

    [Fact]
    public void AlreadyHashedColumn_Hex64WithSpaces_PassesThroughLower()
    {
        var r = N(IdentifierKind.Fn, "  " + new string('A', 64) + " ", new NormalizeContext { AlreadyHashed = true });
        Assert.Equal(NormalizeStatus.AlreadyHashed, r.Status);
        Assert.Equal(new string('a', 64), r.Value);
    }

    // ---- madid
    [Theory]
    [InlineData("6D92078A-8246-4BA4-AE5B-76104861E7DC", "6d92078a-8246-4ba4-ae5b-76104861e7dc")]
    [InlineData("6d92078a82464ba4ae5b76104861e7dc", "6d92078a-8246-4ba4-ae5b-76104861e7dc")]
    [InlineData(" 6d92078a-8246-4ba4-ae5b-76104861e7dc ", "6d92078a-8246-4ba4-ae5b-76104861e7dc")]
    public void Madid_HexUuid_GivesCanonicalLower(string raw, string expected) => AssertOk(IdentifierKind.Madid, raw, expected);

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("6d92078a-8246-4ba4-ae5b-76104861e7dz")]
    [InlineData("6d92078a-82464-ba4-ae5b-76104861e7dc")]
    [InlineData("{6d92078a-8246-4ba4-ae5b-76104861e7dc}")]
    [InlineData("7b17fb0bd173f625b58636fb796407c22b3d16fc78302d79f0fd30c2fc2fc068")]
    public void Madid_NotAUsableUuid_IsInvalidField(string raw) => AssertInvalid(IdentifierKind.Madid, raw, Reason.InvalidUserDataField);

    // ---- plain kinds
    [Theory]
    [InlineData("192.168.0.1")]
    [InlineData("2001:db8::1")]
    [InlineData("::ffff:10.0.0.1")]
    public void IpAddress_Valid_IsKept(string raw) => AssertOk(IdentifierKind.ClientIpAddress, " " + raw + " ", raw);

    [Theory]
    [InlineData("1.2.3")]
    [InlineData("256.1.1.1")]
    [InlineData("12345")]
    [InlineData("1.2.3.4.5")]
    [InlineData("localhost")]
    [InlineData("2001:db8::zz")]
    public void IpAddress_Invalid_IsInvalidField(string raw) => AssertInvalid(IdentifierKind.ClientIpAddress, raw, Reason.InvalidUserDataField);

    [Theory]
    [InlineData(IdentifierKind.ClientUserAgent, " Mozilla/5.0 (X11) ", "Mozilla/5.0 (X11)")]
    [InlineData(IdentifierKind.ScClickId, " AbC-123 ", "AbC-123")]
    [InlineData(IdentifierKind.ScCookie1, "7B17FB0BD173F625B58636FB796407C22B3D16FC78302D79F0FD30C2FC2FC068", "7B17FB0BD173F625B58636FB796407C22B3D16FC78302D79F0FD30C2FC2FC068")]
    [InlineData(IdentifierKind.LeadId, "\uFEFF42", "42")]
    public void PlainKind_Value_IsTrimmedNeverAlreadyHashed(IdentifierKind kind, string raw, string expected) =>
        AssertOk(kind, raw, expected, new NormalizeContext { AlreadyHashed = true });
}
