using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Parquet;
using Parquet.Schema;
using Snapconv.Core.Formats;

namespace Snapconv.Core.Tests.Formats;

/// <summary>
/// Tests that count the process's allocations or time its work: run alone, after the assembly's parallel tests, so that
/// other tests' allocations and CPU do not count against them (GC.GetTotalAllocatedBytes is process-wide).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasuredAloneCollection
{
    public const string Name = "measured alone";
}

/// <summary>Every reader stays within its limits and names file, row and limit when it stops (#16).</summary>
[Collection(MeasuredAloneCollection.Name)]
public class InputLimitsTests
{
    private static List<(long Row, RowProblem? Problem, string?[] Fields)> ReadProblems(IRecordReader reader)
    {
        var rows = new List<(long, RowProblem?, string?[])>();
        while (reader.Read())
        {
            rows.Add((reader.RowNumber, reader.Problem, Enumerable.Range(0, reader.Headers.Count).Select(reader.GetString).ToArray()));
        }

        return rows;
    }

    [Theory]
    [InlineData("a.json", "[{\"em\":\"a@b.co\"},{\"em\":\"x\\ud800y\"},{\"em\":\"c@b.co\"}]")]
    [InlineData("a.ndjson", "{\"em\":\"a@b.co\"}\n{\"em\":\"x\\ud800y\"}\n{\"em\":\"c@b.co\"}\n")]
    public void Read_LoneSurrogateInJsonString_IsOneInvalidEncodingRowNamingTheField(string name, string text)
    {
        // #16: was InvalidOperationException (exit 1); never a replacement character that gets hashed.
        using var dir = new TempDir();
        using var reader = RecordReaders.Open(dir.File(name, text));

        var rows = ReadProblems(reader);

        Assert.Equal(3, rows.Count);
        Assert.Null(rows[0].Problem);
        Assert.Equal(new RowProblem("em", RowProblemKind.InvalidEncoding), rows[1].Problem);
        Assert.Null(rows[1].Fields[0]);
        Assert.Equal("c@b.co", rows[2].Fields[0]);
    }

    [Fact]
    public void Read_InvalidUtf8InNdjsonString_IsOneInvalidEncodingRowNotAReplacementCharacter()
    {
        using var dir = new TempDir();
        var path = dir.File("bad.ndjson");
        var bytes = new List<byte>();
        bytes.AddRange("{\"em\":\"a@b.co\",\"fn\":\"ok\"}\n{\"em\":\"x"u8.ToArray());
        bytes.AddRange(new byte[] { 0xFF, 0xC3 });
        bytes.AddRange("y\",\"fn\":\"ann\"}\n"u8.ToArray());
        File.WriteAllBytes(path, bytes.ToArray());
        using var reader = RecordReaders.Open(path);

        var rows = ReadProblems(reader);

        Assert.Equal(new RowProblem("em", RowProblemKind.InvalidEncoding), rows[1].Problem);
        Assert.DoesNotContain(rows, r => r.Fields.Any(f => f?.Contains('\uFFFD', StringComparison.Ordinal) == true));
    }

