using Snapconv.Core.Pipeline;

namespace Snapconv.Core.Tests.Pipeline;

/// <summary>A block's cells sit row after row in one array; a row's own array is a copy made on request.</summary>
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
}
