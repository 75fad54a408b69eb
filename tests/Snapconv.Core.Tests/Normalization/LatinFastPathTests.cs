using System.Globalization;
using System.Text;
using Snapconv.Core.Normalization;
using Xunit;

namespace Snapconv.Core.Tests.Normalization;

/// <summary>
/// The cleaner only trims text below U+0300 (no soft hyphen) and the e-mail normalizer lower-cases text below
/// U+0100 without ICU. Both must give exactly what the general paths give: every character of those ranges,
/// every pair of them, and seeded random strings that mix in characters from beyond the ranges.
/// </summary>
public sealed class LatinFastPathTests
{
    [Fact]
    public void Clean_EveryCharacterAndPairBelowU0300_AgreesWithTheGeneralPath()
    {
        for (var a = 0; a <= TextCleaner.LastPlainChar; a++)
        {
            var single = "x" + (char)a + "y";
            Assert.Equal(TextCleaner.CleanGeneral(single), TextCleaner.Clean(single));
            Assert.Equal(TextCleaner.CleanGeneral(((char)a).ToString()), TextCleaner.Clean(((char)a).ToString()));
            for (var b = 0x80; b <= TextCleaner.LastPlainChar; b++)
            {
                var pair = string.Concat((char)a, (char)b);
                Assert.Equal(TextCleaner.CleanGeneral(pair), TextCleaner.Clean(pair));
            }
        }
    }

    [Fact]
    public void Clean_RandomStrings_AgreeWithTheGeneralPath()
    {
        var random = new Random(20261202);
        char[] beyond = ['\u0301', '\u0308', '\u200B', '\uFEFF', '\u00AD', '\u1E9E', '\u212B', '\uD83D', '\uDE00', '\u0340', '\u0958'];
        for (var n = 0; n < 50_000; n++)
        {
            var sb = new StringBuilder();
            var length = random.Next(0, 12);
            for (var i = 0; i < length; i++)
                sb.Append(random.Next(10) == 0 ? beyond[random.Next(beyond.Length)] : (char)random.Next(0, 0x300));
            var s = sb.ToString();
            Assert.Equal(TextCleaner.CleanGeneral(s), TextCleaner.Clean(s));
        }
    }

    [Fact]
    public void Clean_PlainText_IsNfcAndTrimmed()
    {
        Assert.Equal("josé", TextCleaner.Clean("  josé\u00A0"));
        Assert.Equal("ab", TextCleaner.Clean("a\u00ADb"));  // the soft hyphen is a format character
        Assert.Equal("é", TextCleaner.Clean("e\u0301"));    // composed by the general path
        var same = "ann@example.com";
        Assert.Same(same, TextCleaner.Clean(same));
    }

    [Fact]
    public void EmailLowerCase_EveryCharacterBelowU0100_AgreesWithInvariantLowerCase()
    {
        for (var c = 0; c < 0x100; c++)
        {
            var s = "A" + (char)c + "\u00C9z";
            Assert.Equal(s.ToLowerInvariant(), EmailNormalizer.ToLowerLatin(s));
            Assert.Equal(((char)c).ToString().ToLowerInvariant(), EmailNormalizer.ToLowerLatin(((char)c).ToString()));
        }
    }

    [Fact]
    public void EmailLowerCase_RandomStrings_AgreeWithInvariantLowerCase()
    {
        var random = new Random(7);
        char[] beyond = ['\u0130', '\u0178', '\u1E9E', '\u03A3', '\u0100', '\u212A', '\uD801', '\uDC00'];
        for (var n = 0; n < 50_000; n++)
        {
            var sb = new StringBuilder();
            var length = random.Next(0, 12);
            for (var i = 0; i < length; i++)
                sb.Append(random.Next(12) == 0 ? beyond[random.Next(beyond.Length)] : (char)random.Next(0, 0x100));
            var s = sb.ToString();
            Assert.Equal(s.ToLower(CultureInfo.InvariantCulture), EmailNormalizer.ToLowerLatin(s));
        }
    }

    [Fact]
    public void EmailLowerCase_UnchangedText_IsTheSameInstance()
    {
        var s = "josé.lee@example.com";
        Assert.Same(s, EmailNormalizer.ToLowerLatin(s));
        Assert.Equal("josé.lee@example.com", EmailNormalizer.ToLowerLatin("JOSÉ.Lee@Example.com"));
    }
}

/// <summary>
/// The ASCII e-mail fast path must hash exactly what the general path normalizes, whenever it answers, and must answer
/// for the common shapes (mixed case, edge spaces).
/// </summary>
public sealed class EmailHashFastPathTests
{
    private static readonly NormalizeContext Context = new() { DefaultCountry = "US" };

    private static void Check(string raw, ref int answered)
    {
        var digest = new byte[32];
        if (!EmailNormalizer.TryHashAscii(raw, digest)) return;
        answered++;
        var r = IdentifierNormalizer.Normalize(IdentifierKind.Em, raw, Context);
        Assert.Equal(NormalizeStatus.Normalized, r.Status);
        Assert.Equal(Snapconv.Core.Hashing.Sha256Hex.Hash(r.Value!), Convert.ToHexStringLower(digest));
    }

    [Fact]
    public void CommonShapes_AreAnswered_AndAgree()
    {
        var answered = 0;
        string[] shapes = ["ann@example.com", "  Ann.Lee@Example.COM\t", "a.b+tag@sub.example.co.uk", "X@Y.ZZ"];
        foreach (var s in shapes) Check(s, ref answered);
        Assert.Equal(shapes.Length, answered);
    }

    [Fact]
    public void SeededStrings_AgreeWithTheGeneralPath()
    {
        var random = new Random(42);
        const string alphabet = "abcXYZ019@@..-_+ \t\u000B\u001F\u007F\"''";   // ' : the spreadsheet's text marker (#15)
        var answered = 0;
        for (var n = 0; n < 100_000; n++)
        {
            var length = random.Next(0, 40);
            var chars = new char[length];
            for (var i = 0; i < length; i++) chars[i] = alphabet[random.Next(alphabet.Length)];
            Check(new string(chars), ref answered);
            // also well-formed addresses with noise around them
            Check($"{(random.Next(2) == 0 ? " " : "")}{(random.Next(4) == 0 ? "'" : "")}{new string(chars.Where(c => c > ' ' && c != '@').ToArray())}x@d{random.Next(100)}.Co{(random.Next(2) == 0 ? "\t" : "")}", ref answered);
        }
        string[] edge = [new string('a', 32) + "@x.co", "0123456789abcdef0123456789ABCDEF", new string('f', 64), new string('a', 250) + "@x.co", "a@b.c", "a@.co", "@x.co", "a@x..co", "a@x.co."];
        foreach (var s in edge) Check(s, ref answered);
        Assert.True(answered > 10_000, $"answered {answered}");
    }
}
