using PhoneNumbers;
using Snapconv.Core.Normalization;
using Xunit;

namespace Snapconv.Core.Tests.Normalization;

/// <summary>
/// The phone fast path must give exactly what libphonenumber gives whenever it answers. These tests run it
/// against the full parse over every region's example numbers in several formats and mutations, and over
/// seeded random digit strings, and check that it does answer for the common shapes (or it would be dead code).
/// </summary>
public sealed class PhoneFastPathTests
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    private static readonly PhoneNumberType[] Types =
    [
        PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE,
        PhoneNumberType.PREMIUM_RATE, PhoneNumberType.VOIP, PhoneNumberType.UAN,
    ];

    [Fact]
    public void ExampleNumbersOfEveryRegion_AgreeWithLibphonenumber()
    {
        var answered = 0;
        var total = 0;
        foreach (var region in Util.GetSupportedRegions())
        {
            foreach (var type in Types)
            {
                var example = Util.GetExampleNumberForType(region, type);
                if (example is null) continue;
                foreach (var text in Variants(example, region))
                {
                    foreach (var parseRegion in new[] { region, "US", "GB" })
                    {
                        total++;
                        if (AssertAgrees(text, parseRegion)) answered++;
                    }
                }
            }
        }
        Assert.True(total > 5000, $"only {total} cases");
        Assert.True(answered > total / 4, $"fast path answered {answered} of {total}");
    }

    [Fact]
    public void SeededRandomDigitStrings_AgreeWithLibphonenumber()
    {
        var random = new Random(20261123);
        var regions = new[] { "US", "CA", "GB", "DE", "FR", "IT", "IN", "BR", "AR", "MX", "AU", "JP", "CN", "RU", "NG", "CI", "SG" };
        const string separators = " -.()/xX";
        for (var n = 0; n < 40_000; n++)
        {
            var length = random.Next(1, 21);
            var chars = new List<char>();
            if (random.Next(3) == 0) chars.Add('+');
            for (var i = 0; i < length; i++)
            {
                if (random.Next(5) == 0) chars.Add(separators[random.Next(separators.Length)]);
                chars.Add((char)('0' + random.Next(10)));
            }
            AssertAgrees(new string(chars.ToArray()), regions[random.Next(regions.Length)]);
        }
    }

    [Theory]
    [InlineData("(447) 234-2344", "US", "14472342344")]
    [InlineData("447.234.2344", "US", "14472342344")]
    [InlineData("+1 447 234 2344", "US", "14472342344")]
    [InlineData("+44 20 7183 8750", "US", "442071838750")]
    [InlineData("+39 06 6982 1234", "US", "390669821234")]
    [InlineData("613 555 0100", "CA", "16135550100")]
    [InlineData("(447) 234-2344 x99", "US", "14472342344")]
    public void CommonShapes_AreAnsweredByTheFastPath(string text, string region, string expected)
    {
        Assert.True(PhoneFastPath.TryNormalize(text, region, out var e164));
        Assert.Equal(expected, e164);
    }

    [Theory]
    [InlineData("1 447 234 2344", "US")] // national prefix 1: Parse decides whether to strip it
    [InlineData("011 44 20 7183 8750", "US")] // the US international prefix
    [InlineData("020 7183 8750", "GB")] // national prefix 0
    [InlineData("447 234 2344 ext. 12", "US")] // extension label other than x
    [InlineData("447 234 2344 x12/x13", "US")] // a second number
    [InlineData("+1 800 FLOWERS", "US")] // letters
    [InlineData("+１ ４４７ ２３４ ２３４４", "US")] // full-width digits
    public void RegionSpecificShapes_AreLeftToLibphonenumber(string text, string region) =>
        Assert.False(PhoneFastPath.TryNormalize(text, region, out _));

    private static IEnumerable<string> Variants(PhoneNumber example, string region)
    {
        var national = Util.Format(example, PhoneNumberFormat.NATIONAL);
        var international = Util.Format(example, PhoneNumberFormat.INTERNATIONAL);
        var e164 = Util.Format(example, PhoneNumberFormat.E164);
        var nsn = Util.GetNationalSignificantNumber(example);
        yield return national;
        yield return international;
        yield return e164;
        yield return nsn;
        yield return nsn[..^1];
        yield return nsn + "5";
        yield return e164[..^1];
        yield return e164 + "7";
        yield return "0" + nsn;
        yield return "1" + nsn;
        yield return example.CountryCode + nsn;
        yield return "+" + example.CountryCode + "0" + nsn;
        yield return national + " x12";
        yield return nsn + "x5";
        yield return e164 + " X 123456789";
        yield return e164 + " x 1234567890";
        yield return nsn[..2] + " x 44";
        yield return "(" + nsn[..Math.Min(3, nsn.Length)] + ") " + nsn[Math.Min(3, nsn.Length)..];
        if (Util.GetMetadataForRegion(region) is { InternationalPrefix: { Length: > 0 } idd } && idd.All(char.IsAsciiDigit))
            yield return idd + " " + e164[1..];
    }

    /// <summary>Asserts agreement when the fast path answers; returns whether it answered.</summary>
    private static bool AssertAgrees(string text, string region)
    {
        var international = text.StartsWith('+');
        if (!PhoneFastPath.TryNormalize(text, international ? null : region, out var fast)) return false;
        var slow = PhoneNormalizer.SlowPath(text, international ? "ZZ" : region);
        Assert.True(slow.Value == fast, $"'{text}' in {region}: fast path {fast ?? "invalid"}, libphonenumber {slow.Value ?? "invalid"}");
        return true;
    }
}
