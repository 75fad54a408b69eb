using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Formats;
using Snapconv.Core.Tests.Formats;
using Snapconv.Core.Mapping;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Tests.Validation;

/// <summary>#15: group_by folds an order's line items (consecutive rows with one key) into one event, across blocks and workers.</summary>
public class GroupFolderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 2, 12, 0, 0, TimeSpan.Zero);

    private const string Mapping = """
        group_by: Order
        columns: {Order: order_id, Email: em, Date: event_time, Total: value, Sku: content_ids, Qty: num_items}
        constants: {event_name: PURCHASE, currency: USD}
        """;

    private static async Task<(RunReport Report, List<JsonElement> Events)> Run(string csv, string mapping = Mapping, int blockSize = 4)
    {
        using var tmp = new TempDir();
        var input = tmp.File("orders.csv", csv);
        var clock = new FakeTimeProvider(Now);
        var options = new ConversionOptions { Mapping = MappingFileLoader.Parse(mapping, "m.yaml") };
        var outputs = new ConversionOutputs { EventsPath = Path.Combine(tmp.Path, "ev.ndjson") };
        var pipeline = new PipelineOptions { BlockSize = blockSize, MaxBlocksInFlight = 8 };
        var result = await ConversionRun.ExecuteAsync([input], options, outputs, clock, CancellationToken.None, pipeline: pipeline);
        var events = File.ReadAllLines(outputs.EventsPath).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        return (result.Report, events);
    }

    /// <summary>Orders of <paramref name="sizes"/>[i] line items each; order i's first row carries its e-mail and total.</summary>
    private static string Orders(params int[] sizes)
    {
        var sb = new StringBuilder("Order,Email,Date,Total,Sku,Qty\n");
        for (var o = 0; o < sizes.Length; o++)
            for (var item = 0; item < sizes[o]; item++)
                sb.Append($"#{1000 + o},{(item == 0 ? $"b{o}@example.com" : "")},{(item == 0 ? "2026-10-20" : "")},{(item == 0 ? "10.00" : "")},SKU-{o}-{item},{item + 1}\n");
        return sb.ToString();
    }

    [Theory]
    [InlineData(4)]   // groups of 3 straddle the 4-row blocks
    [InlineData(1)]   // every group is larger than a block: the block grows
    [InlineData(64)]
    public async Task GroupBy_GroupsAcrossBlockBoundaries_OneEventPerOrderWithEveryItem(int blockSize)
    {
        int[] sizes = [3, 1, 3, 5, 2, 3, 1, 7, 3];
        var (report, events) = await Run(Orders(sizes), blockSize: blockSize);
        Assert.Equal(sizes.Sum(), report.Rows);
        Assert.Equal(sizes.Length, report.Accepted);
        Assert.Equal(sizes.Sum() - sizes.Length, report.Folded);
        Assert.Equal(report.Rows, report.Accepted + report.Rejected + report.Filtered + report.Duplicates + report.Folded);
        for (var o = 0; o < sizes.Length; o++)
        {
            var custom = events[o].GetProperty("custom_data");
            Assert.Equal($"#{1000 + o}", custom.GetProperty("order_id").GetString());
            Assert.Equal(Enumerable.Range(0, sizes[o]).Select(i => $"SKU-{o}-{i}"), custom.GetProperty("content_ids").EnumerateArray().Select(x => x.GetString()));
            Assert.Equal(sizes[o] * (sizes[o] + 1) / 2, custom.GetProperty("num_items").GetInt32());
        }
    }

    [Fact]
    public async Task GroupBy_BlankKeys_AreNeverFolded()
    {
        var csv = "Order,Email,Date,Total,Sku,Qty\n,a@example.com,2026-10-20,1,A,1\n,b@example.com,2026-10-20,1,B,1\n";
        var (report, events) = await Run(csv);
        Assert.Equal(2, report.Accepted);
        Assert.Equal(0, report.Folded);
        Assert.Equal(2, events.Count);
    }

    [Fact]
    public async Task GroupBy_MarkedSkusOfFoldedRows_WithoutTheMarker()
    {
        // #15: a spreadsheet's text marker ('00123) is no part of an id, in a folded row as in the first.
        var csv = "Order,Email,Date,Total,Sku,Qty\n#1,a@example.com,2026-10-20,1,'00123,1\n#1,,,,'00456;'0789,1\n";
        var (report, events) = await Run(csv);
        Assert.Equal(1, report.Folded);
        var ids = Assert.Single(events).GetProperty("custom_data").GetProperty("content_ids").EnumerateArray().Select(x => x.GetString());
        Assert.Equal(["00123", "00456", "0789"], ids);
    }

    [Fact]
    public async Task GroupBy_FirstRowFiltered_ItsItemsAreFoldedNotFiltered()
    {
        // An order the filter leaves out counts once under its rule (orders, not line items); its items are folded.
        var mapping = Mapping + "\nfilter: [{name: not paid, column: Status, in: [paid]}]";
        var csv = "Order,Status,Email,Date,Total,Sku,Qty\n#1,pending,a@example.com,2026-10-20,5,A,1\n#1,,a@example.com,,,B,1\n#2,paid,b@example.com,2026-10-20,5,C,2\n#2,,b@example.com,,,D,1\n";
        var (report, events) = await Run(csv, mapping);
        Assert.Equal(1, report.FilteredByRule["not paid"]);
        Assert.Equal(2, report.Folded);
        Assert.Equal(3, Assert.Single(events).GetProperty("custom_data").GetProperty("num_items").GetInt32());
    }

    [Fact]
    public async Task GroupBy_KeyThatNeverChanges_StopsNamingTheColumn()
    {
        var sb = new StringBuilder("Order,Email,Date,Total,Sku,Qty\n");
        for (var i = 0; i <= GroupFolder.MaxGroupRows; i++) sb.Append("#1,a@example.com,2026-10-20,1,A,1\n");
        var e = await Assert.ThrowsAsync<InputException>(() => Run(sb.ToString(), blockSize: 64));
        Assert.Contains("group_by", e.Message);
        Assert.Equal("Order", e.Field);
    }

    [Fact]
    public async Task NoGroupBy_SameKeyRows_AreEventsOfTheirOwn()
    {
        var mapping = "columns: {Order: event_id, Email: em, Date: event_time, Total: value, Sku: content_ids, Qty: num_items}\nconstants: {event_name: SIGN_UP}";
        var csv = "Order,Email,Date,Total,Sku,Qty\n#1,a@example.com,2026-10-20,5,A,1\n#2,a@example.com,2026-10-20,5,B,1\n";
        var (report, _) = await Run(csv, mapping);
        Assert.Equal(2, report.Accepted);
        Assert.Equal(0, report.Folded);
    }
}
