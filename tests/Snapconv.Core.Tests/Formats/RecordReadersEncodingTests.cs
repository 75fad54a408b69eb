using System.IO.Compression;
using System.Text;
using Snapconv.Core.Formats;

namespace Snapconv.Core.Tests.Formats;

// #15: CSV/TSV and HTML-table inputs are decoded in their own encoding, never with replacement characters.
public sealed class RecordReadersEncodingTests
{
    private const string Text = "email,name\nm@example.com,María Müller €\n";

    private static Encoding Cp1252
    {
        get
        {
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            return Encoding.GetEncoding(1252);
        }
    }

    public static TheoryData<string, string> Encodings => new()
    {
        { "utf-8", "utf-8" },
        { "utf-8-bom", "utf-8-bom" },
        { "utf-16le", "utf-16le" },
        { "utf-16be", "utf-16be" },
        { "windows-1252", "windows-1252" },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Open_TextInEachEncoding_ReadsTheSameFieldsAndNamesTheEncoding(string writtenAs, string expected)
    {
        using var dir = new TempDir();
        var path = dir.File("in.csv", Encode(Text, writtenAs));

        using var reader = RecordReaders.Open(path);
        var rows = FormatFixtures.ReadAll(reader);

        Assert.Equal(["email", "name"], reader.Headers);
        FormatFixtures.AssertFields(["m@example.com", "María Müller €"], rows.Single().Fields);
        Assert.Equal(expected, reader.TextEncoding!.Name);
        Assert.False(reader.TextEncoding.Forced);
    }

    [Fact]
    public void Open_GzippedWindows1252_IsDetectedAfterDecompression()
    {
        using var dir = new TempDir();
        var path = dir.File("in.csv.gz", Gzip(Cp1252.GetBytes(Text)));

        using var reader = RecordReaders.Open(path);
        var rows = FormatFixtures.ReadAll(reader);

        Assert.Equal("windows-1252", reader.TextEncoding!.Name);
        Assert.Equal("María Müller €", rows.Single().Fields[1]);
    }

    [Fact]
    public void Open_ForcedEncoding_WinsOverDetection()
    {
        // A4 is "€" in ISO-8859-15 and "¤" in windows-1252 (what detection would pick).
        using var dir = new TempDir();
        var path = dir.File("in.csv", [.. "name\nprice "u8.ToArray(), 0xA4, (byte)'\n']);
        Assert.True(TextEncoding.TryParse("iso-8859-15", out var latin9));

        using var reader = RecordReaders.Open(path, new RecordReaderOptions { Encoding = latin9 });
        var rows = FormatFixtures.ReadAll(reader);

        Assert.Equal("price €", rows.Single().Fields[0]);
        Assert.Equal("iso-8859-15", reader.TextEncoding!.Name);
        Assert.True(reader.TextEncoding.Forced);
    }

    [Fact]
    public void Read_NonUtf8ByteAfterTheFirstBlock_ThrowsNamingFileRowAndEncodingOption()
    {
        using var dir = new TempDir();
        var (bytes, badRow) = LateLatin1(TextEncodingDetector.BlockBytes + 4096);
        var path = dir.File("late.csv", bytes);

        using var reader = RecordReaders.Open(path);
        Assert.Equal("utf-8", reader.TextEncoding!.Name);
        var e = Assert.Throws<InputException>(() => FormatFixtures.ReadAll(reader));

        Assert.Equal(path, e.File);
        Assert.NotNull(e.Row);
        Assert.Equal(badRow, e.Row);
        Assert.Contains("--encoding windows-1252", e.Message);
        Assert.Contains("not valid UTF-8", e.Message);
        Assert.DoesNotContain("Mar", e.Message);
    }

    [Fact]
    public void Open_ForcedUtf8WithLatin1Header_ThrowsWithoutRow()
    {
        using var dir = new TempDir();
        var path = dir.File("in.csv", Cp1252.GetBytes("Prénom,email\nAnn,a@b.c\n"));
        Assert.True(TextEncoding.TryParse("utf-8", out var utf8));

        var e = Assert.Throws<InputException>(() => FormatFixtures.ReadAll(RecordReaders.Open(path, new RecordReaderOptions { Encoding = utf8 })));

        Assert.Null(e.Row);
        Assert.Contains("not valid utf-8", e.Message);
    }

    [Fact]
    public void Open_HtmlTableXlsInWindows1252_IsDetected()
    {
        using var dir = new TempDir();
        var path = dir.File("deals.xls", Cp1252.GetBytes("<html><body><table><tr><th>Name</th></tr><tr><td>María Müller €</td></tr></table></body></html>"));

        using var reader = RecordReaders.Open(path);
        var rows = FormatFixtures.ReadAll(reader);

        Assert.Equal("windows-1252", reader.TextEncoding!.Name);
        Assert.Equal("María Müller €", rows.Single().Fields[0]);
    }

    [Fact]
    public void Open_HtmlTableDeclaringUtf8InWindows1252_IsDetectedFromTheBytes()
    {
        // A declared UTF-8 is checked: bytes that are not UTF-8 are detected, never turned into U+FFFD.
        using var dir = new TempDir();
        var path = dir.File("deals.xls", Cp1252.GetBytes(Html("utf-8", "María")));

        using var reader = RecordReaders.Open(path);

        Assert.Equal("windows-1252", reader.TextEncoding!.Name);
        Assert.Equal("María", FormatFixtures.ReadAll(reader).Single().Fields[0]);
    }

    [Fact]
    public void Open_HtmlTableDeclaringWindows1251_ReadsCyrillic()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        using var dir = new TempDir();
        var path = dir.File("deals.xls", Encoding.GetEncoding(1251).GetBytes(Html("windows-1251", "Мария")));

        using var reader = RecordReaders.Open(path);

        Assert.Equal("windows-1251", reader.TextEncoding!.Name);
        Assert.False(reader.TextEncoding.Forced);
        Assert.Equal("Мария", FormatFixtures.ReadAll(reader).Single().Fields[0]);
    }

