using Snapconv.Core.Capi;
using Snapconv.Core.Dedup;

namespace Snapconv.Core.Tests.Dedup;

public class DedupTests
{
    [Fact]
    public void StableEventId_SpecExample_MatchesPublishedHash()
    {
        var e = new CapiEvent { EventName = "PURCHASE", EventTime = 1734567890 };
        e.UserData.Em = ["542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345"];
        e.CustomData.Value = 99.99m;
        e.CustomData.Currency = "USD";
        Assert.Equal("af223e16a6d5f519959ca4ca740250d7b5ae9efe9b5abbebd2deb79b233ac281",
            StableEventId.Compute("11111111-2222-3333-4444-555555555555", e));
    }

    [Fact]
    public void StableEventId_EmailOrder_DoesNotMatter()
    {
        var a = new CapiEvent { EventName = "SIGN_UP", EventTime = 1734567890 };
        a.UserData.Em = ["b", "a"];
        var b = new CapiEvent { EventName = "SIGN_UP", EventTime = 1734567890 };
        b.UserData.Em = ["a", "b"];
        Assert.Equal(StableEventId.Compute("p", a), StableEventId.Compute("p", b));
        Assert.NotEqual(StableEventId.Compute("p", a), StableEventId.Compute("q", a));
    }

    [Theory]
    [InlineData("PURCHASE", true, 30 * 86400)]
    [InlineData("PURCHASE", false, 48 * 3600)]
    [InlineData("SIGN_UP", false, 48 * 3600)]
    [InlineData("ADD_CART", false, 1)]
    [InlineData("PAGE_VIEW", true, 1)]
    public void DedupWindows_PerType_AsSnapDocuments(string name, bool hasTxn, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), DedupWindows.For(name, hasTxn));

    [Fact]
    public void InRunDeduper_SameNameAndId_SecondIsDuplicate()
    {
        var d = new InRunDeduper();
        Assert.True(d.TryAdd(Ev("PURCHASE", "a")));
        Assert.False(d.TryAdd(Ev("PURCHASE", "a")));
        Assert.True(d.TryAdd(Ev("SIGN_UP", "a")));
    }

    [Fact]
    public void InRunDeduper_PurchaseWithSameOrderId_DifferentEventIds_IsDuplicate()
    {
        var d = new InRunDeduper();
        Assert.True(d.TryAdd(Ev("PURCHASE", "e1", "O-1")));
        Assert.False(d.TryAdd(Ev("PURCHASE", "e2", "O-1")));
        Assert.False(d.TryAdd(Ev("PURCHASE", "O-1", "O-1")));
        Assert.True(d.TryAdd(Ev("PURCHASE", "O-2", "O-2")));
    }

    private static CapiEvent Ev(string name, string id, string? order = null)
    {
        var e = new CapiEvent { EventName = name, EventId = id, EventTime = 1734567890 };
        e.CustomData.OrderId = order;
        return e;
    }
}

public class FixedKeyTableTests
{
    [Fact]
    public void Add_UpToCapacity_AgreesWithHashSet_ThenRefusesMore()
    {
        using var table = new FixedKeyTable(50_000);
        var rnd = new Random(3);
        var keys = new HashSet<ulong>();
        while (keys.Count < 50_000) keys.Add(((ulong)rnd.NextInt64() * 2654435761UL) | 1);
        foreach (var k in keys) Assert.True(table.Add(k));
        foreach (var k in keys) Assert.False(table.Add(k));
        Assert.Equal(keys.Count, table.Count);
        foreach (var k in keys) Assert.True(table.Contains(k));
        Assert.False(table.Contains(0xDEADBEEFUL) && !keys.Contains(0xDEADBEEFUL));
        Assert.Throws<InvalidOperationException>(() => table.Add(2));
    }

    [Fact]
    public void Drain_GivesEveryKeySorted_AndEmptiesTheTable()
    {
        using var table = new FixedKeyTable(1_000);
        var rnd = new Random(9);
        var keys = Enumerable.Range(0, 1_000).Select(_ => (ulong)rnd.NextInt64() | 1).Distinct().ToList();
        foreach (var k in keys) table.Add(k);
        ulong[] drained = [];
        table.Drain(span => drained = span.ToArray());
        Assert.Equal(keys.Order(), drained);
        Assert.Equal(0, table.Count);
        Assert.All(keys, k => Assert.False(table.Contains(k)));
        Assert.True(table.Add(keys[0]));
    }

    [FsCheck.Xunit.Property]
    public bool Add_AgreesWithHashSet(ulong[] keys)
    {
        using var table = new FixedKeyTable(Math.Max(1, keys.Length));
        var reference = new HashSet<ulong>();
        foreach (var k in keys)
        {
            var key = k == 0 ? 1 : k;
            if (table.Add(key) != reference.Add(key)) return false;
        }
        return table.Count == reference.Count;
    }
}
