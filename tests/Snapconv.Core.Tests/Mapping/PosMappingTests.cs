using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Formats;
using Snapconv.Core.Tests.Formats;
using Snapconv.Core.Mapping;
using Snapconv.Core.Normalization;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Tests.Mapping;

/// <summary>#15: what the mapping format grew for point-of-sale exports: money amounts, refunds, zone names, options, fallbacks.</summary>
public class PosMappingTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero));

    private static BuiltRow Build(string yaml, string[] headers, string?[] row, string? locale = null, Func<MappingSpec, MappingSpec>? edit = null)
    {
        var spec = MappingFileLoader.Parse(yaml, "m.yaml");
        if (locale is not null) spec = spec with { Locale = locale };
        if (edit is not null) spec = edit(spec);
        var options = new ConversionOptions { Mapping = spec, DefaultCountry = "US" };
        return new EventBuilder(BoundMapping.Bind(spec, headers, "in.csv"), options, "in.csv", Clock).Build(row, 2);
    }

    [Theory]
    [InlineData("$4,300.00", null, "4300.00")]
    [InlineData("US$16.00", null, "16.00")]
    [InlineData(" $35.50 ", null, "35.50")]
    [InlineData("€1.234,50", "de-DE", "1234.50")]
    [InlineData("1.234,50 €", "de-DE", "1234.50")]
    [InlineData("12.00 EUR", null, "12.00")]
    [InlineData("699.00", null, "699.00")]
    public void Money_TillAmounts_AreRead(string cell, string? locale, string expected)
    {
        var r = Build("columns: {Email: em, Date: event_time, Total: {field: value, format: money}}\nconstants: {event_name: PURCHASE, currency: USD}",
            ["Email", "Date", "Total"], ["a@b.co", "2026-10-20", cell], locale);
        Assert.Null(r.Rejection);
        Assert.Equal(decimal.Parse(expected, CultureInfo.InvariantCulture), r.Event!.CustomData.Value);
    }

    [Theory]
    [InlineData("-$350.00", true, "350.00")]
    [InlineData("($100.00)", true, "100.00")]
    [InlineData("$-5.00", true, "5.00")]
    [InlineData("$4,300.00", false, "4300.00")]
    [InlineData("$(2.50)", true, "2.50")]
    public void MoneyText_AccountingNegatives_AreNegative(string cell, bool negative, string number)
    {
        Assert.True(MoneyText.TryStrip(cell, out var n, out var neg));
        Assert.Equal(negative, neg);
        Assert.Equal(number.Replace(".", "", StringComparison.Ordinal), n.Replace(",", "", StringComparison.Ordinal).Replace(".", "", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("$ 12 apples")]
    [InlineData("Total: 5")]
    public void MoneyText_TextAroundTheNumberThatIsNoCurrency_IsNotRead(string cell) =>
        Assert.False(MoneyText.TryStrip(cell, out _, out _));

    [Fact]
    public void Money_NegativeAmount_IsInvalidValue()
    {
        var r = Build("columns: {Email: em, Date: event_time, Total: {field: value, format: money}}\nconstants: {event_name: PURCHASE, currency: USD}",
            ["Email", "Date", "Total"], ["a@b.co", "2026-10-20", "-$350.00"]);
        Assert.Equal("INVALID_VALUE", r.Rejection!.Value.Reason.Name);
    }

    private const string Refunds = "columns: {Email: em, Date: event_time, Amount: {field: value, format: money, less: Refunded}}\nconstants: {event_name: PURCHASE, currency: USD}";

    [Theory]
    [InlineData("80.00", "30.00", "50.00")]
    [InlineData("80.00", "", "80.00")]
    [InlineData("$1,250.00", "$250.00", "1000.00")]
    public void Less_PartRefunded_ValueIsWhatIsLeft(string amount, string refunded, string expected)
    {
        var r = Build(Refunds, ["Email", "Date", "Amount", "Refunded"], ["a@b.co", "2026-10-20", amount, refunded]);
        Assert.Equal(decimal.Parse(expected, CultureInfo.InvariantCulture), r.Event!.CustomData.Value);
    }

    [Fact]
    public void Less_RefundedInFull_IsFilteredNotRejected()
    {
        var r = Build(Refunds, ["Email", "Date", "Amount", "Refunded"], ["a@b.co", "2026-10-20", "45.00", "45.00"]);
        Assert.Equal(EventBuilder.RefundedInFull, r.FilteredBy);
        Assert.Null(r.Rejection);
    }

    [Fact]
    public void Less_RefundedInFullWithoutEmail_IsFilteredNotMissingUserData()
    {
        var r = Build(Refunds, ["Email", "Date", "Amount", "Refunded"], ["", "2026-10-20", "45.00", "45.00"]);
        Assert.Equal(EventBuilder.RefundedInFull, r.FilteredBy);
        Assert.Null(r.Rejection);
    }

    [Theory]
    [InlineData("Eastern Time (US & Canada)", "America/New_York")]
    [InlineData("Pacific Time (US & Canada)", "America/Los_Angeles")]
    [InlineData("London", "Europe/London")]
    [InlineData("Mumbai", "Asia/Kolkata")]
    [InlineData("Mexico City", "America/Mexico_City")]
    [InlineData("Eastern Standard Time", "America/New_York")]
    [InlineData("(UTC-08:00) Pacific Time (US & Canada)", "America/Los_Angeles")]
    [InlineData("Europe/Berlin", "Europe/Berlin")]
    public void ZoneNames_AsExportsWriteThem_AreTheirIanaZone(string name, string iana)
    {
        Assert.True(ZoneNames.TryFind(name, out var zone));
        Assert.True(TimeZones.TryFind(iana, out var expected));
        var instant = new DateTime(2026, 7, 1, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal(expected.GetUtcOffset(instant), zone.GetUtcOffset(instant));
        Assert.Equal(expected.GetUtcOffset(instant.AddMonths(6)), zone.GetUtcOffset(instant.AddMonths(6)));
    }

    [Theory]
    [InlineData("Atlantis Time")]
    [InlineData("")]
    public void ZoneNames_Unknown_IsFalse(string name) => Assert.False(ZoneNames.TryFind(name, out _));

    private const string Square = "columns: {Email: em, Date: {field: event_time, time_column: Time, zone_column: Zone}, Total: value}\nconstants: {event_name: PURCHASE, currency: USD}";

    [Fact]
    public void SplitEventTime_DateTimeAndRailsZone_IsThatWallClockTime()
    {
        var r = Build(Square, ["Email", "Date", "Time", "Zone", "Total"], ["a@b.co", "2026-10-26", "17:28:38", "Eastern Time (US & Canada)", "10"]);
        // 17:28:38 EDT (UTC-4) on 26 October 2026.
        Assert.Equal(new DateTimeOffset(2026, 10, 26, 21, 28, 38, TimeSpan.Zero).ToUnixTimeSeconds(), r.Event!.EventTime);
    }

    [Fact]
    public void SplitEventTime_UnknownZone_RejectsQuotingIt()
    {
        var r = Build(Square, ["Email", "Date", "Time", "Zone", "Total"], ["a@b.co", "2026-10-26", "17:28:38", "Atlantis Time", "10"]);
        Assert.Equal("INVALID_EVENT_TIME", r.Rejection!.Value.Reason.Name);
        Assert.Contains("'Atlantis Time'", r.Rejection!.Value.Reason.Message);
    }

    private const string Online = """
        options:
          include_online: {default: false, description: also online orders}
        columns: {Email: em, Date: event_time}
        constants: {event_name: SIGN_UP}
        filter:
          - name: online order
            unless: include_online
            column: Source
            in: [pos]
        """;

    [Theory]
    [InlineData(null, "web", true)]
    [InlineData(null, "pos", false)]
    [InlineData("true", "web", false)]
    [InlineData("false", "web", true)]
    [InlineData("YES", "web", false)]
    public void Options_IncludeOnline_DropsTheOnlineRule(string? value, string source, bool filtered)
    {
        var r = Build(Online, ["Email", "Date", "Source"], ["a@b.co", "2026-10-20", source],
            edit: s => value is null ? s : s.WithOptions([new("include_online", value)]));
        Assert.Equal(filtered ? "online order" : null, r.FilteredBy);
    }

    [Fact]
    public void Options_UnknownName_NamesItAndTheDeclaredOnes()
    {
        var spec = MappingFileLoader.Parse(Online, "m.yaml");
        var e = Assert.Throws<ArgumentException>(() => spec.WithOptions([new("include_web", "true")]));
        Assert.Equal("option 'include_web' is not an option of the mapping; its options: include_online", e.Message);
    }

    [Fact]
    public void Options_BadValue_NamesTheOptionAndValue()
    {
        var spec = MappingFileLoader.Parse(Online, "m.yaml");
        var e = Assert.Throws<ArgumentException>(() => spec.WithOptions([new("include_online", "maybe")]));
        Assert.Equal("option 'include_online': 'maybe' is not true or false", e.Message);
    }

    [Fact]
    public void Loader_FilterNamingUndeclaredOption_IsAnError()
    {
        var e = Assert.Throws<InputException>(() => MappingFileLoader.Parse("filter: [{name: x, unless: nope, column: A, in: [b]}]", "m.yaml"));
        Assert.Contains("'nope'", e.Message);
    }

    private const string Address = """
        columns:
          Email: em
          Date: event_time
          Billing Name: {field: full_name, fallback: Shipping Name}
          Billing City: {field: ct, fallback: Shipping City}
          Paid at: {field: event_tag, fallback: Created at}
        constants: {event_name: SIGN_UP}
        """;
    private static readonly string[] AddressHeaders = ["Email", "Date", "Billing Name", "Shipping Name", "Billing City", "Shipping City", "Paid at", "Created at"];

    [Fact]
    public void Fallback_BillingBlank_ReadsShipping()
    {
        var r = Build(Address, AddressHeaders, ["a@b.co", "2026-10-20", "", "Erin Walsh", "", "Seattle", "", "created"]);
        var u = r.Event!.UserData;
        Assert.Equal([Hashing.Sha256Hex.Hash("erin")], u.Fn!);
        Assert.Equal([Hashing.Sha256Hex.Hash("walsh")], u.Ln!);
        Assert.Equal([Hashing.Sha256Hex.Hash("seattle")], u.Ct!);
        Assert.Equal("created", r.Event.CustomData.EventTag);
    }

    [Fact]
    public void Fallback_BillingGiven_ShippingIgnored()
    {
        var r = Build(Address, AddressHeaders, ["a@b.co", "2026-10-20", "Ann Marie Lee", "Bo Svensson", "Brisbane", "Seattle", "paid", "created"]);
        var u = r.Event!.UserData;
        Assert.Equal([Hashing.Sha256Hex.Hash("ann")], u.Fn!);
        Assert.Equal([Hashing.Sha256Hex.Hash("lee")], u.Ln!);
        Assert.Equal([Hashing.Sha256Hex.Hash("brisbane")], u.Ct!);
        Assert.Equal("paid", r.Event.CustomData.EventTag);
    }

    [Fact]
    public void Fallback_ColumnMissingFromFile_FallbackIsTheColumn()
    {
        var spec = MappingFileLoader.Parse("columns: {Id: {field: order_id, fallback: Name}}", "m.yaml");
        var bound = BoundMapping.Bind(spec, ["Name", "Email"], "in.csv");
        Assert.Equal("Name", Assert.Single(bound.Bindings, b => b.Field == TargetField.OrderId).Header);
    }

    [Fact]
    public void Contacts_EmailAndPhoneInOneCell_GoToEmAndPh()
    {
        var r = Build("columns: {Contacts: {field: em, extract: contacts}, Date: event_time}\nconstants: {event_name: SIGN_UP}",
            ["Contacts", "Date"], ["wren@example.com, +44 7700 900123", "2026-10-20"]);
        Assert.Equal([Hashing.Sha256Hex.Hash("wren@example.com")], r.Event!.UserData.Em!);
        Assert.Equal([Hashing.Sha256Hex.Hash("447700900123")], r.Event.UserData.Ph!);
    }

    [Fact]
    public async Task RequiresCurrency_NoCurrency_StopsBeforeReadingRows()
    {
        using var tmp = new TempDir();
        var input = tmp.File("t.csv", "Email,Date,Total\na@b.co,2026-10-20,5\n");
        var spec = MappingFileLoader.Parse("requires_currency: true\ncolumns: {Email: em, Date: event_time, Total: value}\nconstants: {event_name: PURCHASE}", "m.yaml");
        var options = new ConversionOptions { Mapping = spec };
        var e = await Assert.ThrowsAsync<InputException>(() => ConversionRun.ExecuteAsync([input], options, new ConversionOutputs(), Clock, CancellationToken.None));
        Assert.Contains("--currency", e.Message);
    }
}