    [Fact]
    public void Open_HtmlTableForcedUtf8WithLatin1Bytes_ThrowsNotReplaces()
    {
        using var dir = new TempDir();
        var path = dir.File("deals.xls", Cp1252.GetBytes(Html("utf-8", "María")));
        Assert.True(TextEncoding.TryParse("utf-8", out var utf8));

        var e = Assert.Throws<InputException>(() => RecordReaders.Open(path, new RecordReaderOptions { Encoding = utf8 }));

        Assert.Contains("--encoding", e.Message);
        Assert.DoesNotContain("Mar", e.Message);
    }

    private static string Html(string charset, string cell) =>
        $"<html><head><meta charset=\"{charset}\"></head><body><table><tr><th>Name</th></tr><tr><td>{cell}</td></tr></table></body></html>";

    /// <summary>ASCII rows past <paramref name="asciiBytes"/>, then one row with a Latin-1 "í"; and that row's number.</summary>
    internal static (byte[] Bytes, long BadRow) LateLatin1(int asciiBytes)
    {
        var sb = new StringBuilder("email,name\n");
        long row = 0;
        while (sb.Length < asciiBytes)
        {
            row++;
            sb.Append("u").Append(row).Append("@example.com,Ann\n");
        }
        var bytes = Encoding.ASCII.GetBytes(sb.ToString()).Concat(Cp1252.GetBytes("x@example.com,María\n")).ToArray();
        return (bytes, row + 1);
    }

    private static byte[] Encode(string text, string encoding) => encoding switch
    {
        "utf-8" => Encoding.UTF8.GetBytes(text),
        "utf-8-bom" => [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text)],
        "utf-16le" => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)],
        "utf-16be" => [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes(text)],
        "windows-1252" => Cp1252.GetBytes(text),
        _ => throw new ArgumentOutOfRangeException(nameof(encoding)),
    };

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(data);
        return ms.ToArray();
    }
}
