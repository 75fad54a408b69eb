using System.Text;
using FsCheck.Xunit;
using Snapconv.Core.Formats;

namespace Snapconv.Core.Tests.Formats;

public sealed class CsvRecordReaderTests
{
    [Fact]
    public void Open_SemicolonWithBomAndCrlf_ReadsTrimmedUniqueHeadersAndPadsShortRows()
    {
        using var reader = RecordReaders.Open(FormatFixtures.Nasty("semicolon_bom_crlf.csv"));

        Assert.Equal(["email", "phone", "email_2", "column_4", "value"], reader.Headers);
        var rows = FormatFixtures.ReadAll(reader);
        Assert.Equal(3, rows.Count);
        Assert.Equal([1L, 2L, 3L], rows.Select(r => r.Row));
        FormatFixtures.AssertFields(["a@example.com", "+33 6 12 34 56 78", "b@example.com", "x", "12,50"], rows[0].Fields);
        // The blank line is skipped and not counted; the short row is padded with nulls.
        FormatFixtures.AssertFields(["c@example.com", "", "", null, null], rows[1].Fields);
        FormatFixtures.AssertFields(["d;e@example.com", "0612", "", "y", "3"], rows[2].Fields);
    }

    [Fact]
    public void Open_PipeDelimitedTxt_SniffsPipe()
    {
        using var reader = RecordReaders.Open(FormatFixtures.Nasty("pipe.txt"));

        Assert.Equal(["event_type", "email", "value"], reader.Headers);
        var rows = FormatFixtures.ReadAll(reader);
        FormatFixtures.AssertFields(["PURCHASE", "a@example.com", "99.99"], rows[0].Fields);
        FormatFixtures.AssertFields(["SIGN_UP", "b@example.com", ""], rows[1].Fields);
    }

    [Fact]
    public void Open_Tsv_UsesTabAndKeepsCommasAndSemicolons()
    {
        using var reader = RecordReaders.Open(FormatFixtures.Nasty("tabs.tsv"));

        Assert.Equal(["event_time", "email", "comment"], reader.Headers);
        var rows = FormatFixtures.ReadAll(reader);
        Assert.Equal(2, rows.Count);
        FormatFixtures.AssertFields(["1734567890", "a@example.com", "has, comma; and semicolon"], rows[0].Fields);
        FormatFixtures.AssertFields(["1734567891", "b@example.com", "quoted\ttab"], rows[1].Fields);
    }

    [Fact]
    public void Open_QuotedFields_UnescapesQuotesDelimitersAndNewlinesOneRowEach()
    {
        using var reader = RecordReaders.Open(FormatFixtures.Nasty("quoted.csv"));

        Assert.Equal(["id", "note", "email"], reader.Headers);
        var rows = FormatFixtures.ReadAll(reader);
        Assert.Equal([1L, 2L, 3L, 4L], rows.Select(r => r.Row));
        FormatFixtures.AssertFields(["1", "He said \"hi\", then left", "a@example.com"], rows[0].Fields);
        FormatFixtures.AssertFields(["2", "line one\nline two\r\nline three", "b@example.com"], rows[1].Fields);
        FormatFixtures.AssertFields(["3", "a,b,c", "c@example.com"], rows[2].Fields);
        // Extra fields beyond the header are ignored.
        FormatFixtures.AssertFields(["4", "", "d@example.com"], rows[3].Fields);
    }

