using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Capi;
using Snapconv.Core.Mapping;
using Snapconv.Core.Normalization;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;
using TempDir = Snapconv.Core.Tests.Formats.TempDir;

namespace Snapconv.Core.Tests.Validation;

/// <summary>#15: spreadsheet quirks through the event builder (its e-mail and phone fast paths, joins) and the run's counts.</summary>
public sealed class SpreadsheetQuirksEventTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero));
    private static string H(string normalized) => Hashing.Sha256Hex.Hash(normalized);

    private static readonly string[] Headers = ["Email", "Billing Phone", "Billing Zip", "Billing Country", "Id", "Created at", "Total", "Currency", "Event"];

    private static BuiltRow Build(params string?[] row)
    {
        var options = new ConversionOptions { Mapping = MappingSpec.Empty, DefaultCountry = "US" };
        var spec = MappingFileLoader.Parse("""
            columns: {Email: em, Billing Phone: ph, Billing Zip: zp, Billing Country: country, Id: external_id, Created at: event_time, Total: value, Currency: currency, Event: event_name}
            auto_detect: false
            """, "m.yaml");
        options = options with { Mapping = spec };
        return new EventBuilder(BoundMapping.Bind(spec, Headers, "orders.csv"), options, "orders.csv", Clock).Build(row, 2);
    }

    [Fact]
    public void Build_MarkedCells_HashedWithoutTheMarker()
    {
        // #15: Shopify's '4001 zip, '+1… phone and '589… id.
        var r = Build("'Ann@Example.com", "'+14485003012", "'4001", "'US", "'5897398649016", "'2026-11-01 10:00:00 +0000", "'12.50", "'usd", "'PURCHASE");
        var e = r.Event!;
        Assert.Null(r.Warnings);
        Assert.Equal([H("ann@example.com")], e.UserData.Em!);
        Assert.Equal([H("14485003012")], e.UserData.Ph!);
        Assert.Equal([H("04001")], e.UserData.Zp!);   // a US zip of four digits is zero-padded, as without the marker
        Assert.Equal([H("us")], e.UserData.Country!);
        Assert.Equal(H("5897398649016"), e.UserData.ExternalId);
        Assert.Equal(12.50m, e.CustomData.Value);
        Assert.Equal("USD", e.CustomData.Currency);
        Assert.Equal("PURCHASE", e.EventName);
    }

    [Fact]
    public void Build_MarkedCells_SameEventAsUnmarked()
    {
        var marked = Build("'ann@example.com", "' (352) 301-6928", "'97317", "'US", "'A-1", "2026-11-01 10:00:00 +0000", "12.50", "USD", "PURCHASE").Event!;
        var plain = Build("ann@example.com", "(352) 301-6928", "97317", "US", "A-1", "2026-11-01 10:00:00 +0000", "12.50", "USD", "PURCHASE").Event!;
        Assert.Equal(Json(plain), Json(marked));
    }

    private static string Json(CapiEvent e)
    {
        using var stream = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(stream)) CapiJsonWriter.Write(w, e);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    [Theory]
    [InlineData("-")]
    [InlineData("—")]
    [InlineData("n/a")]
    [InlineData("N/A")]
    [InlineData("#N/A")]
    [InlineData("null")]
    [InlineData("NULL")]
    [InlineData("none")]
    [InlineData("undefined")]
    [InlineData("(blank)")]
    public void Build_PlaceholderInIdentifierAndAddressCells_LeftOutWithoutAWarning(string placeholder) // #15
    {
        var r = Build("ann@example.com", placeholder, placeholder, placeholder, placeholder, "2026-11-01 10:00:00 +0000", "12.50", "USD", "PURCHASE");
        var e = r.Event!;
        Assert.Null(r.Warnings);
        Assert.Equal([H("ann@example.com")], e.UserData.Em!);
        Assert.Null(e.UserData.Ph);
        Assert.Null(e.UserData.Zp);
        Assert.Null(e.UserData.Country);
        Assert.Null(e.UserData.ExternalId);
    }

    [Fact]
    public void Build_NaCountry_IsNamibiaAndReadsTheRowsPhoneThere() // #15
    {
        var e = Build("", "081 234 5678", "-", "NA", "", "2026-11-01 10:00:00 +0000", "12.50", "USD", "PURCHASE").Event!;
        Assert.Equal([H("na")], e.UserData.Country!);
        Assert.Equal([H("264812345678")], e.UserData.Ph!);   // +264: the phone was read in Namibia, not the default US
    }

    [Fact]
    public void Build_PhoneInScientificNotation_InvalidPhoneSayingWhy() // #15
    {
        var r = Build("ann@example.com", "9.23228E+11", "", "", "", "2026-11-01 10:00:00 +0000", "12.50", "USD", "PURCHASE");
        Assert.NotNull(r.Event);
        Assert.Null(r.Event!.UserData.Ph);
        var w = Assert.Single(r.Warnings!);
        Assert.Equal("Billing Phone", w.Field);
        Assert.Equal("INVALID_PHONE", w.Reason.Name);
        Assert.Contains("re-saved by a spreadsheet", w.Reason.Message);
    }

    [Fact]
    public void Build_NoUsableMatchKey_MissingUserDataNamesTheMatchKeyColumns() // #15: not the invalid country
    {
        var r = Build("", "1.4485E+10", "-", "Narnia", "X-1", "2026-11-01 10:00:00 +0000", "12.50", "USD", "PURCHASE");
        var rejection = r.Rejection!.Value;
        Assert.Equal("MISSING_USER_DATA", rejection.Reason.Name);
        Assert.Equal("Email|Billing Phone", rejection.Field);
    }

    [Fact]
    public void Accumulator_PhonesInScientificNotation_CountedOnceARowAcceptedOrRejected() // #15
    {
        using var acc = new RunAccumulator(TimeProvider.System);
        var file = new InputFile("orders.csv", Headers, BoundMapping.Bind(MappingSpec.Empty, Headers, "orders.csv"));
        string?[][] rows =
        [
            ["ann@example.com", "9.23228E+11", "", "", "", "2026-11-01 10:00:00 +0000", "1", "USD", "PURCHASE"],   // accepted, warned
            ["", "9,23228E+11", "", "", "", "2026-11-01 10:00:00 +0000", "1", "USD", "PURCHASE"],                // rejected
            ["bo@example.com", "12", "", "", "", "2026-11-01 10:00:00 +0000", "1", "USD", "PURCHASE"],           // another bad phone
            ["cy@example.com", "+14485003012", "", "", "", "2026-11-01 10:00:00 +0000", "1", "USD", "PURCHASE"],
        ];
        foreach (var row in rows) acc.Add(file, Build(row));

        Assert.Equal(2, acc.Report.PhonesInScientificNotation);
        Assert.Equal(2, acc.Report.WarningsByReason["INVALID_PHONE"]);
        using var json = new MemoryStream();
        acc.Report.WriteJson(json);
        using var doc = System.Text.Json.JsonDocument.Parse(json.ToArray());
        Assert.Equal(2, doc.RootElement.GetProperty("phones_in_scientific_notation").GetInt64());
    }

    // ---------------------------------------------------------------- a joined contacts file

    private const string JoinMapping = """
        columns: {Date: event_time, Amount: value}
        constants: {event_name: PURCHASE, currency: USD}
        auto_detect: false
        joins:
          - name: customers
            keys: [Customer ID]
            on: Square Customer ID
            columns:
              Email Address: em
              Phone Number: ph
              Postal Code: zp
        """;

    private static EventBuilder JoinBuilder(TempDir dir, string contacts)
    {
        var spec = MappingFileLoader.Parse(JoinMapping, "m.yaml");
        var set = JoinSet.Load(spec, [dir.File("customers.csv", contacts)], defaultCountry: "US");
        spec = spec with { JoinData = set };
        var options = new ConversionOptions { Mapping = spec, DefaultCountry = "US" };
        return new EventBuilder(BoundMapping.Bind(spec, ["Date", "Amount", "Customer ID"], "transactions.csv"), options, "transactions.csv", Clock);
    }

    [Fact]
    public void Build_JoinedContactsWithMarkers_KeysMatchAndValuesHashWithoutTheMarker() // #15
    {
        using var dir = new TempDir();
        var builder = JoinBuilder(dir, """
            Square Customer ID,Email Address,Phone Number,Postal Code
            '5897398649016,'ann@example.com,'+14485003012,'4001
            77,bo@example.com,(352) 301-6928,-
            """);

        var ann = builder.Build(["2026-11-01", "10", "5897398649016"], 1).Event!;
        Assert.Equal([H("ann@example.com")], ann.UserData.Em!);
        Assert.Equal([H("14485003012")], ann.UserData.Ph!);
        Assert.Equal([H("4001")], ann.UserData.Zp!);     // no row country: not padded, as without the marker
        // The main file's key carries the marker, the contacts' does not: still the same key.
        var bo = builder.Build(["2026-11-01", "10", "'77"], 2);
        Assert.Equal([H("bo@example.com")], bo.Event!.UserData.Em!);
        Assert.Null(bo.Event.UserData.Zp);   // the '-' zip is no value
        Assert.Null(bo.Warnings);
    }

    [Theory]
    [InlineData("-")]
    [InlineData("N/A")]
    public void Build_PlaceholderJoinKey_JoinsNothingAndNamesTheKey(string key) // #15: not every contact keyed '-'
    {
        using var dir = new TempDir();
        var builder = JoinBuilder(dir, $"Square Customer ID,Email Address,Phone Number,Postal Code\n{key},ann@example.com,,\n");

        var r = builder.Build(["2026-11-01", "10", key], 1);

        Assert.Null(r.Event);
        Assert.Equal("MISSING_USER_DATA", r.Rejection!.Value.Reason.Name);
        Assert.Equal("Customer ID", r.Rejection.Value.Field);
    }

    [Fact]
    public void Build_JoinedContactWithoutMatchKey_NamesTheJoinedColumns() // #15
    {
        using var dir = new TempDir();
        var builder = JoinBuilder(dir, "Square Customer ID,Email Address,Phone Number,Postal Code\n1,n/a,9.23228E+11,4001\n");

        var r = builder.Build(["2026-11-01", "10", "1"], 1);

        Assert.Equal("MISSING_USER_DATA", r.Rejection!.Value.Reason.Name);
        Assert.Equal("customers.Email Address|customers.Phone Number", r.Rejection.Value.Field);
        Assert.Same(SpreadsheetNumbers.PhoneReason, Assert.Single(r.Warnings!).Reason);
    }

    private static BuiltRow BuildItems(string status, string items)
    {
        var spec = MappingFileLoader.Parse("""
            columns: {Email: em, Date: event_time, Items: content_ids}
            constants: {event_name: SIGN_UP}
            filter:
              - {name: not paid, column: Status, in: [Paid, Test]}
              - {name: test order, column: Status, not_in: [Test]}
            auto_detect: false
            """, "m.yaml");
        var options = new ConversionOptions { Mapping = spec, DefaultCountry = "US" };
        return new EventBuilder(BoundMapping.Bind(spec, ["Email", "Date", "Status", "Items"], "orders.csv"), options, "orders.csv", Clock)
            .Build(["ann@example.com", "2026-11-01 10:00:00 +0000", status, items], 2);
    }

    [Fact]
    public void Build_MarkedContentIdItems_WithoutTheMarker()
    {
        // #15: '00123 is the spreadsheet's way to keep a SKU's zeros; the marker is no part of the id.
        var r = BuildItems("Paid", "'00123; ' 0456 ,789,'");
        Assert.Equal(["00123", "0456", "789"], r.Event!.CustomData.ContentIds!);
    }

    [Theory]
    [InlineData("'Paid", null)]
    [InlineData(" 'paid ", null)]
    [InlineData("'Refunded", "not paid")]
    [InlineData("'Test", "test order")]
    public void Build_MarkedFilterCell_MatchedWithoutTheMarker(string status, string? filteredBy)
    {
        // #15: a filter reads a marked cell as every other field does.
        var r = BuildItems(status, "A");
        Assert.Equal(filteredBy, r.FilteredBy);
        Assert.Equal(filteredBy is null, r.Event is not null);
    }
}
