using System.Text;
using Snapconv.Sandbox.Dedup;

namespace Snapconv.Sandbox.Tests.Dedup;

public sealed class IdTableTests
{
    private static DedupIndex.IdProbe Probe(byte[] bytes, int name, int hash) => new(bytes, name, hash);

    private static int Put(IdTable t, byte[] bytes, int name, int hash, int head)
    {
        var slot = t.Find(Probe(bytes, name, hash), out var found);
        Assert.False(found);
        t.Insert(slot, Probe(bytes, name, hash), head);
        return slot;
    }

    [Fact]
    public void IdTable_ManyIdsThroughGrowth_EachFoundWithItsHead()
    {
        var t = new IdTable(new DedupIndex.IdArena());
        const int n = 50_000;
        for (var i = 0; i < n; i++)
        {
            var b = Encoding.UTF8.GetBytes("order-" + i);
            Put(t, b, i % 3, HashCode.Combine(i), i);
        }
        Assert.Equal(n, t.Count);
        for (var i = 0; i < n; i++)
        {
            var b = Encoding.UTF8.GetBytes("order-" + i);
            Assert.True(t.TryGetValue(Probe(b, i % 3, HashCode.Combine(i)), out var head));
            Assert.Equal(i, head);
            // Same bytes under another name id: a different key.
            Assert.False(t.TryGetValue(Probe(b, i % 3 + 1, HashCode.Combine(i)), out _));
        }
        Assert.False(t.TryGetValue(Probe("order-x"u8.ToArray(), 0, 12345), out var missing));
        Assert.Equal(-1, missing);
    }

    [Fact]
    public void IdTable_EqualHashesDifferentBytes_KeptApart()
    {
        var t = new IdTable(new DedupIndex.IdArena());
        // Every id has the same hash: lookups must compare name, length and bytes.
        var ids = new[] { "a", "b", "ab", "ba", "", "abc", "éa" };
        for (var i = 0; i < ids.Length; i++) Put(t, Encoding.UTF8.GetBytes(ids[i]), 7, 42, i * 10);
        for (var i = 0; i < ids.Length; i++)
        {
            Assert.True(t.TryGetValue(Probe(Encoding.UTF8.GetBytes(ids[i]), 7, 42), out var head));
            Assert.Equal(i * 10, head);
        }
        Assert.False(t.TryGetValue(Probe("abd"u8.ToArray(), 7, 42), out _));
    }

    [Fact]
    public void IdTable_HeadUpdatedThroughSlot_IsWhatLookupsSee()
    {
        var t = new IdTable(new DedupIndex.IdArena());
        var b = "evt-1"u8.ToArray();
        Put(t, b, 1, 99, 3);
        var slot = t.Find(Probe(b, 1, 99), out var found);
        Assert.True(found);
        Assert.Equal(3, t.Head(slot));
        t.Head(slot) = 8;
        Assert.True(t.TryGetValue(Probe(b, 1, 99), out var head));
        Assert.Equal(8, head);
        Assert.Equal(1, t.Count);
    }
}
