using System.Text;
using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Mapping;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Tests.Formats;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Tests.Pipeline;

/// <summary>
/// A block's cells sit row after row in one array; a row's own array is a copy made on request. The reader reuses a
/// consumed block's arrays for later blocks, so a block's fields are read while it is the current one.
/// </summary>
public sealed class BlockCellsTests
{
    [Fact]
    public void Rows_AreTheirOwnSlices_AndCopiesAreIndependent()
    {
        string?[] flat = ["a1", "b1", null, "a2", "b2", "c2", "unused", "unused", "unused"];
        var cells = new BlockCells(flat, width: 3, count: 2);
        Assert.Equal(2, cells.Count);
        Assert.Equal((IEnumerable<string?>)["a1", "b1", null], cells.Row(0).ToArray());
        Assert.Equal((IEnumerable<string?>)["a2", "b2", "c2"], cells.Row(1).ToArray());
        var block = new ProcessedBlock(null!, [], cells, isLastOfFile: true);
        var copy = block.FieldsOf(1);
        copy[0] = "changed";
        Assert.Equal("a2", block.FieldsOf(1)[0]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    public async Task ReadAsync_ReusedArrays_EveryBlockReadsItsOwnRows_AndAPassedBlockRefusesItsFields(int blockSize)
    {
        using var tmp = new TempDir();
        var csv = new StringBuilder("email,order_id,event_time,value\n");
        const int rows = 203;   // not a multiple of any block size: the last block is cut
        for (var i = 0; i < rows; i++) csv.Append($"p{i}@example.com,O-{i},2026-10-20,{i + 1}.00\n");
        var input = tmp.File("orders.csv", csv.ToString());
        var options = new ConversionOptions
        {
            Mapping = MappingFileLoader.Parse("constants: {event_name: PURCHASE, currency: USD}", "m.yaml"),
        };
        var pipeline = new PipelineOptions { BlockSize = blockSize, MaxBlocksInFlight = 3 };
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero));
        var seen = 0;
        ProcessedBlock? previous = null;
        await foreach (var block in ConversionReader.ReadAsync([input], options, clock, pipeline))
        {
            if (previous is { Rows.Length: > 0 }) Assert.Throws<InvalidOperationException>(() => previous.FieldsOf(0));
            for (var i = 0; i < block.Rows.Length; i++, seen++)
            {
                // The row's fields are its own (not another block's written into a reused array), and so is its event.
                var row = block.Rows[i];
                Assert.Equal(seen + 1, row.Row.Row);   // rows are numbered from the first data row
                Assert.Equal($"O-{seen}", block.FieldsOf(i)[1]);
                Assert.Equal($"O-{seen}", row.Event!.CustomData.OrderId);
            }
            previous = block;
        }
        Assert.Equal(rows, seen);
    }
}
