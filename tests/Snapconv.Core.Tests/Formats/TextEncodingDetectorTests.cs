using System.Text;
using Snapconv.Core.Formats;

namespace Snapconv.Core.Tests.Formats;

// #15: a file that is not UTF-8 is never read as UTF-8 with replacement characters.
public sealed class TextEncodingDetectorTests
{
    private static readonly byte[] Latin1Maria = [(byte)'M', (byte)'a', (byte)'r', 0xED, (byte)'a', (byte)'\n'];

    [Fact]
    public void Detect_AsciiOnly_IsUtf8() =>
        Assert.Same(TextEncoding.Utf8, TextEncodingDetector.Detect("email,name\na@b.c,Ann\n"u8, complete: true, "f.csv"));

    [Fact]
    public void Detect_Utf8Accents_IsUtf8() =>
        Assert.Same(TextEncoding.Utf8, TextEncodingDetector.Detect(Encoding.UTF8.GetBytes("name\nMaría Müller €\n"), complete: true, "f.csv"));

    [Theory]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, (byte)'a' }, "utf-8-bom")]
    [InlineData(new byte[] { 0xFF, 0xFE, (byte)'a', 0 }, "utf-16le")]
    [InlineData(new byte[] { 0xFE, 0xFF, 0, (byte)'a' }, "utf-16be")]
    public void Detect_ByteOrderMark_NamesItsEncoding(byte[] head, string expected) =>
        Assert.Equal(expected, TextEncodingDetector.Detect(head, complete: true, "f.csv").Name);

    [Fact]
    public void Detect_Latin1Bytes_IsWindows1252() =>
        Assert.Same(TextEncoding.Windows1252, TextEncodingDetector.Detect(Latin1Maria, complete: true, "f.csv"));

    [Fact]
    public void Detect_BlockCutInsideUtf8Character_IsStillUtf8()
    {
        // "é" is C3 A9: a block that ends after C3 is cut, not invalid.
        var bytes = Encoding.UTF8.GetBytes("name\nJosé");
        Assert.Same(TextEncoding.Utf8, TextEncodingDetector.Detect(bytes.AsSpan(0, bytes.Length - 1), complete: false, "f.csv"));
    }

    [Fact]
    public void Detect_WholeFileEndingInsideUtf8Character_IsNotUtf8()
    {
        var bytes = Encoding.UTF8.GetBytes("name\nJosé");
        Assert.Same(TextEncoding.Windows1252, TextEncodingDetector.Detect(bytes.AsSpan(0, bytes.Length - 1), complete: true, "f.csv"));
    }

    [Fact]
    public void Detect_Utf8TextWithAStrayByte_ThrowsAskingForEncoding()
    {
        // Mostly UTF-8 with one stray Latin-1 byte: reading it as windows-1252 would garble every UTF-8 accent.
        var bytes = Encoding.UTF8.GetBytes("name\nMaría\nJosé\nZoë\n").Concat(Latin1Maria).ToArray();

        var e = Assert.Throws<InputException>(() => TextEncodingDetector.Detect(bytes, complete: true, "mixed.csv"));

        Assert.Equal("mixed.csv", e.File);
        Assert.Contains("--encoding", e.Message);
        Assert.DoesNotContain("Mar", e.Message);
    }

    [Fact]
    public void Detect_Windows1252WithOneAccidentalUtf8Pair_IsWindows1252()
    {
        // "É" then NBSP (C9 A0) is also a valid UTF-8 pair; among many Latin-1 accents it is an accident.
        var bytes = new byte[] { 0xC9, 0xA0 }.Concat(Latin1Maria).Concat(Latin1Maria).Concat(Latin1Maria).Concat(Latin1Maria).ToArray();
        Assert.Same(TextEncoding.Windows1252, TextEncodingDetector.Detect(bytes, complete: true, "f.csv"));
    }

    [Theory]
    [InlineData("UTF-8", "utf-8")]
    [InlineData("utf8", "utf-8")]
    [InlineData("utf-8-bom", "utf-8")]
    [InlineData("utf-16", "utf-16le")]
    [InlineData("UTF-16BE", "utf-16be")]
    [InlineData("Windows-1252", "windows-1252")]
    [InlineData("cp1252", "windows-1252")]
    [InlineData("latin1", "iso-8859-1")]
    [InlineData("iso-8859-15", "iso-8859-15")]
    [InlineData("windows-1250", "windows-1250")]
    [InlineData("1251", "windows-1251")]
    public void TryParse_KnownName_IsForcedWithCanonicalName(string name, string expected)
    {
        Assert.True(TextEncoding.TryParse(name, out var encoding));
        Assert.Equal(expected, encoding.Name);
        Assert.True(encoding.Forced);
    }

    [Theory]
    [InlineData("klingon")]
    [InlineData("")]
    [InlineData("utf-7")]
    public void TryParse_UnknownName_IsFalse(string name) => Assert.False(TextEncoding.TryParse(name, out _));
}
