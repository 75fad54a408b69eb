using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Capi;
using Snapconv.Core.Mapping;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Tests.Validation;

public class EventBuilderTests
{
    private static readonly string[] Headers = ["email", "phone", "event_name", "event_time", "amount", "currency", "order_id", "action_source"];
    private static readonly FakeTimeProvider Clock = new(DateTimeOffset.FromUnixTimeSeconds(1734567890 + 3600));

    private static BuiltRow Build(string?[] row, MappingSpec? spec = null, ConversionOptions? options = null, TimeProvider? clock = null)
    {
        options ??= new ConversionOptions { DefaultCountry = "US", Mapping = spec ?? MappingSpec.Empty };
        var bound = BoundMapping.Bind(options.Mapping, Headers, "in.csv");
        return new EventBuilder(bound, options, "in.csv", clock ?? Clock).Build(row, 7);
    }

    [Fact]
    public void Build_SpecExampleRow_GivesSnapsEvent()
    {
        var r = Build(["Person@Example.com", "+44 844 412 4653", "purchase", "1734567890", "99.99", "usd", "offline_txn_12345", "physical_store"]);
        var e = Assert.IsType<CapiEvent>(r.Event);
        Assert.Equal("PURCHASE", e.EventName);
        Assert.Equal(1734567890, e.EventTime);
        Assert.Equal("OFFLINE", e.ActionSource);
        Assert.Equal("offline_txn_12345", e.EventId);
        Assert.Equal("offline_txn_12345", e.CustomData.OrderId);
        Assert.Equal(["542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345"], e.UserData.Em!);
        Assert.Equal(["dc008fda46e2e64002cf2f82a4906236282d431c4f75e5b60bfe79fc48546383"], e.UserData.Ph!);
        Assert.Equal(99.99m, e.CustomData.Value);
        Assert.Equal("USD", e.CustomData.Currency);
        Assert.Null(r.Warnings);
    }

    [Theory]
    [InlineData(2, "", "MISSING_EVENT_NAME", "event_name")]
    [InlineData(2, "REFUND", "INVALID_EVENT_NAME", "event_name")]
    [InlineData(3, "", "MISSING_EVENT_TIME", "event_time")]
    [InlineData(3, "yesterday", "INVALID_EVENT_TIME", "event_time")]
    [InlineData(3, "45000", "INVALID_EVENT_TIME", "event_time")]
    [InlineData(7, "WEB", "INVALID_ACTION_SOURCE", "action_source")]
    [InlineData(5, "", "MISSING_CURRENCY", "currency")]
    [InlineData(5, "Dollars", "INVALID_CURRENCY", "currency")]
    [InlineData(4, "", "MISSING_VALUE", "amount")]
    [InlineData(4, "-3", "INVALID_VALUE", "amount")]
    public void Build_OneBadField_RejectsWithSnapReasonAndColumn(int column, string value, string reason, string field)
    {
        string?[] row = ["a@b.co", "", "PURCHASE", "1734567890", "10", "USD", "", ""];
        row[column] = value;
        var r = Build(row);
        Assert.Null(r.Event);
        Assert.Equal(reason, r.Rejection!.Value.Reason.Name);
        Assert.Equal(field, r.Rejection.Value.Field);
        Assert.Equal(new RowRef("in.csv", 7), r.Rejection.Value.Row);
    }

    [Fact]
    public void Build_SeveralBadFields_ReasonIsFirstInSpecOrder()
    {
        var r = Build(["", "", "REFUND", "nope", "-1", "XXX", "", "WEB"]);
        Assert.Equal("INVALID_EVENT_NAME", r.Rejection!.Value.Reason.Name);
    }

    [Fact]
    public void Build_InvalidPhoneWithValidEmail_WarnsAndKeepsEvent()
    {
        var r = Build(["a@b.co", "12", "SIGN_UP", "1734567890", "", "", "", ""]);
        Assert.NotNull(r.Event);
        Assert.Null(r.Event!.UserData.Ph);
        var w = Assert.Single(r.Warnings!);
        Assert.Equal("INVALID_PHONE", w.Reason.Name);
        Assert.Equal("phone", w.Field);
    }

