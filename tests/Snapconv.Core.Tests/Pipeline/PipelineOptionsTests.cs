using Snapconv.Core.Pipeline;

namespace Snapconv.Core.Tests.Pipeline;

/// <summary>A block's rows follow its file's width when not given: about the same cells a block, within 64–256 rows.</summary>
public sealed class PipelineOptionsTests
{
    [Theory]
    [InlineData(1, 256)]
    [InlineData(7, 256)]     // the bench's lean export
    [InlineData(8, 256)]
    [InlineData(14, 146)]    // its full 14-column export
    [InlineData(32, 64)]
    [InlineData(80, 64)]     // a wide CRM export: never fewer than 64
    [InlineData(0, 256)]     // a file without columns reads no cells
    public void BlockRowsFor_Width_IsCellsPerBlockOverWidth_Clamped(int width, int rows) =>
        Assert.Equal(rows, PipelineOptions.BlockRowsFor(width));

    [Fact]
    public void BlockSize_NotGiven_IsNull_SoTheReaderSizesByWidth() => Assert.Null(new PipelineOptions().BlockSize);
}
