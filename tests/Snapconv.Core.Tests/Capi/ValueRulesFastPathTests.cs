using Snapconv.Core.Capi;
using Xunit;

namespace Snapconv.Core.Tests.Capi;

/// <summary>The short-amount fast path must give decimal.TryParse's answer, value and scale alike.</summary>
public sealed class ValueRulesFastPathTests
{
    [Theory]
    [InlineData('.')]
    [InlineData(',')]
    public void SeededRandomAmounts_AgreeWithTheGeneralPath(char separator)
    {
        var random = new Random(11);
        const string alphabet = "0123456789012345678901234567890123456789.,+- ";
        for (var n = 0; n < 50_000; n++)
        {
            var chars = new char[random.Next(1, 24)];
            for (var i = 0; i < chars.Length; i++) chars[i] = alphabet[random.Next(alphabet.Length)];
            AssertSame(new string(chars), separator);
        }
        foreach (var s in new[] { "0", "0.0", "10.50", "+7", "5.", ".5", "007.250", "999999999999999999", "9999999999999999999", "1.000000000000000001", "+", ".", "" })
            AssertSame(s, separator == '.' ? s : s.Replace('.', ','), separator);
    }

    private static void AssertSame(string text, char separator) => AssertSame(text, text, separator);

    private static void AssertSame(string label, string text, char separator)
    {
        var fast = ValueRules.TryParse(text, out var a, separator);
        var general = ValueRules.TryParseGeneral(text, out var b, separator);
        Assert.True(fast == general, $"'{label}': {fast} vs {general}");
        if (fast) Assert.Equal(decimal.GetBits(b), decimal.GetBits(a));
    }
}