    [Fact]
    public void Read_UnterminatedQuoteAtEof_ThrowsInputExceptionNamingFileAndRowWithoutContent()
    {
        var path = FormatFixtures.Nasty("unterminated_quote.csv");
        using var reader = RecordReaders.Open(path);
        Assert.True(reader.Read());
        Assert.True(reader.Read());

        var e = Assert.Throws<InputException>(() => reader.Read());

        Assert.Equal(path, e.File);
        Assert.Equal(3, e.Row);
        Assert.StartsWith($"{path}, row 3: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("example.com", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_UnterminatedQuoteInHeader_ThrowsInputExceptionWithoutRow()
    {
        using var dir = new TempDir();
        var path = dir.File("h.csv", "id,\"email\n");

        var e = Assert.Throws<InputException>(() => RecordReaders.Open(path));

        Assert.Null(e.Row);
        Assert.Equal($"{path}: malformed CSV header: a quote is not closed or is misplaced", e.Message);
    }

    [Fact]
    public void Open_GzippedCsv_ReadsDecompressedRows()
    {
        using var reader = RecordReaders.Open(FormatFixtures.Nasty("gzipped.csv.gz"));

        Assert.IsType<CsvRecordReader>(reader);
        Assert.Equal(["email", "value"], reader.Headers);
        var rows = FormatFixtures.ReadAll(reader);
        Assert.Equal([1L, 2L], rows.Select(r => r.Row));
        FormatFixtures.AssertFields(["a@example.com", "1"], rows[0].Fields);
        FormatFixtures.AssertFields(["b@example.com", "2"], rows[1].Fields);
    }

    [Fact]
    public void Open_NoHeaderOption_NamesColumnsAndReturnsFirstLineAsRowOne()
    {
        using var dir = new TempDir();
        var path = dir.File("a.csv", "x;1\ny;2\n");

        using var reader = RecordReaders.Open(path, new RecordReaderOptions { HasHeader = false });

        Assert.Equal(["column_1", "column_2"], reader.Headers);
        var rows = FormatFixtures.ReadAll(reader);
        Assert.Equal([1L, 2L], rows.Select(r => r.Row));
        FormatFixtures.AssertFields(["x", "1"], rows[0].Fields);
        FormatFixtures.AssertFields(["y", "2"], rows[1].Fields);
    }

    [Fact]
    public void Open_ExplicitDelimiter_OverridesSniffing()
    {
        using var dir = new TempDir();
        var path = dir.File("a.csv", "a,b;c\n1,2;3\n");

        using var reader = RecordReaders.Open(path, new RecordReaderOptions { Delimiter = ';' });

        Assert.Equal(["a,b", "c"], reader.Headers);
        Assert.True(reader.Read());
        Assert.Equal("1,2", reader.GetString(0));
    }

    [Fact]
    public void Open_EmptyFile_HasNoHeadersAndNoRows()
    {
        using var dir = new TempDir();
        using var reader = RecordReaders.Open(dir.File("empty.csv", ""));

        Assert.Empty(reader.Headers);
        Assert.False(reader.Read());
    }

    [Fact]
    public void Open_HashAtLineStart_IsDataNotComment()
    {
        using var dir = new TempDir();
        using var reader = RecordReaders.Open(dir.File("h.csv", "#id,email\n#1,a@example.com\n"));

        Assert.Equal(["#id", "email"], reader.Headers);
        Assert.True(reader.Read());
        Assert.Equal("#1", reader.GetString(0));
    }

    [Fact]
    public void GetString_OrdinalBeyondHeaders_Throws()
    {
        using var dir = new TempDir();
        using var reader = RecordReaders.Open(dir.File("a.csv", "a,b\n1,2,3\n"));
        Assert.True(reader.Read());

        Assert.Throws<ArgumentOutOfRangeException>(() => reader.GetString(2));
    }

    [Fact]
    public void Read_LongQuotedFieldBeyondStartBuffer_IsReadWhole()
    {
        using var dir = new TempDir();
        var longText = new string('x', CsvRecordReader.BufferSize * 3) + ",\n\"" + new string('y', 1000);
        var csv = "id,note\n1,\"" + longText.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"\n2,end\n";
        using var reader = RecordReaders.Open(dir.File("long.csv", csv));

        var rows = FormatFixtures.ReadAll(reader);

        Assert.Equal(2, rows.Count);
        Assert.Equal(longText, rows[0].Fields[1]);
        Assert.Equal((2L, "end"), (rows[1].Row, rows[1].Fields[1]));
    }

    [Theory]
    [InlineData("a,b,c\n1,2,3\n", ',')]
    [InlineData("a;b;c\n1,5;2;3\n4;5,5;6\n", ';')]
    [InlineData("a|b\n1|2\n", '|')]
    [InlineData("a\tb\n1\t2\n", '\t')]
    [InlineData("\"a;b\",c\n\"1;2\",3\n", ',')]
    [InlineData("\"x\ny;z\",c\n1,2\n", ',')]
    [InlineData("email\na@example.com\n", ',')]
    [InlineData("", ',')]
    [InlineData("a;b;c", ';')]
    public void Sniff_Sample_PicksConsistentDelimiter(string sample, char expected) =>
        Assert.Equal(expected, DelimiterSniffer.Sniff(sample, complete: true));

    [Fact]
    public void Sniff_TruncatedLastLine_IgnoresIt()
    {
        // The cut-off line has fewer semicolons: it must not break the consistency of ';'.
        var sample = "a;b;c\n1;2;3\n4;5;6\n7;8";

        Assert.Equal(';', DelimiterSniffer.Sniff(sample, complete: false));
    }

    [Property(MaxTest = 200)]
    public bool Read_RandomQuotedContent_RoundTripsEveryField(int seed)
    {
        var random = new Random(seed);
        const string alphabet = "ab é,;|\t\"\r\n'#";
        var columns = random.Next(2, 6);
        var rows = random.Next(0, 8);
        var expected = new List<string[]>();
        var csv = new StringBuilder();
        csv.AppendJoin(',', Enumerable.Range(0, columns).Select(i => $"c{i}")).Append("\r\n");
        for (var r = 0; r < rows; r++)
        {
            var fields = new string[columns];
            for (var c = 0; c < columns; c++)
            {
                var chars = new char[random.Next(0, 6)];
                for (var k = 0; k < chars.Length; k++)
                {
                    chars[k] = alphabet[random.Next(alphabet.Length)];
                }

                fields[c] = new string(chars);
            }

            expected.Add(fields);
            csv.AppendJoin(',', fields.Select(f => "\"" + f.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"")).Append(random.Next(2) == 0 ? "\n" : "\r\n");
        }

        using var dir = new TempDir();
        using var reader = RecordReaders.Open(dir.File("p.csv", csv.ToString()), new RecordReaderOptions { Delimiter = ',' });
        var actual = FormatFixtures.ReadAll(reader);
        return actual.Count == rows
            && actual.Select((row, i) => row.Row == i + 1 && row.Fields.SequenceEqual(expected[i])).All(ok => ok);
    }
}
