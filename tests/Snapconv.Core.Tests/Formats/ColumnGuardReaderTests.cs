using Snapconv.Core.Formats;

namespace Snapconv.Core.Tests.Formats;

/// <summary>
/// The column guard (#16) counts delimiters only where a line can reach the limit: a wide line is caught whichever way
/// the reads cut it, and a line just under the limit passes.
/// </summary>
public class ColumnGuardReaderTests
{
    private static string Line(int delimiters) => string.Join(',', Enumerable.Repeat("a", delimiters + 1));

    /// <summary>Reads everything through the guard in chunks of <paramref name="chunk"/> characters.</summary>
    private static void Drain(string text, int chunk)
    {
        using var guard = new ColumnGuardReader(new StringReader(text), ',', "wide.csv");
        var buffer = new char[chunk];
        while (guard.Read(buffer.AsSpan()) > 0) { }
    }

    [Theory]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(4096)]
    [InlineData(1 << 20)]
    public void Read_LineOverTheLimitInAnyChunking_StopsNamingItsLine(int chunk)
    {
        var text = "h1,h2\nx,y\n" + Line(RecordReaderOptions.MaxColumns) + "\nz,w\n";
        var e = Assert.Throws<InputException>(() => Drain(text, chunk));
        Assert.Contains("line 3 has more than 16,384 columns", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(4096)]
    [InlineData(1 << 20)]
    public void Read_LinesJustUnderTheLimit_PassWhole(int chunk)
    {
        var text = "h1,h2\n" + Line(RecordReaderOptions.MaxColumns - 1) + "\n" + Line(RecordReaderOptions.MaxColumns - 1);
        using var guard = new ColumnGuardReader(new StringReader(text), ',', "wide.csv");
        var read = new System.Text.StringBuilder();
        var buffer = new char[chunk];
        int n;
        while ((n = guard.Read(buffer.AsSpan())) > 0) read.Append(buffer, 0, n);
        Assert.Equal(text, read.ToString());
    }

    [Fact]
    public void Read_CharByCharAndSpansMixed_CountsTheSameLine()
    {
        var text = Line(RecordReaderOptions.MaxColumns);
        using var guard = new ColumnGuardReader(new StringReader(text), ',', "wide.csv");
        for (var i = 0; i < 1000; i++) guard.Read();
        var e = Assert.Throws<InputException>(() => { var b = new char[512]; while (guard.Read(b.AsSpan()) > 0) { } });
        Assert.Contains("line 1", e.Message, StringComparison.Ordinal);
    }
}
