using Snapconv.Core.Formats;

namespace Snapconv.Core.Tests.Formats;

public class ShortStringCacheTests
{
    [Fact]
    public void RepeatedShortCells_ShareOneInstance_LongCellsDoNot()
    {
        var cache = new ShortStringCache();
        var buffer = "xxUSDxxUSDxxPURCHASExxa-long-cell-value".ToCharArray();
        var a = cache.GetString(buffer, 2, 3);
        var b = cache.GetString(buffer, 7, 3);
        Assert.Equal("USD", a);
        Assert.Same(a, b);
        var l1 = cache.GetString(buffer, 22, 17);
        var l2 = cache.GetString(buffer, 22, 17);
        Assert.Equal("a-long-cell-value", l1);
        Assert.NotSame(l1, l2);
        Assert.Equal("", cache.GetString(buffer, 0, 0));
    }

    [Fact]
    public void EveryShortValue_ComesBackAsItsOwnText_EvenWhenSlotsCollide()
    {
        var cache = new ShortStringCache();
        var random = new Random(4);
        for (var i = 0; i < 100_000; i++)
        {
            var text = new string(Enumerable.Range(0, random.Next(1, 9)).Select(_ => (char)random.Next('0', 'z')).ToArray());
            var buffer = ("__" + text + "__").ToCharArray();
            Assert.Equal(text, cache.GetString(buffer, 2, text.Length));
        }
    }
}
