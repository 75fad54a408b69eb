using Snapconv.Core.Mapping;

namespace Snapconv.Core.Tests.Mapping;

/// <summary>The map stage alone: a row read as the mapping's fields, before any rule or identifier.</summary>
public sealed class RowFieldsTests
{
    private static RowFields Fields(string yaml, string[] headers)
    {
        var spec = MappingFileLoader.Parse(yaml, "m.yaml");
        return new RowFields(BoundMapping.Bind(spec, headers, "in.csv"), spec, "in.csv");
    }

    [Fact]
    public void Value_ColumnThenFallbackColumnThenConstant_EachNamedAsItsSource()
    {
        var f = Fields("columns: {Paid at: {field: event_tag, fallback: Created at}, Currency: currency}\nconstants: {currency: USD}",
            ["Paid at", "Created at", "Currency"]);

        Assert.Equal(("p1", "Paid at"), f.Value([" p1 ", "c1", "EUR"], TargetField.EventTag));
        Assert.Equal(("c1", "Created at"), f.Value(["  ", "c1", "EUR"], TargetField.EventTag));
        Assert.Equal(("EUR", "Currency"), f.Value(["", "", "EUR"], TargetField.Currency));
        Assert.Equal(("USD", "currency"), f.Value(["", "", " "], TargetField.Currency));
        Assert.Equal(((string?)null, "order_id"), f.Value(["", "", ""], TargetField.OrderId));
    }

    [Fact]
    public void FilteredBy_RowOutsideTheFilter_NamesTheRule_ARowInsideIsKept()
    {
        var f = Fields("columns: {Email: em}\nfilter:\n  - name: not won\n    any:\n      - {column: Stage, in: [Closed Won]}", ["Email", "Stage"]);

        Assert.Equal("not won", f.FilteredBy(["a@example.com", "Open"], 2));
        Assert.Null(f.FilteredBy(["a@example.com", "Closed Won"], 3));
    }

    [Fact]
    public void AddContentIds_ListWithMarkersAndBlanks_EachItemTrimmedOnce()
    {
        var data = new Snapconv.Core.Capi.CustomData();

        RowFields.AddContentIds(data, " '00123; b ,, c|d ");

        Assert.Equal(["00123", "b", "c", "d"], data.ContentIds!);
    }
}
