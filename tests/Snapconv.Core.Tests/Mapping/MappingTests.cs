using Snapconv.Core.Formats;
using Snapconv.Core.Mapping;

namespace Snapconv.Core.Tests.Mapping;

public class MappingTests
{
    [Theory]
    [InlineData("Email", TargetField.Em)]
    [InlineData("E-Mail", TargetField.Em)]
    [InlineData("email_address", TargetField.Em)]
    [InlineData("Phone Number", TargetField.Ph)]
    [InlineData("mobile", TargetField.Ph)]
    [InlineData("fname", TargetField.Fn)]
    [InlineData("Last Name", TargetField.Ln)]
    [InlineData("postal_code", TargetField.Zp)]
    [InlineData("IDFA", TargetField.Madid)]
    [InlineData("customer_id", TargetField.ExternalId)]
    [InlineData("transaction_date", TargetField.EventTime)]
    [InlineData("Amount", TargetField.Value)]
    [InlineData("Order ID", TargetField.OrderId)]
    [InlineData("SKU", TargetField.ContentIds)]
    [InlineData("quantity", TargetField.NumItems)]
    [InlineData("event_type", TargetField.EventName)]
    [InlineData("sc_click_id", TargetField.ScClickId)]
    public void HeaderAutoDetect_CommonNames_AreRecognised(string header, TargetField expected)
    {
        Assert.True(HeaderAutoDetect.TryDetect(header, out var f, out _));
        Assert.Equal(expected, f);
    }

    [Fact]
    public void HeaderAutoDetect_HashedPrefix_MarksAlreadyHashed()
    {
        Assert.True(HeaderAutoDetect.TryDetect("hashed_email", out var f, out var hashed));
        Assert.Equal(TargetField.Em, f);
        Assert.True(hashed);
        Assert.True(HeaderAutoDetect.TryDetect("email", out _, out var plain));
        Assert.False(plain);
    }

    [Fact]
    public void Load_YamlWithColumnsConstantsAndOptions_ParsesEverything()
    {
        var spec = MappingFileLoader.Parse("""
            columns:
              Kunden-Mail: em
              Hashed Phone: {field: ph, already_hashed: true}
              Verkaufsdatum: {field: event_time, format: "dd.MM.yyyy HH:mm"}
              Kunde: {field: external_id, preserve_case: true}
              Notes: ignore
            constants: {event_name: PURCHASE, currency: EUR, event_tag: in-store}
            timezone: Europe/Berlin
            default_country: de
            decimal_separator: ","
            auto_detect: false
            """, "m.yaml");
        Assert.Equal(5, spec.Columns.Count);
        Assert.True(spec.Columns[1].AlreadyHashed);
        Assert.Equal("dd.MM.yyyy HH:mm", spec.Columns[2].Format);
        Assert.True(spec.Columns[3].PreserveCase);
        Assert.Equal(TargetField.Ignore, spec.Columns[4].Field);
        Assert.Equal("EUR", spec.Constants[TargetField.Currency]);
        Assert.Equal("Europe/Berlin", spec.Timezone);
        Assert.Equal("DE", spec.DefaultCountry);
        Assert.Equal(',', spec.DecimalSeparator);
        Assert.False(spec.AutoDetect);
    }

    [Fact]
    public void Load_Json_IsAccepted()
    {
        var spec = MappingFileLoader.Parse("""{"columns": {"mail": "em"}, "constants": {"event_name": "SIGN_UP"}}""", "m.json");
        Assert.Equal(TargetField.Em, spec.Columns[0].Field);
        Assert.Equal("SIGN_UP", spec.Constants[TargetField.EventName]);
    }

    [Theory]
    [InlineData("colums: {}", "colums: unknown key")]
    [InlineData("columns: {Mail: emial}", "columns.Mail: unknown field 'emial'")]
    [InlineData("columns: {Mail: {field: em, hashed: true}}", "columns.Mail.hashed: unknown key")]
    [InlineData("constants: {em: x@y.z}", "constants.em: only event_name")]
    [InlineData("decimal_separator: ';'", "decimal_separator: expected")]
    public void Load_BadKeyOrValue_ErrorNamesItsPath(string yaml, string expected)
    {
        var e = Assert.Throws<InputException>(() => MappingFileLoader.Parse(yaml, "m.yaml"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("m.yaml", e.Message);
    }

    [Fact]
    public void Bind_ExplicitRuleBeatsAutoDetect_AndUnmappedAreListed()
    {
        var spec = MappingFileLoader.Parse("columns: {Contact: em}", "m.yaml");
        var bound = BoundMapping.Bind(spec, ["Contact", "email", "Phone", "Notes"], "f.csv");
        Assert.Contains(bound.Bindings, b => b is { Header: "Contact", Field: TargetField.Em });
        Assert.Contains(bound.Bindings, b => b is { Header: "email", Field: TargetField.Em });
        Assert.Contains(bound.Bindings, b => b is { Header: "Phone", Field: TargetField.Ph });
        Assert.Equal(["Notes"], bound.Unmapped);
    }

    [Fact]
    public void Bind_RuleColumnMatchesIgnoringCaseAndPunctuation()
    {
        var spec = MappingFileLoader.Parse("columns: {ORDER-NO: order_id}", "m.yaml");
        var bound = BoundMapping.Bind(spec, ["order no"], "f.csv");
        Assert.Equal(TargetField.OrderId, Assert.Single(bound.Bindings).Field);
    }

    [Fact]
    public void Bind_RuleNamesMissingColumn_ErrorNamesFileAndColumn()
    {
        var spec = MappingFileLoader.Parse("columns: {Mail: em}", "m.yaml");
        var e = Assert.Throws<InputException>(() => BoundMapping.Bind(spec, ["email"], "f.csv"));
        Assert.Contains("f.csv", e.Message);
        Assert.Contains("'Mail'", e.Message);
    }

    [Fact]
    public void Bind_SecondCandidateForSingleField_IsNotBound()
    {
        var bound = BoundMapping.Bind(MappingSpec.Empty, ["date", "created_at"], "f.csv");
        Assert.Single(bound.Bindings, b => b.Field == TargetField.EventTime);
        Assert.Equal(["created_at"], bound.Unmapped);
    }
}
