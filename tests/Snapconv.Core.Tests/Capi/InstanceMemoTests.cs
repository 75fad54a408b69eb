using Snapconv.Core.Capi;

namespace Snapconv.Core.Tests.Capi;

/// <summary>The per-thread memo of name lookups answers by string instance only, and never changes an answer.</summary>
public sealed class InstanceMemoTests
{
    [Fact]
    public void TryGet_KnowsTheLastTwoInstances_NotEqualTextOfAnother()
    {
        var memo = new InstanceMemo();
        var usd = "usd";
        var eur = "eur";
        memo.Put(usd, "USD");
        memo.Put(eur, "EUR");
        Assert.True(memo.TryGet(usd, out var v) && v == "USD");
        Assert.True(memo.TryGet(eur, out v) && v == "EUR");
        Assert.False(memo.TryGet(new string(usd.AsSpan()), out _));   // same text, another instance: looked up as usual
        memo.Put("gbp", "GBP");
        Assert.False(memo.TryGet(usd, out _));                         // the oldest gave way
        Assert.True(memo.TryGet(eur, out v) && v == "EUR");
    }

    [Fact]
    public void CurrencyAndEventName_RepeatedAndAlternatingInstances_AnswerAsTheTables()
    {
        string[] currencies = ["usd", "EUR", " usd ", "Usd", "xyz", "usd", "gbp", "", "EUR", "usd"];
        string[] names = ["purchase", "SIGN_UP", "Purchase", "nonsense", "purchase", "add to cart"];
        for (var round = 0; round < 3; round++)
        {
            foreach (var c in currencies)
            {
                var expected = CurrencyCodes.All.Contains(c.Trim().ToUpperInvariant());
                Assert.Equal(expected, CurrencyCodes.TryNormalize(c, out var code));
                if (expected) Assert.Equal(c.Trim().ToUpperInvariant(), code);
                // another instance of the same text answers the same
                Assert.Equal(expected, CurrencyCodes.TryNormalize(new string(c.AsSpan()), out var again));
                if (expected) Assert.Equal(code, again);
            }
            foreach (var n in names)
            {
                var ok = EventNames.TryNormalizeClient(n, out var name);
                Assert.Equal(ok, EventNames.TryNormalizeClient(new string(n.AsSpan()), out var again));
                Assert.Equal(name, again);
            }
        }
        Assert.True(EventNames.TryNormalizeClient("purchase", out var p) && p == EventNames.Purchase);
        Assert.False(EventNames.TryNormalizeClient("nonsense", out _));
    }
}
