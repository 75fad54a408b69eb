using System.Globalization;
using FsCheck;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Capi;
using Snapconv.Core.Formats;
using Snapconv.Core.Mapping;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Tests.Mapping;

/// <summary>Issue #8: the mapping format's filter, joins, extraction, locale values and currency names.</summary>
public class MappingGrowthTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero));

    private static BuiltRow Build(string yaml, string[] headers, string?[] row, string? locale = null)
    {
        var spec = MappingFileLoader.Parse(yaml, "m.yaml");
        if (locale is not null) spec = spec with { Locale = locale };
        var options = new ConversionOptions { Mapping = spec, DefaultCountry = "US" };
        return new EventBuilder(BoundMapping.Bind(spec, headers, "in.csv"), options, "in.csv", Clock).Build(row, 3);
    }

    private const string Deals = """
        columns: {Email: em, Date: event_time, Amount: value, Currency: currency}
        constants: {event_name: PURCHASE}
        filter:
          - name: not won
            any:
              - {column: Stage, in: [Closed Won]}
              - {column: Won, in: ["true"]}
        """;
    private static readonly string[] DealHeaders = ["Email", "Date", "Amount", "Currency", "Stage", "Won"];

    [Theory]
    [InlineData("Closed Won", "", false)]
    [InlineData(" closed won ", "", false)]
    [InlineData("Custom", "true", false)]
    [InlineData("Closed Lost", "false", true)]
    [InlineData("", "", true)]
    public void Filter_StageOrFlag_KeepsWonRowsAndCountsOthersAsFiltered(string stage, string won, bool filtered)
    {
        var r = Build(Deals, DealHeaders, ["a@b.co", "2026-10-01", "10", "USD", stage, won]);
        Assert.Equal(filtered ? "not won" : null, r.FilteredBy);
        Assert.Null(r.Rejection);
        Assert.Equal(!filtered, r.Event is not null);
    }

    [Fact]
    public void Filter_ColumnMissingFromFile_IsAnErrorNamingIt()
    {
        var spec = MappingFileLoader.Parse("filter: [{column: Stage, in: [Won]}]", "m.yaml");
        var e = Assert.Throws<InputException>(() => BoundMapping.Bind(spec, ["Email"], "in.csv"));
        Assert.Contains("'Stage'", e.Message);
    }

    [Fact]
    public void Loader_UnknownKeyInFilter_NamesItsPath()
    {
        var e = Assert.Throws<InputException>(() => MappingFileLoader.Parse("filter: [{column: Stage, equals: [Won]}]", "m.yaml"));
        Assert.Equal("m.yaml: filter[0].equals: unknown key; known keys: name, any, column, in, not_in, optional, unless, when", e.Message);
    }

    [Fact]
    public void Loader_ExistingMappingFile_StillLoadsUnchanged()
    {
        var spec = MappingFileLoader.Load(Path.Combine(Path.GetDirectoryName(Formats.FormatFixtures.Nasty("x"))!, "..", "..", "mappings", "crm-export.yaml"));
        Assert.Empty(spec.Filter);
        Assert.Empty(spec.Joins);
        Assert.Null(spec.Locale);
        Assert.Equal(4, spec.Columns.Count);
    }

    [Fact]
    public void Extract_NameWithEmailList_SendsEveryEmail()
    {
        const string yaml = "columns: {Contact: {field: em, extract: email}, Date: event_time}\nconstants: {event_name: SIGN_UP}";
        var r = Build(yaml, ["Contact", "Date"], ["Annie Arnoldy (annie@x.org);Bob <bob@x.org>;carol@x.org;Dan Nomail", "2026-10-01"]);
        Assert.Equal(3, r.Event!.UserData.Em!.Count);
        Assert.Null(r.Warnings);
    }

    [Fact]
    public void Split_CommaJoinedPhones_SendsEach()
    {
        const string yaml = "columns: {Phones: {field: ph, split: true}, Date: event_time}\nconstants: {event_name: SIGN_UP}";
        var r = Build(yaml, ["Phones", "Date"], ["+1 202 555 0143, +1 202 555 0178", "2026-10-01"]);
        Assert.Equal(2, r.Event!.UserData.Ph!.Count);
    }

    [Fact]
    public void OptionalColumn_MissingFromFile_IsSkipped()
    {
        var spec = MappingFileLoader.Parse("columns: {Currency: {field: currency, optional: true}}", "m.yaml");
        Assert.Empty(BoundMapping.Bind(spec with { AutoDetect = false }, ["Email"], "in.csv").Bindings);
    }

    [Fact]
    public void SystemColumns_DoNotModify_AreNeitherDetectedNorUnmapped()
    {
        var bound = BoundMapping.Bind(MappingSpec.Empty, ["(Do Not Modify) Opportunity", "(Do Not Modify) Row Checksum", "Email"], "in.xlsx");
        Assert.Empty(bound.Unmapped);
        Assert.Single(bound.Bindings);
    }

    [Theory]
    [InlineData("US Dollar", "USD")]
    [InlineData("Pound Sterling", "GBP")]
    [InlineData("euro", "EUR")]
    [InlineData("Российский рубль", "RUB")]
    [InlineData("Japanese Yen", "JPY")]
    [InlineData("gbp", "GBP")]
    public void Currency_CodeOrEnglishName_IsItsIsoCode(string raw, string code)
    {
        Assert.True(TextValues.TryCurrency(raw, out var c));
        Assert.Equal(code, c);
    }

    [Fact]
    public void Currency_UnknownName_IsInvalidCurrencyNamingTheValue()
    {
        var r = Build(Deals, DealHeaders, ["a@b.co", "2026-10-01", "10", "Bitcoin", "Closed Won", ""]);
        Assert.Equal("INVALID_CURRENCY", r.Rejection!.Value.Reason.Name);
        Assert.Contains("'Bitcoin'", r.Rejection.Value.Reason.Message);
    }

    [Theory]
    [InlineData("10,000", "en-US", 10000)]
    [InlineData("10.000,50", "de-DE", 10000.50)]
    [InlineData("1,234.5", null, 1234.5)]
    [InlineData("1.234,5", null, 1234.5)]
    [InlineData("1,234,567", null, 1234567)]
    [InlineData("12,5", null, 12.5)]
    [InlineData("468.0", "de-DE", 468)]
    public void Amount_GroupedOrLocaleMarks_IsRead(string raw, string? locale, double expected)
    {
        var r = Build(Deals, DealHeaders, ["a@b.co", "2026-10-01", raw, "USD", "Closed Won", ""], locale);
        Assert.Equal((decimal)expected, r.Event!.CustomData.Value);
    }

    [Theory]
    [InlineData("1,2,3")]
    [InlineData("10,00,000")]
    [InlineData("-5")]
    public void Amount_BadGrouping_IsInvalidValue(string raw)
    {
        var r = Build(Deals, DealHeaders, ["a@b.co", "2026-10-01", raw, "USD", "Closed Won", ""], "en-US");
        Assert.Equal("INVALID_VALUE", r.Rejection!.Value.Reason.Name);
    }

    [Fact]
    public void Amount_AmbiguousWithoutLocale_StopsTheRunAskingForLocale()
    {
        var e = Assert.Throws<InputException>(() => Build(Deals, DealHeaders, ["a@b.co", "2026-10-01", "10,000", "USD", "Closed Won", ""]));
        Assert.Contains("--locale", e.Message);
        Assert.Equal("Amount", e.Field);
    }

    [Fact]
    public void Date_AmbiguousWithoutLocale_StopsTheRunNamingTheColumn()
    {
        var e = Assert.Throws<InputException>(() => Build(Deals, DealHeaders, ["a@b.co", "03/04/2026", "10", "USD", "Closed Won", ""]));
        Assert.Equal("Date", e.Field);
        Assert.Contains("--locale", e.Message);
        Assert.DoesNotContain("a@b.co", e.Message);
    }

    [Theory]
    [InlineData("03/04/2026", "en-US", "2026-03-04")]
    [InlineData("03/04/2026", "en-GB", "2026-04-03")]
    [InlineData("03.04.2026", "de-DE", "2026-04-03")]
    [InlineData("14/03/2026", null, "2026-03-14")]
    [InlineData("3/14/2026", null, "2026-03-14")]
    [InlineData("22.08.2026 14:30:00", null, "2026-08-22T14:30:00")]
    [InlineData("10/22/2026 02:30:00 pm", "en-US", "2026-10-22T14:30:00")]
    [InlineData("2026-10-12 09:30:00 UTC", null, "2026-10-12T09:30:00")]
    public void Date_LocaleOrDecidingPart_IsRead(string raw, string? locale, string expected)
    {
        var r = Build(Deals, DealHeaders, ["a@b.co", raw, "10", "USD", "Closed Won", ""], locale);
        var want = DateTime.Parse(expected, CultureInfo.InvariantCulture);
        Assert.Equal(new DateTimeOffset(want, TimeSpan.Zero).ToUnixTimeSeconds(), r.Event!.EventTime);
    }

    [Fact]
    public void Date_DateOnlyWithLocale_IsLocalMidnightInTheZone()
    {
        var spec = MappingFileLoader.Parse(Deals, "m.yaml") with { Locale = "en-GB" };
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
        var options = new ConversionOptions { Mapping = spec, TimeZone = zone };
        var r = new EventBuilder(BoundMapping.Bind(spec, DealHeaders, "in.csv"), options, "in.csv", Clock)
            .Build(["a@b.co", "14/07/2026", "10", "USD", "Closed Won", ""], 1);
        Assert.Equal(new DateTimeOffset(2026, 7, 14, 0, 0, 0, TimeSpan.FromHours(1)).ToUnixTimeSeconds(), r.Event!.EventTime);
    }

    // ------------------------------------------------------------------ property tests

    private static readonly string[] Locales = ["en-US", "en-GB", "de-DE", "fr-FR"];

    [Property(MaxTest = 300)]
    public bool Amount_FormattedInLocale_ReadsBackExactly(NonNegativeInt whole, byte cents, byte localeIndex)
    {
        var culture = CultureInfo.GetCultureInfo(Locales[localeIndex % Locales.Length]);
        var value = whole.Get + (cents % 100) / 100m;
        var text = value.ToString("N2", culture);
        return TextValues.ReadAmount(text, culture, out var read) == TextValues.Outcome.Parsed && read == value;
    }

    [Property(MaxTest = 300)]
    public bool Amount_UngroupedInvariant_ReadsWithoutLocaleLikeThePlainRule(NonNegativeInt whole, byte cents)
    {
        var value = whole.Get + (cents % 100) / 100m;
        var text = value.ToString("0.00", CultureInfo.InvariantCulture);
        return ValueRules.TryParse(text, out var read) && read == value;
    }

    [Property(MaxTest = 300)]
    public bool Date_FormattedInLocale_ReadsBackToTheSameMinute(PositiveInt days, byte minuteOfDaySeed, byte localeIndex)
    {
        var culture = CultureInfo.GetCultureInfo(Locales[localeIndex % Locales.Length]);
        var dt = new DateTime(2001, 1, 1).AddDays(days.Get % 9000).AddMinutes(minuteOfDaySeed * 5);
        var text = dt.ToString(culture.DateTimeFormat.ShortDatePattern + " HH:mm", culture);
        return TextValues.ReadDate(text, culture, TimeZoneInfo.Utc, out var s) == TextValues.Outcome.Parsed
            && s == new DateTimeOffset(dt, TimeSpan.Zero).ToUnixTimeSeconds();
    }

    [Property(MaxTest = 300)]
    public bool Date_WithoutLocale_IsAmbiguousExactlyWhenDayAndMonthCanSwap(PositiveInt days)
    {
        var dt = new DateTime(2001, 1, 1).AddDays(days.Get % 9000);
        var text = dt.ToString("MM/dd/yyyy", CultureInfo.InvariantCulture);
        var outcome = TextValues.ReadDate(text, null, TimeZoneInfo.Utc, out var s);
        var swappable = dt.Day <= 12 && dt.Day != dt.Month;
        return swappable
            ? outcome == TextValues.Outcome.Ambiguous
            : outcome == TextValues.Outcome.Parsed && s == new DateTimeOffset(dt, TimeSpan.Zero).ToUnixTimeSeconds();
    }
}
