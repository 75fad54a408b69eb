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

    [Theory]
    [InlineData(100)]
    [InlineData(4096)]
    [InlineData(65536)]
    public void Read_WideLineAfterManyShortOnes_NamesItsLine(int chunk)
    {
        // #15: chunks of short unquoted lines take the fast path, which counts lines only; the line number stays exact.
        var text = "h1,h2\n" + string.Concat(Enumerable.Repeat("x,y\n", 20_000)) + Line(RecordReaderOptions.MaxColumns) + "\nz,w\n";
        var e = Assert.Throws<InputException>(() => Drain(text, chunk));
        Assert.Contains("line 20002 has more than 16,384 columns", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(65536)]
    public void Read_WideRecordAcrossQuotedNewlinesAfterManyShortLines_NamesWhereItStarts(int chunk)
    {
        // #15: the fast path hands over to the quote-aware one at the first quote, with the right line.
        var fields = string.Join(',', Enumerable.Range(0, RecordReaderOptions.MaxColumns + 1).Select(i => i % 1000 == 999 ? "\"a\nb\"" : "a"));
        var text = "h1,h2\n" + string.Concat(Enumerable.Repeat("x,y\n", 5_000)) + fields + "\n";
        var e = Assert.Throws<InputException>(() => Drain(text, chunk));
        Assert.Contains("the record starting at line 5002 has more than", e.Message, StringComparison.Ordinal);
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

/// <summary>A record whose fields run over many lines inside quotes is judged as one record (#16).</summary>
public class ColumnGuardReaderMultiLineTests
{
    /// <summary>A record of <paramref name="fields"/> fields, a quoted newline every 1,000 fields: no line is wide.</summary>
    private static string MultiLineRecord(int fields) =>
        string.Join(',', Enumerable.Range(0, fields).Select(i => i % 1000 == 999 ? "\"a\nb\"" : "a"));

    [Theory]
    [InlineData(7)]
    [InlineData(4096)]
    [InlineData(1 << 20)]
    public void Read_RecordOverTheLimitAcrossQuotedNewlines_StopsNamingWhereItStarts(int chunk)
    {
        var text = "h1,h2\nx,y\n" + MultiLineRecord(RecordReaderOptions.MaxColumns + 1) + "\nz,w\n";
        using var guard = new ColumnGuardReader(new StringReader(text), ',', "wide.csv");
        var buffer = new char[chunk];
        var e = Assert.Throws<InputException>(() => { while (guard.Read(buffer.AsSpan()) > 0) { } });
        Assert.Contains("the record starting at line 3 has more than 16,384 columns", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(1 << 20)]
    public void Read_ManyShortRecordsWithQuotedNewlines_Pass(int chunk)
    {
        var record = "\"note\nwith, a comma\",\"x\"\"y\",2";
        var text = "a,b,c\n" + string.Join('\n', Enumerable.Repeat(record, 20_000)) + "\n";
        using var guard = new ColumnGuardReader(new StringReader(text), ',', "notes.csv");
        var buffer = new char[chunk];
        long total = 0;
        int n;
        while ((n = guard.Read(buffer.AsSpan())) > 0) total += n;
        Assert.Equal(text.Length, total);
    }

    [Fact]
    public void Read_RecordOverTheLimitCharByChar_Stops()
    {
        using var guard = new ColumnGuardReader(new StringReader(MultiLineRecord(RecordReaderOptions.MaxColumns + 1)), ',', "wide.csv");
        Assert.Throws<InputException>(() => { while (guard.Read() >= 0) { } });
    }
}