    [Fact]
    public void Build_OnlyInvalidIdentifiers_IsMissingUserDataNamingTheMatchKeyColumns()
    {
        var r = Build(["not-an-email", "", "SIGN_UP", "1734567890", "", "", "", ""]);
        Assert.Equal("MISSING_USER_DATA", r.Rejection!.Value.Reason.Name);
        Assert.Equal("email|phone", r.Rejection.Value.Field);   // #15: every em/ph column, the empty one too
    }

    [Fact]
    public void Build_Constants_FillMissingFields()
    {
        var spec = MappingFileLoader.Parse("constants: {event_name: PURCHASE, currency: EUR}", "m");
        var r = Build(["a@b.co", "", "", "1734567890", "5", "", "", ""], spec);
        Assert.Equal("PURCHASE", r.Event!.EventName);
        Assert.Equal("EUR", r.Event.CustomData.Currency);
    }

    [Fact]
    public void Build_NoEventOrOrderId_DerivesStableIdFromContent()
    {
        string?[] row = ["a@b.co", "", "SIGN_UP", "1734567890", "", "", "", ""];
        var options = new ConversionOptions { PixelId = "p1" };
        var a = Build(row, options: options).Event!;
        var b = Build((string?[])row.Clone(), options: options).Event!;
        Assert.Equal(64, a.EventId.Length);
        Assert.Equal(a.EventId, b.EventId);
    }

    [Fact]
    public void Build_MillisecondsInput_IsSentInSeconds()
    {
        var r = Build(["a@b.co", "", "SIGN_UP", "1734567890123", "", "", "", ""]);
        Assert.Equal(1734567890, r.Event!.EventTime);
    }

    [Fact]
    public void Build_OldEvent_WarnsOrRejectsWithMaxAge()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1734567890).AddDays(70));
        string?[] row = ["a@b.co", "", "SIGN_UP", "1734567890", "", "", "", ""];
        var warned = Build(row, options: new ConversionOptions(), clock: clock);
        Assert.Equal(["EVENT_TIME_NOT_ATTRIBUTABLE", "EVENT_TIME_TOO_OLD"], warned.Warnings!.Select(w => w.Reason.Name));
        var rejected = Build(row, options: new ConversionOptions { MaxEventAgeDays = 62 }, clock: clock);
        Assert.Equal("EVENT_TIME_TOO_OLD", rejected.Rejection!.Value.Reason.Name);
        Assert.False(rejected.Rejection.Value.IsWarning);
    }

    [Fact]
    public void Build_AlreadyHashedEmail_PassesThroughLowercased()
    {
        var r = Build(["7B17FB0BD173F625B58636FB796407C22B3D16FC78302D79F0FD30C2FC2FC068", "", "SIGN_UP", "1734567890", "", "", "", ""]);
        Assert.Equal(["7b17fb0bd173f625b58636fb796407c22b3d16fc78302d79f0fd30c2fc2fc068"], r.Event!.UserData.Em!);
    }
}

public class EventBuilderAutoDetectedEventNameTests
{
    // A Square transactions export read without its preset: "Event Type" is found by its header, its values are no Snap names.
    private static readonly string[] SquareHeaders = ["Date", "Time", "Time Zone", "Transaction ID", "Event Type", "Total Collected", "Customer Email"];
    private static readonly FakeTimeProvider Clock = new(DateTimeOffset.FromUnixTimeSeconds(1734567890 + 3600));

    private static BuiltRow Build(string eventType, MappingSpec spec)
    {
        var options = new ConversionOptions { DefaultCountry = "US", Mapping = spec with { Constants = new Dictionary<TargetField, string>(spec.Constants) { [TargetField.Currency] = "USD" } } };
        var bound = BoundMapping.Bind(options.Mapping, SquareHeaders, "square.csv");
        return new EventBuilder(bound, options, "square.csv", Clock).Build(["2024-12-18", "", "", "T1", eventType, "12.50", "ann@example.com"], 2);
    }

    [Fact]
    public void Build_AutoDetectedEventTypeNotASnapName_WithEventNameOption_TakesTheOption()
    {
        // #15: every row of a Square file was INVALID_EVENT_NAME even with --event-name PURCHASE.
        var r = Build("Payment", DefaultEventName.Apply(MappingSpec.Empty, EventNames.Purchase));
        Assert.Null(r.Rejection);
        Assert.Equal(EventNames.Purchase, Assert.IsType<CapiEvent>(r.Event).EventName);
        Assert.Equal(12.5m, r.Event!.CustomData.Value);
    }