    [Theory]
    [InlineData("deep.json", "[{\"a\":1},", "]")]
    [InlineData("deep.ndjson", "{\"a\":1}\n", "\n")]
    public void Open_JsonNestedDeeperThan64Levels_StopsSayingSoWithTheRow(string name, string before, string after)
    {
        // #16: 100k-deep JSON was reported as "malformed JSON"; it is valid, only too deep.
        using var dir = new TempDir();
        var deep = before + string.Concat(Enumerable.Repeat("{\"a\":", 100_000)) + "1" + new string('}', 100_000) + after;
        var path = dir.File(name, deep);

        var e = Assert.Throws<InputException>(() => ReadProblems(RecordReaders.Open(path)));

        Assert.Equal(path, e.File);
        Assert.Equal(2, e.Row);
        Assert.Contains("nested deeper than 64 levels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_JsonNested64Levels_IsRead()
    {
        using var dir = new TempDir();
        var json = "[" + string.Concat(Enumerable.Repeat("{\"a\":", 64)) + "1" + new string('}', 64) + "]";

        using var reader = RecordReaders.Open(dir.File("ok.json", json));

        Assert.True(reader.Read());
        Assert.Equal("1", reader.GetString(0));
    }

    [Theory]
    [InlineData("big.json", "[{\"em\":\"", "\"}]")]
    [InlineData("big.ndjson", "{\"em\":\"", "\"}\n")]
    public void Open_JsonRecordOver16MiB_StopsNamingTheLimit(string name, string before, string after)
    {
        using var dir = new TempDir();
        var path = dir.File(name, before + new string('a', RecordReaderOptions.MaxValueLength + 10) + after);

        var e = Assert.Throws<InputException>(() => ReadProblems(RecordReaders.Open(path)));

        Assert.Equal(1, e.Row);
        Assert.Contains("longer than 16 MiB", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_GzippedJsonArrayWithLongWhitespaceRuns_ReadsEveryElementInLinearTime()
    {
        // #16: 1 GB of whitespace inside a gzipped JSON array had not finished after 180 s (the buffer kept it and
        // was parsed again after each refill). 64 MiB here: seconds if linear, minutes if not.
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "ws.json.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gz.Write("[{\"em\":\"a@b.co\"}"u8);
            var blanks = new byte[1 << 20];
            blanks.AsSpan().Fill((byte)' ');
            for (var i = 0; i < 32; i++) gz.Write(blanks);
            gz.Write(", // a comment\n"u8);
            for (var i = 0; i < 32; i++) gz.Write(blanks);
            gz.Write("{\"em\":\"c@d.co\"}]"u8);
        }

        var clock = Stopwatch.StartNew();
        using var reader = RecordReaders.Open(path);
        var rows = ReadProblems(reader);

        Assert.Equal(["a@b.co", "c@d.co"], rows.Select(r => r.Fields[0]));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Open_TwoTopLevelObjects_StopsInsteadOfDroppingTheSecond()
    {
        using var dir = new TempDir();
        var path = dir.File("two.json", "{\n \"em\": \"a@b.co\"\n}\n{\n \"em\": \"c@d.co\"\n}\n");

        var e = Assert.Throws<InputException>(() => ReadProblems(RecordReaders.Open(path)));

        Assert.Equal(2, e.Row);
    }

    [Fact]
    public void Open_CsvWithMoreThan16384Columns_StopsBeforeParsingTheLine()
    {
        // #16: 200k columns took 36 s (Sylvan grows its field table 32 entries at a time).
        using var dir = new TempDir();
        var header = string.Join(',', Enumerable.Range(0, 200_000).Select(i => "c" + i));
        var path = dir.File("wide.csv", header + "\n" + new string(',', 199_999) + "\n");

        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<InputException>(() => RecordReaders.Open(path));

        Assert.Equal(path, e.File);
        Assert.Contains("line 1 has more than 16,384 columns", e.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Read_CsvDataLineWiderThanTheLimit_StopsNamingTheLine()
    {
        using var dir = new TempDir();
        var lines = new StringBuilder("a,b\n1,2\n3,4\n").Append(new string(',', 20_000)).Append("\n5,6\n");
        var path = dir.File("ragged.csv", lines.ToString());

        // The parser reads ahead in blocks, so the line may be met while opening or while reading.
        var e = Assert.Throws<InputException>(() => ReadProblems(RecordReaders.Open(path)));

        Assert.Contains("line 4 has more than 16,384 columns", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_CsvWith16384Columns_IsRead()
    {
        using var dir = new TempDir();
        var header = string.Join(',', Enumerable.Range(0, RecordReaderOptions.MaxColumns).Select(i => "c" + i));
        using var reader = RecordReaders.Open(dir.File("edge.csv", header + "\n" + header + "\n"));

        Assert.Equal(RecordReaderOptions.MaxColumns, reader.Headers.Count);
        Assert.True(reader.Read());
        Assert.Equal("c16383", reader.GetString(RecordReaderOptions.MaxColumns - 1));
    }

    [Fact]
    public void MakeUnique_SameNameManyTimes_TakesLinearTime()
    {
        var raw = Enumerable.Repeat<string?>("a", RecordReaderOptions.MaxColumns).ToArray();
        var clock = Stopwatch.StartNew();

        var names = HeaderNames.MakeUnique(raw);

        Assert.Equal(["a", "a_2", "a_3"], names.Take(3));
        Assert.Equal("a_16384", names[^1]);
        Assert.Equal(names.Length, names.Distinct().Count());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Read_GzipOverMaxDecompressedBytes_StopsNamingFileAndLimit()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "big.csv.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        {
            gz.Write("em\n"u8);
            for (var i = 0; i < 200_000; i++) gz.Write("a@b.co\n"u8);
        }

        var e = Assert.Throws<InputException>(() =>
        {
            using var reader = RecordReaders.Open(path, new RecordReaderOptions { MaxDecompressedBytes = 1 << 20 });
            ReadProblems(reader);
        });

        Assert.Equal(path, e.File);
        Assert.Contains("decompresses to more than 1 MiB", e.Message, StringComparison.Ordinal);
        Assert.Contains("--max-decompressed-size", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x7fffffff)]
    [InlineData(-5)]
    [InlineData(0)]
    public async Task Open_ParquetFooterLengthBeyondTheFile_StopsNamingTheFile(int footer)
    {
        // #16: a footer length of 0x7fffffff was an OutOfMemoryException (exit 1).
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "bad.parquet");
        await WriteParquet(path);
        var bytes = await File.ReadAllBytesAsync(path);
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.Length - 8, 4), footer);
        await File.WriteAllBytesAsync(path, bytes);

        var e = Assert.Throws<InputException>(() => RecordReaders.Open(path));

        Assert.Equal(path, e.File);
        Assert.Contains("footer length", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_ParquetRowGroupClaimingMoreRowsThanItsPages_StopsBeforeSizingArrays()
    {
        // #16: a row group's num_rows sized every column's array before a value was read (2 billion rows in a 1 KB file).
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "rows.parquet");
        await WriteParquet(path);
        var bytes = await File.ReadAllBytesAsync(path);
        var footerLength = BitConverter.ToInt32(bytes, bytes.Length - 8);
        var footer = bytes.AsSpan(bytes.Length - 8 - footerLength, footerLength).ToArray();
        // Compact Thrift: an i64 field one id after the last (0x16) holding 3 (zigzag 0x06) — the row group's num_rows (and
        // the file's, and a column's num_values) — becomes 2^31 (zigzag 2^32, a five-byte varint).
        var patched = new List<byte>();
        for (var i = 0; i < footer.Length; i++)
        {
            if (footer[i] == 0x16 && i + 1 < footer.Length && footer[i + 1] == 0x06)
            {
                patched.AddRange([0x16, 0x80, 0x80, 0x80, 0x80, 0x10]);
                i++;
            }
            else
            {
                patched.Add(footer[i]);
            }
        }

        Assert.True(patched.Count > footer.Length, "the footer holds no num_rows field to patch");
        var file = bytes.AsSpan(0, bytes.Length - 8 - footerLength).ToArray().Concat(patched)
            .Concat(BitConverter.GetBytes(patched.Count)).Concat("PAR1"u8.ToArray()).ToArray();
        await File.WriteAllBytesAsync(path, file);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InputException>(() =>
        {
            using var reader = RecordReaders.Open(path);
            while (reader.Read()) { }
        });

        Assert.Equal(path, e.File);
        Assert.Contains("corrupt Parquet row group 0: it claims 2,147,483,648 rows", e.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20, "allocated the claimed rows");
    }

    [Fact]
    public async Task Read_ParquetRowGroupOverTheMemoryLimit_StopsNamingTheLimit()
    {
        // #16: a row group is read whole (Parquet.Net reads a column chunk whole), so one whose values take more than the
        // limit as objects stops instead of taking gigabytes. A dictionary page keeps the file small: 3M rows of one
        // 100-character value are 3M strings once read.
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "big-group.parquet");
        var text = new DataField<string>("note");
        var values = new string[3_000_000];
        Array.Fill(values, new string('x', 100));
        var options = new ParquetOptions();
        options.ColumnEncodingHints[text.Path.ToString()] = EncodingHint.Dictionary;
        await using (var stream = File.Create(path))
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(text), stream, options))
        using (var rg = writer.CreateRowGroup())
        {
            await rg.WriteAsync(text, values!);
        }

        Assert.True(new FileInfo(path).Length < 16 << 20, $"the file is {new FileInfo(path).Length:N0} bytes");

        values = null;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var e = Assert.Throws<InputException>(() =>
        {
            using var reader = RecordReaders.Open(path);
            while (reader.Read()) { }
        });
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.True(allocated < 256 << 20, $"allocated {allocated:N0} bytes");
        Assert.Equal(path, e.File);
        Assert.Equal(1, e.Row);
        Assert.True(e.Message.Contains("Parquet row group 0 would take more than 512 MiB of memory once read", StringComparison.Ordinal), e.Message);
        Assert.Contains("smaller row groups", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<row r=\"2\"><c r=\"ZZZZZ2\" t=\"inlineStr\"><is><t>a@b.co</t></is></c></row>", "cell ZZZZZ2 is outside Excel's sheet")]
    [InlineData("<row r=\"2000000000\"><c t=\"inlineStr\"><is><t>a@b.co</t></is></c></row>", "row number 2000000000 is outside Excel's sheet")]
    [InlineData("<row r=\"2\"><c r=\"XFE2\"><v>1</v></c></row>", "cell XFE2 is outside")]
    public void Open_WorkbookReferenceOutsideExcelsSheet_StopsBeforeExcelDataReader(string row, string expected)
    {
        // #16: a 1.6 KB workbook naming ZZZZZ1 took 2.3 GB; one with row r="2000000000" 102 s.
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "far.xlsx");
        Workbooks.Write(path, Workbooks.Header + row);

        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<InputException>(() => RecordReaders.Open(path));

        Assert.Equal(path, e.File);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Open_WorkbookWithACellOver16MiB_StopsNamingTheRow()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "bigcell.xlsx");
        Workbooks.Write(path, Workbooks.Header + "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>"
            + new string('a', RecordReaderOptions.MaxValueLength + 1) + "</t></is></c></row>");

        var e = Assert.Throws<InputException>(() => RecordReaders.Open(path));

        Assert.Contains("a cell in row 2 is longer than 16 MiB", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WorkbookWithASharedStringOver16MiB_StopsNamingIt()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "shared.xlsx");
        var strings = "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><si><t>em</t></si><si><t>"
            + new string('a', RecordReaderOptions.MaxValueLength / 2) + "</t><t>" + new string('b', RecordReaderOptions.MaxValueLength / 2 + 1)
            + "</t></si></sst>";
        Workbooks.Write(path, "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row><row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c></row>", strings);

        var e = Assert.Throws<InputException>(() => RecordReaders.Open(path));

        Assert.Contains("shared string 2 is longer than 16 MiB", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_WorkbookWithinLimits_IsReadAsBefore()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "ok.xlsx");
        Workbooks.Write(path, Workbooks.Header + "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>a@b.co</t></is></c></row>"
            + "<row r=\"1048576\"><c r=\"A1048576\" t=\"inlineStr\"><is><t>c@d.co</t></is></c></row>");

        using var reader = RecordReaders.Open(path);
        var rows = ReadProblems(reader);

        Assert.Equal(["a@b.co", "c@d.co"], rows.Select(r => r.Fields[0]));
    }

    [Theory]
    [InlineData("A1", true)]
    [InlineData("$B$7", true)]
    [InlineData("XFD1048576", true)]
    [InlineData("XFE1", false)]
    [InlineData("A1048577", false)]
    [InlineData("ZZZZZ1", false)]
    [InlineData("A0", false)]
    [InlineData("12", false)]
    [InlineData("B", true)]
    public void WithinSheet_Reference_MatchesExcelsBounds(string reference, bool expected) =>
        Assert.Equal(expected, WorkbookLimits.WithinSheet(reference));

    [Theory]
    [InlineData("1048576", 1L << 20)]
    [InlineData("50GiB", 50L << 30)]
    [InlineData("500 MB", 500L << 20)]
    [InlineData("2g", 2L << 30)]
    [InlineData("1 TiB", 1L << 40)]
    public void TryParse_Size_ReadsBinaryUnits(string text, long expected)
    {
        Assert.True(ByteSize.TryParse(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("-1GB")]
    [InlineData("1.5GB")]
    [InlineData("10 parsecs")]
    [InlineData("99999999999999999999")]
    [InlineData("9999999999999TB")]
    public void TryParse_NotASize_IsFalse(string text) => Assert.False(ByteSize.TryParse(text, out _));

    internal static async Task WriteParquet(string path)
    {
        var id = new DataField<int>("id");
        var email = new DataField<string>("em");
        await using var file = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(id, email), file);
        using var rg = writer.CreateRowGroup();
        await rg.WriteAsync<int>(id, new[] { 1, 2, 3 }.AsMemory());
        await rg.WriteAsync(email, new string?[] { "a@example.com", null, "c@example.com" }!);
    }
}

/// <summary>Minimal .xlsx files written by hand: one sheet, optional shared strings.</summary>
internal static class Workbooks
{
    public const string Header = "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>em</t></is></c></row>";

    public static void Write(string path, string rows, string? sharedStrings = null)
    {
        using var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create);
        void Entry(string name, string text)
        {
            using var w = new StreamWriter(zip.CreateEntry(name, CompressionLevel.Fastest).Open(), new UTF8Encoding(false));
            w.Write(text);
        }

        const string Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        const string Rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        Entry("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
            + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>"
            + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
            + "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
            + (sharedStrings is null ? "" : "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>")
            + "</Types>");
        Entry("_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            + $"<Relationship Id=\"rId1\" Type=\"{Rel}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>");
        Entry("xl/workbook.xml", $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"{Main}\" xmlns:r=\"{Rel}\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>");
        Entry("xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            + $"<Relationship Id=\"rId1\" Type=\"{Rel}/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
            + (sharedStrings is null ? "" : $"<Relationship Id=\"rId2\" Type=\"{Rel}/sharedStrings\" Target=\"sharedStrings.xml\"/>")
            + "</Relationships>");
        Entry("xl/worksheets/sheet1.xml", $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"{Main}\"><sheetData>{rows}</sheetData></worksheet>");
        if (sharedStrings is not null) Entry("xl/sharedStrings.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + sharedStrings);
    }
}
