using System.Text;
using Snapconv.Core.Formats;

namespace Snapconv.Core.Tests.Formats;

public sealed class JsonRecordReaderTests
{
    [Fact]
    public void Open_JsonArrayWithNestedObjects_FlattensKeysInFirstSeenOrder()
    {
        using var reader = RecordReaders.Open(FormatFixtures.Nasty("nested.json"));

        Assert.IsType<JsonArrayRecordReader>(reader);
        Assert.Equal(
            ["event", "time", "user.email", "user.address.zip", "value", "tags", "test", "user.phone", "items"],
            reader.Headers);
        var rows = FormatFixtures.ReadAll(reader);
        Assert.Equal(2, rows.Count);
        Assert.Equal(1, rows[0].Row);
        FormatFixtures.AssertFields(
            ["PURCHASE", "1734567890", "a@example.com", "75001", "99.99", "x;y;3", "true", null, null],
            rows[0].Fields);
        Assert.Equal(2, rows[1].Row);
        FormatFixtures.AssertFields(
            ["SIGN_UP", "1734567891", null, null, null, null, "false", "+33612345678", "[{\"id\": 1}]"],
            rows[1].Fields);
    }

    [Fact]
    public void Open_NdjsonWithBlankLines_SkipsThemAndCountsRecords()
    {
        using var reader = RecordReaders.Open(FormatFixtures.Nasty("events.ndjson"));

        Assert.IsType<NdjsonRecordReader>(reader);
        Assert.Equal(["email", "value", "extra.k"], reader.Headers);
        var rows = FormatFixtures.ReadAll(reader);
        Assert.Equal([1L, 2L, 3L], rows.Select(r => r.Row));
        FormatFixtures.AssertFields(["a@example.com", "1.50", null], rows[0].Fields);
        FormatFixtures.AssertFields(["b@example.com", null, "v"], rows[1].Fields);
        FormatFixtures.AssertFields([null, "0", null], rows[2].Fields);
    }

    [Fact]
    public void Read_MalformedNdjsonLine_IsOneMalformedRowAndTheRestIsRead()
    {
        // #15: a bad NDJSON line is one rejected row, as a ragged CSV row is; the next line starts afresh.
        var path = FormatFixtures.Nasty("malformed.ndjson");
        using var reader = RecordReaders.Open(path);

        var problems = new List<(long Row, RowProblem? Problem)>();
        while (reader.Read())
        {
            problems.Add((reader.RowNumber, reader.Problem));
        }

        Assert.Equal(2, problems.Count);
        Assert.Null(problems[0].Problem);
        Assert.Equal((2L, new RowProblem("", RowProblemKind.Malformed)), (problems[1].Row, problems[1].Problem));
    }

    [Fact]
    public void ReportsProblems_JsonReaderYesCsvReaderNo_SoTheRunAsksOnlyJson()
    {
        // The run asks a reader for a row's problem only when it reports any (once a file, not once a row).
        using (var json = RecordReaders.Open(FormatFixtures.Nasty("malformed.ndjson"))) Assert.True(json.ReportsProblems);
        using var tmp = new TempDir();
        var csv = tmp.File("a.csv", "email,value\na@example.com,1\n");
        using var reader = RecordReaders.Open(csv);
        Assert.False(reader.ReportsProblems);
    }

    [Fact]
    public void Read_MalformedNdjsonAfterHeaderSample_IsThatRowOnly()
    {
        using var dir = new TempDir();
        var text = new StringBuilder();
        for (var i = 0; i < JsonRecordReader.HeaderSampleSize + 5; i++)
        {
            text.Append("{\"n\":").Append(i).Append("}\n");
        }

        text.Append("{\"n\": oops}\n[1, 2]\n{\"n\": 7}\n");
        using var reader = RecordReaders.Open(dir.File("big.jsonl", text.ToString()));
        for (var i = 0; i < JsonRecordReader.HeaderSampleSize + 5; i++)
        {
            Assert.True(reader.Read());
            Assert.Null(reader.Problem);
        }

        Assert.True(reader.Read());
        Assert.Equal(JsonRecordReader.HeaderSampleSize + 6, reader.RowNumber);
        Assert.Equal(RowProblemKind.Malformed, reader.Problem?.Kind);
        Assert.Null(reader.GetString(0));
        Assert.True(reader.Read()); // a line that is JSON but not an object
        Assert.Equal(RowProblemKind.Malformed, reader.Problem?.Kind);
        Assert.True(reader.Read());
        Assert.Null(reader.Problem);
        Assert.Equal("7", reader.GetString(0));
        Assert.False(reader.Read());
    }

    [Fact]
    public void Open_KeyFirstSeenAfterHeaderSample_IsIgnored()
    {
        using var dir = new TempDir();
        var text = new StringBuilder("[");
        for (var i = 0; i < JsonRecordReader.HeaderSampleSize; i++)
        {
            text.Append("{\"a\":").Append(i).Append("},");
        }

        text.Append("{\"a\":-1,\"late\":\"x\"}]");
        using var reader = RecordReaders.Open(dir.File("late.json", text.ToString()));

        Assert.Equal(["a"], reader.Headers);
        var rows = FormatFixtures.ReadAll(reader);
        Assert.Equal(JsonRecordReader.HeaderSampleSize + 1, rows.Count);
        Assert.Equal((1001L, "-1"), (rows[^1].Row, rows[^1].Fields[0]));
    }