    [Fact]
    public void Build_AutoDetectedEventTypeWithASnapName_WithEventNameOption_KeepsTheColumns()
    {
        var r = Build("sign up", DefaultEventName.Apply(MappingSpec.Empty, EventNames.Purchase));
        Assert.Null(r.Rejection);
        Assert.Equal("SIGN_UP", Assert.IsType<CapiEvent>(r.Event).EventName);
    }

    [Fact]
    public void Build_AutoDetectedEventTypeNotASnapName_WithoutEventNameOption_IsInvalidEventName()
    {
        var r = Build("Payment", MappingSpec.Empty);
        Assert.Equal("INVALID_EVENT_NAME", r.Rejection!.Value.Reason.Name);
        Assert.Equal("Event Type", r.Rejection.Value.Field);
    }

    [Fact]
    public void Build_MappedEventTypeNotASnapName_WithEventNameOption_IsInvalidEventName()
    {
        // A column the user's mapping names is the user's word: a value that is no Snap name is an error, not replaced.
        var spec = DefaultEventName.Apply(new MappingSpec { Columns = [new ColumnRule("Event Type", TargetField.EventName)] }, EventNames.Purchase);
        var r = Build("Payment", spec);
        Assert.Equal("INVALID_EVENT_NAME", r.Rejection!.Value.Reason.Name);
        Assert.Equal("Event Type", r.Rejection.Value.Field);
    }
}

public class EventBuilderJoinedFullNameTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero));
    private static string H(string normalized) => Snapconv.Core.Hashing.Sha256Hex.Hash(normalized);

    private const string Mapping = """
        columns: {Date: event_time, Amount: value, Card Name: full_name}
        constants: {event_name: PURCHASE, currency: USD}
        auto_detect: false
        joins:
          - name: customers
            keys: [Customer ID]
            on: id
            columns:
              Email: em
              Name: {field: full_name, optional: true}
        """;

    private static BuiltRow Build(string contacts, string customerId, string cardName = "")
    {
        using var dir = new Snapconv.Core.Tests.Formats.TempDir();
        var spec = MappingFileLoader.Parse(Mapping, "m.yaml");
        spec = spec with { JoinData = JoinSet.Load(spec, [dir.File("customers.csv", contacts)], defaultCountry: "US") };
        var options = new ConversionOptions { Mapping = spec, DefaultCountry = "US" };
        var builder = new EventBuilder(BoundMapping.Bind(spec, ["Date", "Amount", "Customer ID", "Card Name"], "payments.csv"), options, "payments.csv", Clock);
        return builder.Build(["2026-11-01 10:00:00 +0000", "10", customerId, cardName], 2);
    }

    private const string Customers = "id,Email,Name\ncus_1,ann@example.com,Ann Marie  Lee\ncus_2,cher@example.com,Cher\ncus_3,bo@example.com,\n";

    [Fact]
    public void Build_JoinedFullName_FirstWordIsFnLastWordIsLn()
    {
        // #15: Stripe's customers export has one Name column; it is read as the main file's full_name.
        var e = Build(Customers, "cus_1").Event!;
        Assert.Equal([H("ann")], e.UserData.Fn!);
        Assert.Equal([H("lee")], e.UserData.Ln!);
    }

    [Theory]
    [InlineData("cus_2", "cher", null)]
    [InlineData("cus_3", null, null)]
    public void Build_JoinedOneWordOrBlankName_FnOnlyOrNothing(string id, string? fn, string? ln)
    {
        var e = Build(Customers, id).Event!;
        Assert.Equal(fn is null ? null : [H(fn)], e.UserData.Fn);
        Assert.Equal(ln is null ? null : [H(ln)], e.UserData.Ln);
    }

    [Fact]
    public void Build_JoinedNameSameAsRowsName_OneValueEach()
    {
        var e = Build(Customers, "cus_1", cardName: "ANN LEE").Event!;
        Assert.Equal([H("ann")], e.UserData.Fn!);
        Assert.Equal([H("lee")], e.UserData.Ln!);
    }

    [Fact]
    public void Parse_JoinColumnNotUserData_IsRejected()
    {
        var ex = Assert.Throws<Snapconv.Core.Formats.InputException>(() => MappingFileLoader.Parse(
            "joins: [{name: c, keys: [Customer ID], on: id, columns: {Total: value}}]", "m.yaml"));
        Assert.Contains("full_name", ex.Message);
    }
}
