using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Capi;
using Snapconv.Core.Hashing;
using Snapconv.Core.Mapping;
using Snapconv.Core.Normalization;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Tests.Conformance;

/// <summary>Spec rules (snap-capi-spec.md §2–§8) checked through the public entry points.</summary>
public class ConformanceAuditTests
{
    private const long T0 = 1734567890;
    private static readonly FakeTimeProvider Clock = new(DateTimeOffset.FromUnixTimeSeconds(T0 + 3600));

    /// <summary>Builds one row from header/value pairs; a valid PURCHASE unless overridden.</summary>
    private static BuiltRow Row(params (string Header, string? Value)[] cells) => RowIn("in.csv", null, cells);

    private static BuiltRow RowIn(string file, ConversionOptions? options, params (string Header, string? Value)[] cells)
    {
        var defaults = new List<(string, string?)>
        {
            ("event_name", "PURCHASE"), ("event_time", T0.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("amount", "10"), ("currency", "USD"),
        };
        foreach (var c in cells)
        {
            var i = defaults.FindIndex(d => d.Item1 == c.Header);
            if (i >= 0) defaults[i] = c; else defaults.Add(c);
        }
        var headers = defaults.Select(d => d.Item1).ToArray();
        options ??= new ConversionOptions { Mapping = MappingSpec.Empty, PixelId = "pixel-1" };
        var bound = BoundMapping.Bind(options.Mapping, headers, file);
        return new EventBuilder(bound, options, file, Clock).Build(defaults.Select(d => d.Item2).ToArray(), 1);
    }

    private static string Rejection(BuiltRow r) => r.Rejection?.Reason.Name ?? "accepted";

    // ---- §3 cleaning: NFC, Cf stripped, trimmed ----

    [Theory]
    [InlineData("\uFEFFPerson@Example.com")]
    [InlineData("Person@Example.com\u200B")]
    [InlineData("\u00A0Person@Example.com\u00A0")]
    [InlineData("Per\u200Bson@Example.com")]
    public void Identifier_FormatCharsAndUnicodeSpaces_AreStrippedBeforeHashing(string raw)
    {
        var r = IdentifierNormalizer.Normalize(IdentifierKind.Em, raw, NormalizeContext.Default);
        Assert.Equal("person@example.com", r.Value);
    }

    [Theory]
    [InlineData("event_name", "PURCHASE\u200B")]
    [InlineData("event_name", "\uFEFFpurchase")]
    [InlineData("currency", "USD\u200B")]
    [InlineData("amount", "10\u200B")]
    [InlineData("event_time", "\uFEFF1734567890")]
    [InlineData("action_source", "physical_store\u200B")]
    public void Build_FormatCharInNonIdentifierField_IsCleanedNotRejected(string header, string value)
    {
        var r = Row(("email", "a@b.co"), (header, value));
        Assert.Equal("accepted", Rejection(r));
    }

    [Fact]
    public void Build_CellOfOnlyFormatChars_IsMissing()
    {
        Assert.Equal("MISSING_EVENT_NAME", Rejection(Row(("email", "a@b.co"), ("event_name", "\u200B"))));
    }

    [Fact]
    public void Build_FormatCharInOrderId_DoesNotChangeEventId()
    {
        var a = Row(("email", "a@b.co"), ("order_id", "A-1"));
        var b = Row(("email", "a@b.co"), ("order_id", "\uFEFFA-1\u200B"));
        Assert.Equal(a.Event!.EventId, b.Event!.EventId);
        Assert.Equal("A-1", b.Event.CustomData.OrderId);
    }

    // ---- §3 em ----

    [Theory]
    [InlineData("a b@x.com")]
    [InlineData("a@b@x.com")]
    [InlineData("a@localhost")]
    [InlineData("@x.com")]
    [InlineData("a@x..com")]
    [InlineData("a@.x.com")]
    [InlineData("a@x.com.")]
    public void Email_NotOneAtDottedDomainNoSpace_IsInvalidEmail(string raw)
    {
        var r = IdentifierNormalizer.Normalize(IdentifierKind.Em, raw, NormalizeContext.Default);
        Assert.Equal(NormalizeStatus.Invalid, r.Status);
        Assert.Equal(Reason.InvalidEmail, r.Warning);
    }

    // ---- §3 32-hex (MD5) ----

    [Theory]
    [InlineData(IdentifierKind.Em, "INVALID_EMAIL")]
    [InlineData(IdentifierKind.Ph, "INVALID_PHONE")]
    public void Md5Hex_InEmOrPh_IsInvalid(IdentifierKind kind, string reason)
    {
        var r = IdentifierNormalizer.Normalize(kind, "5D41402ABC4B2A76B9719D911017C592", new NormalizeContext { DefaultCountry = "US" });
        Assert.Equal(NormalizeStatus.Invalid, r.Status);
        Assert.Equal(reason, r.Warning!.Name);
    }

    [Fact]
    public void Md5Hex_InAlreadyHashedColumn_IsInvalid()
    {
        var r = IdentifierNormalizer.Normalize(IdentifierKind.Fn, "5d41402abc4b2a76b9719d911017c592", new NormalizeContext { AlreadyHashed = true });
        Assert.Equal(NormalizeStatus.Invalid, r.Status);
    }

    [Fact]
    public void Md5Hex_InExternalId_IsAnOrdinaryIdHashed()
    {
        var r = Row(("email", "a@b.co"), ("external_id", "5D41402ABC4B2A76B9719D911017C592"));
        Assert.Equal(Sha256Hex.Hash("5d41402abc4b2a76b9719d911017c592"), r.Event!.UserData.ExternalId);
    }

    // ---- §3 ph ----

    [Theory]
    [InlineData("+0044 844 412 4653", null, "448444124653")]
    [InlineData("+00 44 844 412 4653", null, "448444124653")]
    [InlineData("0044 844 412 4653", "DE", "448444124653")]
    [InlineData("+1 447 234 2344 ext. 12", null, "14472342344")]
    [InlineData("447-234-2344 x99", "US", "14472342344")]
    public void Phone_InternationalPrefixesAndExtensions_GiveE164Digits(string raw, string? def, string expected)
    {
        var r = IdentifierNormalizer.Normalize(IdentifierKind.Ph, raw, new NormalizeContext { DefaultCountry = def });
        Assert.Equal(expected, r.Value);
    }

    [Fact]
    public void Phone_LocalOnlyNumber_IsInvalidPhone()
    {
        var r = IdentifierNormalizer.Normalize(IdentifierKind.Ph, "234 2344", new NormalizeContext { DefaultCountry = "US" });
        Assert.Equal(NormalizeStatus.Invalid, r.Status);
    }

    [Fact]
    public void Build_RowCountryColumn_WinsOverDefaultCountryForPhone()
    {
        var options = new ConversionOptions { Mapping = MappingSpec.Empty, DefaultCountry = "US" };
        var r = RowIn("in.csv", options, ("phone", "030 901820"), ("country", "Germany"));
        Assert.Equal([Sha256Hex.Hash("4930901820")], r.Event!.UserData.Ph!);
    }

    // ---- §3 st / zp ----

    [Theory]
    [InlineData("Texas", null, "tx")]
    [InlineData("Texas", "us", "tx")]
    [InlineData("Québec", "ca", "qc")]
    [InlineData("Texas", "mx", "texas")]
    [InlineData("New South Wales", "au", "newsouthwales")]
    public void State_NameToCode_OnlyWithUsCaOrAbsent(string raw, string? country, string expected)
    {
        var r = IdentifierNormalizer.Normalize(IdentifierKind.St, raw, new NormalizeContext { RowCountry = country });
        Assert.Equal(expected, r.Value);
    }

    [Theory]
    [InlineData("98052-6399", null, "98052")]
    [InlineData("980526399", "us", "98052")]
    [InlineData("98052-6399", "ca", "98052-6399")]
    [InlineData("123", "us", "00123")]
    [InlineData("1234", "us", "01234")]
    [InlineData("123", null, "123")]
    [InlineData("1234", "de", "1234")]
    [InlineData("SW1A 1AA", "gb", "sw1a1aa")]
    public void Zip_Plus4AndZeroPad_OnlyWithTheirCountries(string raw, string? country, string expected)
    {
        var r = IdentifierNormalizer.Normalize(IdentifierKind.Zp, raw, new NormalizeContext { RowCountry = country });
        Assert.Equal(expected, r.Value);
    }

    // ---- §3 country / ge / db / madid / ip ----

    [Theory]
    [InlineData("UK", "gb")]
    [InlineData("USA", "us")]
    [InlineData("Vietnam", "vn")]
    [InlineData("Socialist Republic of Viet Nam", "vn")]
    [InlineData("côte d'ivoire", "ci")]
    public void Country_AliasesAndNames_GiveLowerAlpha2(string raw, string expected)
    {
        Assert.Equal(expected, IdentifierNormalizer.Normalize(IdentifierKind.Country, raw, NormalizeContext.Default).Value);
    }

    [Theory]
    [InlineData("Man", "m")]
    [InlineData("BOY", "m")]
    [InlineData("Woman", "f")]
    [InlineData("girl", "f")]
    public void Gender_Words_MapToLetter(string raw, string expected)
    {
        Assert.Equal(expected, IdentifierNormalizer.Normalize(IdentifierKind.Ge, raw, NormalizeContext.Default).Value);
    }

    [Theory]
    [InlineData("1899-12-31", null)]
    [InlineData("1900-01-01", null)]
    [InlineData("04/07/1988", null)]
    [InlineData("31/12/1990", null)]
    [InlineData("04071988", "ddMMyyyy")]
    public void DateOfBirth_RangeAndDobFormat(string raw, string? format)
    {
        var ctx = new NormalizeContext { DobFormat = format, Clock = Clock };
        var r = IdentifierNormalizer.Normalize(IdentifierKind.Db, raw, ctx);
        var expected = raw switch
        {
            "1899-12-31" => null,
            "1900-01-01" => "19000101",
            "04/07/1988" => null,
            "31/12/1990" => "19901231",
            _ => "19880704",
        };
        Assert.Equal(expected, r.Value);
    }

    [Fact]
    public void DateOfBirth_Tomorrow_IsInvalidField()
    {
        var tomorrow = Clock.GetUtcNow().UtcDateTime.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var r = IdentifierNormalizer.Normalize(IdentifierKind.Db, tomorrow, new NormalizeContext { Clock = Clock });
        Assert.Equal(NormalizeStatus.Invalid, r.Status);
    }

    [Fact]
    public void Build_Madid_IsLowerPlainNotHashedAndCounts()
    {
        var r = Row(("madid", "6D92078A-8246-4BA4-AE5B-76104861E7DC"));
        Assert.Equal("6d92078a-8246-4ba4-ae5b-76104861e7dc", r.Event!.UserData.Madid);
    }

    [Fact]
    public void Build_AllZeroMadidOnly_IsMissingUserData()
    {
        var r = Row(("madid", "00000000-0000-0000-0000-000000000000"));
        Assert.Equal("MISSING_USER_DATA", Rejection(r));
        Assert.Equal("madid", r.Rejection!.Value.Field);
    }

    [Theory]
    [InlineData("256.1.1.1")]
    [InlineData("1.2.3")]
    [InlineData("1:2:3")]
    [InlineData("localhost")]
    public void IpAddress_NotParsable_IsInvalidField(string raw)
    {
        Assert.Equal(NormalizeStatus.Invalid, IdentifierNormalizer.Normalize(IdentifierKind.ClientIpAddress, raw, NormalizeContext.Default).Status);
    }

    // ---- §4.1 event names ----

    [Theory]
    [InlineData(" add to cart ", "ADD_CART")]
    [InlineData("Add-To-Cart", "ADD_CART")]
    [InlineData("spend credits", "SPENT_CREDITS")]
    [InlineData("custom event 1", "CUSTOM_EVENT_1")]
    [InlineData("sign-up", "SIGN_UP")]
    public void Build_EventNameForms_NormalizeToSnapNames(string raw, string expected)
    {
        var r = Row(("email", "a@b.co"), ("event_name", raw), ("amount", null), ("currency", null));
        Assert.Equal(expected, r.Event!.EventName);
    }

    // ---- §4.2 action_source ----

    [Theory]
    [InlineData("Physical_Store", "accepted")]
    [InlineData("PHONE_CALL", "accepted")]
    [InlineData("Email", "accepted")]
    [InlineData("CHAT", "accepted")]
    [InlineData("System_Generated", "accepted")]
    [InlineData("offline", "accepted")]
    [InlineData("", "accepted")]
    [InlineData("WEB", "INVALID_ACTION_SOURCE")]
    [InlineData("MOBILE_APP", "INVALID_ACTION_SOURCE")]
    [InlineData("app", "INVALID_ACTION_SOURCE")]
    public void Build_ActionSource_AliasesAnyCaseAlwaysSentOffline(string raw, string expected)
    {
        var r = Row(("email", "a@b.co"), ("action_source", raw));
        Assert.Equal(expected, Rejection(r));
        if (r.Event is { } e) Assert.Equal("OFFLINE", e.ActionSource);
    }

    // ---- §4.3 event_time ----

    [Theory]
    [InlineData("1734567890.9", 1734567890)]
    [InlineData("1734567890123.9", 1734567890)]
    [InlineData("1734567890999", 1734567890)]
    [InlineData("20241219", 1734566400)]
    [InlineData("2024-12-19T00:24:50Z", 1734567890)]
    [InlineData("2024-12-19T01:24:50+01:00", 1734567890)]
    [InlineData("946684800", 946684800)]
    public void Build_EventTimeForms_GiveSeconds(string raw, long expected)
    {
        var r = Row(("email", "a@b.co"), ("event_time", raw));
        Assert.Equal(expected, r.Event!.EventTime);
    }

    [Theory]
    [InlineData("946684799")]
    [InlineData("0")]
    [InlineData("-1734567890")]
    [InlineData("100000000000000")]
    [InlineData("1734567890123456")]
    [InlineData("99999999")]
    [InlineData("1999-12-31T23:59:59Z")]
    [InlineData("20241319")]
    [InlineData("1.7345678E9")]
    public void Build_EventTimeOutOfBoundsOrUnreadable_IsInvalidEventTime(string raw)
    {
        Assert.Equal("INVALID_EVENT_TIME", Rejection(Row(("email", "a@b.co"), ("event_time", raw))));
    }

    [Fact]
    public void Build_NewYorkNaiveTime_IsReadInTimeZone()
    {
        var options = new ConversionOptions { Mapping = MappingSpec.Empty, TimeZone = TimeZones.TryFind("America/New_York", out var z) ? z : throw new InvalidOperationException() };
        var r = RowIn("in.csv", options, ("email", "a@b.co"), ("event_time", "2024-12-18 19:24:50"));
        Assert.Equal(T0, r.Event!.EventTime);
    }

    [Fact]
    public void Build_SeventyDayOldEvent_CarriesTwoWarnings()
    {
        var r = Row(("email", "a@b.co"), ("event_time", (T0 + 3600 - 70 * 86400).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(["EVENT_TIME_NOT_ATTRIBUTABLE", "EVENT_TIME_TOO_OLD"], r.Warnings!.Select(w => w.Reason.Name).Order());
    }

    // ---- §4.4 currency / value ----

    [Theory]
    [InlineData("0", 0)]
    [InlineData("0.00", 0)]
    [InlineData(" 12.5 ", 12.5)]
    public void Build_ValueZeroOrPlainDecimal_IsAccepted(string raw, decimal expected)
    {
        Assert.Equal(expected, Row(("email", "a@b.co"), ("amount", raw)).Event!.CustomData.Value);
    }

    [Theory]
    [InlineData("currency", "XYZ", "INVALID_CURRENCY")]
    [InlineData("currency", "DEM", "INVALID_CURRENCY")]
    [InlineData("amount", "-1", "INVALID_VALUE")]
    [InlineData("amount", "NaN", "INVALID_VALUE")]
    [InlineData("amount", "1e3", "INVALID_VALUE")]
    public void Build_NonPurchaseWithMalformedCurrencyOrValue_IsRejected(string header, string raw, string reason)
    {
        var r = Row(("email", "a@b.co"), ("event_name", "SIGN_UP"), (header, raw));
        Assert.Equal(reason, Rejection(r));
    }

    [Fact]
    public void Build_NonPurchaseWithoutCurrencyOrValue_IsAcceptedWithoutCustomData()
    {
        var r = Row(("email", "a@b.co"), ("event_name", "SIGN_UP"), ("amount", null), ("currency", null));
        Assert.True(r.Event!.CustomData.IsEmpty);
    }

    // ---- §5 order and identifier warnings ----

    [Fact]
    public void Build_InvalidEmailInvalidActionSourceAndCurrency_ReasonIsActionSource()
    {
        var r = Row(("email", "nope"), ("action_source", "WEB"), ("currency", "XYZ"));
        Assert.Equal("INVALID_ACTION_SOURCE", Rejection(r));
    }

    [Fact]
    public void Build_NoMatchKeyAndBadCurrency_ReasonIsMissingUserData()
    {
        Assert.Equal("MISSING_USER_DATA", Rejection(Row(("fn", "Ann"), ("currency", "XYZ"))));
    }

    [Fact]
    public void Build_InvalidPhoneAndNoOtherKey_IsMissingUserDataNotWarning()
    {
        var r = Row(("phone", "12"), ("fn", "Ann"));
        Assert.Equal("MISSING_USER_DATA", Rejection(r));
    }

    [Fact]
    public void Build_InvalidEmailWithMadid_WarnsAndKeepsEvent()
    {
        var r = Row(("email", "nope"), ("madid", "6d92078a-8246-4ba4-ae5b-76104861e7dc"));
        Assert.Equal("accepted", Rejection(r));
        Assert.Equal(["INVALID_EMAIL"], r.Warnings!.Select(w => w.Reason.Name));
    }

    // ---- §2 arrays, integration ----

    [Fact]
    public void UserData_ElevenDistinctValues_KeepsTenAndNoRepeats()
    {
        List<string>? l = null;
        for (var i = 0; i < 11; i++) UserData.AddDistinct(ref l, "v" + i);
        UserData.AddDistinct(ref l, "v0");
        Assert.Equal(10, l!.Count);
        Assert.Equal(10, l.Distinct().Count());
    }

    // ---- §8 stable ids ----

    [Fact]
    public void Build_SameRowFromAnyFileName_GetsTheSameStableId()
    {
        var a = RowIn("a.csv", null, ("email", "a@b.co"));
        var b = RowIn("dir/other.csv", null, ("email", "a@b.co"));
        Assert.Equal(64, a.Event!.EventId.Length);
        Assert.Equal(a.Event.EventId, b.Event!.EventId);
    }

    [Fact]
    public void Build_SourceEventId_WinsOverOrderIdWhichStillFillsOrderId()
    {
        var r = Row(("email", "a@b.co"), ("event_id", "ev-1"), ("order_id", "ord-1"));
        Assert.Equal("ev-1", r.Event!.EventId);
        Assert.Equal("ord-1", r.Event.CustomData.OrderId);
    }
}