    [Fact]
    public void Open_JsonFileStartingWithBrace_ReadsAsNdjson()
    {
        using var dir = new TempDir();
        using var reader = RecordReaders.Open(dir.File("lines.json", "\uFEFF  {\"a\":1}\n{\"a\":2}\n"));

        Assert.IsType<NdjsonRecordReader>(reader);
        Assert.Equal(["1", "2"], FormatFixtures.ReadAll(reader).Select(r => r.Fields[0]));
    }

    [Fact]
    public void Open_ArrayElementNotAnObject_ThrowsInputExceptionWithRow()
    {
        using var dir = new TempDir();
        var path = dir.File("mixed.json", "[{\"a\":1}, 42]");

        var e = Assert.Throws<InputException>(() => RecordReaders.Open(path));

        Assert.Equal(2, e.Row);
        Assert.Contains("not an object", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_EmptyJsonArray_HasNoHeadersAndNoRows()
    {
        using var dir = new TempDir();
        using var reader = RecordReaders.Open(dir.File("empty.json", " [ ] "));

        Assert.Empty(reader.Headers);
        Assert.False(reader.Read());
    }

    [Fact]
    public void Open_TruncatedJsonArray_ThrowsInputException()
    {
        using var dir = new TempDir();
        var path = dir.File("cut.json", "[{\"a\":1},{\"a\":");

        var e = Assert.Throws<InputException>(() => RecordReaders.Open(path));

        Assert.Equal(path, e.File);
        Assert.Equal(2, e.Row);
    }

    [Fact]
    public void Read_ValuesOfEveryKind_KeepTheirTextAsWritten()
    {
        using var dir = new TempDir();
        using var reader = RecordReaders.Open(dir.File("kinds.ndjson",
            "{\"i\":1734567890,\"d\":99.990,\"e\":1e3,\"s\":\"caf\\u00e9\",\"t\":true,\"n\":null,\"arr\":[1,null,\"b\",false],\"empty\":[],\"o\":{}}\n"));

        Assert.Equal(["i", "d", "e", "s", "t", "n", "arr", "empty"], reader.Headers);
        Assert.True(reader.Read());
        Assert.Equal(["1734567890", "99.990", "1e3", "café", "true", null, "1;b;false", ""],
            Enumerable.Range(0, reader.Headers.Count).Select(reader.GetString));
    }

    [Fact]
    public void Read_ArrayElementLargerThanBuffer_IsReadWholeWithRowsInOrder()
    {
        using var dir = new TempDir();
        var big = new string('z', 300_000);
        var path = dir.File("big.json", $"[\n  {{\"n\": 1, \"s\": \"{big}\"}},\r\n  {{\"n\": 2, \"s\": \"\"}}\n]\n");

        using var reader = RecordReaders.Open(path);
        var rows = FormatFixtures.ReadAll(reader);

        Assert.Equal([1L, 2L], rows.Select(r => r.Row));
        FormatFixtures.AssertFields(["1", big], rows[0].Fields);
        FormatFixtures.AssertFields(["2", ""], rows[1].Fields);
    }

    [Fact]
    public void Read_ManyArrayElementsAcrossBufferRefills_KeepsExactValues()
    {
        using var dir = new TempDir();
        var text = new StringBuilder("[");
        for (var i = 0; i < 20_000; i++)
        {
            text.Append(i == 0 ? "" : ",").Append("{\"i\":").Append(i).Append(",\"e\":\"u").Append(i).Append("@example.com\"}");
        }

        using var reader = RecordReaders.Open(dir.File("many.json", text.Append(']').ToString()));
        var rows = FormatFixtures.ReadAll(reader);

        Assert.Equal(20_000, rows.Count);
        Assert.All(rows, r => Assert.Equal((r.Row - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), r.Fields[0]));
        FormatFixtures.AssertFields(["19999", "u19999@example.com"], rows[^1].Fields);
    }
}

public class JsonSingleObjectTests
{
    [Fact]
    public void Open_PrettyPrintedSingleObject_IsOneRecord()
    {
        var dir = Directory.CreateTempSubdirectory("snapconv-json-");
        try
        {
            var path = Path.Combine(dir.FullName, "one.json");
            File.WriteAllText(path, "{\n  \"email\": \"a@b.co\",\n  \"event\": {\"name\": \"PURCHASE\"},\n  \"value\": 5\n}\n");
            using var r = Snapconv.Core.Formats.RecordReaders.Open(path);
            Assert.Equal(["email", "event.name", "value"], r.Headers);
            Assert.True(r.Read());
            Assert.Equal("a@b.co", r.GetString(0));
            Assert.Equal("PURCHASE", r.GetString(1));
            Assert.Equal(1, r.RowNumber);
            Assert.False(r.Read());
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Open_NdjsonWithoutExtensionHint_StillNdjson()
    {
        var dir = Directory.CreateTempSubdirectory("snapconv-json-");
        try
        {
            var path = Path.Combine(dir.FullName, "lines.json");
            File.WriteAllText(path, "{\"email\":\"a@b.co\"}\n{\"email\":\"c@d.co\"}\n");
            using var r = Snapconv.Core.Formats.RecordReaders.Open(path);
            Assert.True(r.Read());
            Assert.True(r.Read());
            Assert.Equal("c@d.co", r.GetString(0));
            Assert.Equal(2, r.RowNumber);
            Assert.False(r.Read());
        }
        finally { dir.Delete(true); }
    }
}
