using System.IO.Compression;
using System.Text;
using Snapconv.Core.Formats;

namespace Snapconv.Core.Tests.Formats;

public sealed class RecordReadersTests
{
    [Theory]
    [InlineData("a.csv", "x", "Csv")]
    [InlineData("a.tsv", "x", "Csv")]
    [InlineData("a.txt", "[", "Csv")]
    [InlineData("a.json", " \n[", "JsonArray")]
    [InlineData("a.json", "{", "Ndjson")]
    [InlineData("a.ndjson", "[", "Ndjson")]
    [InlineData("a.jsonl", "{", "Ndjson")]
    [InlineData("a.parquet", "x", "Parquet")]
    [InlineData("a.dat", "PAR1", "Parquet")]
    [InlineData("a", "[{", "JsonArray")]
    [InlineData("a", "\r\n{", "Ndjson")]
    [InlineData("a.out", "email,phone", "Csv")]
    public void Detect_NameAndContent_PicksFormat(string name, string head, string expected) =>
        Assert.Equal(Enum.Parse<InputFormat>(expected), RecordReaders.Detect(name, Encoding.UTF8.GetBytes(head)));

    [Fact]
    public void Open_MissingFile_ThrowsInputExceptionNamingIt()
    {
        var e = Assert.Throws<InputException>(() => RecordReaders.Open("/nonexistent/dir/events.csv"));

        Assert.Equal("/nonexistent/dir/events.csv", e.File);
        Assert.Equal("/nonexistent/dir/events.csv: file not found", e.Message);
    }

    [Fact]
    public void Open_CorruptGzip_ThrowsInputExceptionNamingFile()
    {
        using var dir = new TempDir();
        var path = dir.File("bad.csv.gz", new byte[] { 0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03, 0x04 });

        var e = Assert.Throws<InputException>(() => FormatFixtures.ReadAll(RecordReaders.Open(path)));

        Assert.Equal(path, e.File);
    }

    [Fact]
    public void Read_GzipTruncatedMidStream_ThrowsInputExceptionWithRow()
    {
        using var dir = new TempDir();
        var csv = new StringBuilder("email,n\n");
        for (var i = 0; i < 50_000; i++)
        {
            csv.Append("user").Append(i).Append("@example.com,").Append(i * 7919 % 1000).Append('\n');
        }

        var full = Gzip(Encoding.UTF8.GetBytes(csv.ToString()));
        var path = dir.File("cut.csv.gz", full[..(full.Length / 2)]);
        using var reader = RecordReaders.Open(path);

        var e = Assert.Throws<InputException>(() => FormatFixtures.ReadAll(reader));

        Assert.Equal(path, e.File);
        Assert.NotNull(e.Row);
        Assert.DoesNotContain("example.com", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Open_GzNameWithoutGzipContent_ThrowsInputException()
    {
        using var dir = new TempDir();
        var path = dir.File("plain.csv.gz", "a,b\n1,2\n");

        var e = Assert.Throws<InputException>(() => RecordReaders.Open(path));

        Assert.Equal($"{path}: not a gzip file (the name ends in .gz)", e.Message);
    }

    [Fact]
    public void Open_GzippedNdjson_DetectsInnerFormatFromName()
    {
        using var dir = new TempDir();
        var path = dir.File("events.jsonl.gz", Gzip("{\"email\":\"a@example.com\"}\n"u8.ToArray()));

        using var reader = RecordReaders.Open(path);

        Assert.IsType<NdjsonRecordReader>(reader);
        Assert.True(reader.Read());
        Assert.Equal("a@example.com", reader.GetString(0));
    }

    [Fact]
    public void Open_GzippedJsonArrayWithoutInnerExtension_DetectsByContent()
    {
        using var dir = new TempDir();
        var path = dir.File("export.gz", Gzip("[{\"email\":\"a@example.com\"}]"u8.ToArray()));

        using var reader = RecordReaders.Open(path);

        Assert.IsType<JsonArrayRecordReader>(reader);
        Assert.Equal("a@example.com", FormatFixtures.ReadAll(reader).Single().Fields[0]);
    }

    [Fact]
    public void Open_Directory_ThrowsInputException()
    {
        using var dir = new TempDir();

        var e = Assert.Throws<InputException>(() => RecordReaders.Open(dir.Path));

        Assert.Equal(dir.Path, e.File);
    }

    [Fact]
    public void Open_UnreadableFile_ThrowsPermissionDenied()
    {
        if (OperatingSystem.IsWindows() || Environment.UserName == "root")
        {
            return; // root reads anything: nothing to observe
        }

        using var dir = new TempDir();
        var path = dir.File("locked.csv", "a\n1\n");
        File.SetUnixFileMode(path, UnixFileMode.None);

        var e = Assert.Throws<InputException>(() => RecordReaders.Open(path));

        Assert.Equal($"{path}: permission denied", e.Message);
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zip = new GZipStream(output, CompressionLevel.Fastest))
        {
            zip.Write(data);
        }

        return output.ToArray();
    }
}
