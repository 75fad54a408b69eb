using Snapconv.Core.Hashing;
using Snapconv.Core.Normalization;

namespace Snapconv.Core.Tests.Normalization;

/// <summary>
/// The phone hash fast path (<see cref="PhoneNormalizer.TryHashFast"/>) must hash exactly what the general path
/// normalizes whenever it answers, never answer for a value the general path rejects, and answer for the common shapes.
/// </summary>
public sealed class PhoneHashFastPathTests
{
    private static void Check(string cleaned, NormalizeContext ctx, ref int answered)
    {
        var digest = new byte[32];
        if (!PhoneNormalizer.TryHashFast(cleaned, ctx, digest)) return;
        answered++;
        var r = PhoneNormalizer.Normalize(cleaned, ctx);
        Assert.True(r.Status == NormalizeStatus.Normalized, $"answered for a value the general path gives {r.Status}");
        Assert.Equal(Sha256Hex.Hash(r.Value!), Convert.ToHexStringLower(digest));
    }

    [Fact]
    public void CommonShapes_AreAnswered_AndAgree()
    {
        var us = new NormalizeContext { DefaultCountry = "US" };
        var answered = 0;
        string[] shapes = ["(213) 628-8245", "713-209-8179", "+13129653995", "312.349.3652", "0044 20 7946 0958", "+44 20 7946 0958"];
        foreach (var s in shapes) Check(s, us, ref answered);
        Assert.Equal(shapes.Length, answered);
    }

    [Fact]
    public void SeededNumbers_InEveryShape_AgreeWithTheGeneralPath()
    {
        var random = new Random(1202);
        string[] regions = ["US", "GB", "DE", "FR", "IN", "BR", "JP", "AU", "CA", "MX"];
        string[] separators = ["", " ", "-", ".", "/", "(", ")"];
        var answered = 0;
        for (var n = 0; n < 40_000; n++)
        {
            var ctx = new NormalizeContext { DefaultCountry = regions[random.Next(regions.Length)], RowCountry = random.Next(5) == 0 ? regions[random.Next(regions.Length)] : null };
            var digits = random.Next(3, 16);
            var sb = new System.Text.StringBuilder();
            if (random.Next(8) == 0) sb.Append('\'');   // the spreadsheet's text marker, removed by the cleaning (#15)
            switch (random.Next(4))
            {
                case 0: sb.Append('+'); break;
                case 1: sb.Append("00"); break;
            }
            for (var i = 0; i < digits; i++)
            {
                sb.Append((char)('0' + random.Next(10)));
                if (random.Next(4) == 0) sb.Append(separators[random.Next(separators.Length)]);
            }
            if (random.Next(10) == 0) sb.Append(" x").Append(random.Next(1, 999));
            Check(TextCleaner.Clean(sb.ToString()), ctx, ref answered);
        }
        Assert.True(answered > 5_000, $"answered {answered}");
    }
}
