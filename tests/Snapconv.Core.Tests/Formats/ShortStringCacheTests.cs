using System.Globalization;
using Snapconv.Core.Formats;

namespace Snapconv.Core.Tests.Formats;

/// <summary>Short cells come back as one string instance per distinct text; the table's slots spread the usual values.</summary>
public sealed class ShortStringCacheTests
{
    private static string Get(ShortStringCache cache, string text)
    {
        var buffer = ("##" + text + "##").ToCharArray();   // the cell sits inside a larger buffer, as the CSV reader's do
        return cache.GetString(buffer, 2, text.Length);
    }

    [Theory]
    [InlineData("USD")]
    [InlineData("a")]
    [InlineData("PURCHASE")]
    [InlineData("12.50")]
    [InlineData("ÉÈ")]
    public void RepeatedShortCell_IsOneInstance_WithTheCellsText(string text)
    {
        var cache = new ShortStringCache();
        var first = Get(cache, text);
        Assert.Equal(text, first);
        Assert.Same(first, Get(cache, text));
    }

    [Fact]
    public void LongCell_IsItsOwnString_AndEmptyIsEmpty()
    {
        var cache = new ShortStringCache();
        Assert.Equal("ORD-1000000", Get(cache, "ORD-1000000"));
        Assert.NotSame(Get(cache, "ORD-1000000"), Get(cache, "ORD-1000000"));
        Assert.Same("", Get(cache, ""));
    }

    [Fact]
    public void CellsSharingASlot_EachReadAsItsOwnText()
    {
        // Every pair of 1–4 digit strings: whatever collides, a cell never comes back as another cell's text.
        var cache = new ShortStringCache();
        for (var round = 0; round < 2; round++)
            for (var i = 0; i < 3000; i++)
            {
                var text = i.ToString(CultureInfo.InvariantCulture);
                Assert.Equal(text, Get(cache, text));
            }
    }

    [Fact]
    public void Slots_SpreadTheCurrencyCodesAndSmallAmounts()
    {
        string[] codes = [.. CultureInfo.GetCultures(CultureTypes.SpecificCultures)
            .Select(c => { try { return new RegionInfo(c.Name).ISOCurrencySymbol; } catch (ArgumentException) { return null; } })
            .OfType<string>().Distinct()];
        string[] amounts = [.. Enumerable.Range(0, 400).Select(i => (i * 1.25m).ToString("0.00", CultureInfo.InvariantCulture))];
        foreach (var values in new[] { codes, amounts })
        {
            var slots = values.Select(v => ShortStringCache.Slot(v)).ToArray();
            Assert.All(slots, s => Assert.InRange(s, 0, 511));
            // Uniform hashing of n values into 512 slots fills about 512·(1 − e^(−n/512)) of them; ask for 80 % of that.
            var expected = 512 * (1 - Math.Exp(-values.Length / 512.0));
            Assert.True(slots.Distinct().Count() >= 0.8 * expected, $"{slots.Distinct().Count()} slots for {values.Length} values");
        }
    }
}
