using System.Text;
using Snapconv.Core.Formats;

namespace Snapconv.Core.Tests.Formats;

// #15: UTF-8 is checked as it is read; the bytes before the first bad one still reach the reader.
public sealed class Utf8CheckStreamTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4096)]
    public void Read_ValidUtf8CutAtAnyByte_PassesEveryByteThrough(int chunk)
    {
        var bytes = Encoding.UTF8.GetBytes("name\nMaría Müller € 😀\n");
        using var check = new Utf8CheckStream(new TrickleStream(bytes, chunk));

        Assert.Equal(bytes, ReadAll(check));
    }

    [Fact]
    public void Read_InvalidByte_ReturnsTheBytesBeforeItThenThrows()
    {
        byte[] bytes = [.. "ok\nMar"u8.ToArray(), 0xED, (byte)'a'];
        using var check = new Utf8CheckStream(new MemoryStream(bytes));
        var buffer = new byte[64];

        var n = check.Read(buffer);

        Assert.Equal("ok\nMar", Encoding.UTF8.GetString(buffer, 0, n));
        Assert.Throws<DecoderFallbackException>(() => check.Read(buffer));
    }

    [Fact]
    public void Read_FileEndingInsideASequence_Throws()
    {
        byte[] bytes = [.. "Jos"u8.ToArray(), 0xC3];
        using var check = new Utf8CheckStream(new MemoryStream(bytes));

        Assert.Throws<DecoderFallbackException>(() => ReadAll(check));
    }

    private static byte[] ReadAll(Stream s)
    {
        var output = new MemoryStream();
        var buffer = new byte[16];
        int n;
        while ((n = s.Read(buffer)) > 0) output.Write(buffer, 0, n);
        return output.ToArray();
    }

    /// <summary>Returns at most <paramref name="chunk"/> bytes per read.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(chunk, buffer.Length)]);
    }
}
