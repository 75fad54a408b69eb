using System.Security.Cryptography;
using System.Text;
using Snapconv.Core.Capi;
using Snapconv.Delivery.Ledger;

namespace Snapconv.Delivery.Tests.Ledger;

/// <summary>Keys already stored in ledgers must stay the same: SHA-256(pixel \0 EVENT_NAME \0 event_id), first 16 bytes.</summary>
public class EventKeyTests
{
    private static UInt128 Reference(string pixel, string name, string id) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(pixel + "\0" + name + "\0" + id)));

    [Theory]
    [InlineData("11111111-2222-3333-4444-555555555555", "PURCHASE", "order-1")]
    [InlineData("p", "SIGN_UP", "")]
    [InlineData("p", "", "")]
    [InlineData("pixel-ü", "PURCHASE", "Bestellung-Größe-😀")]
    [InlineData("p", "PURCHASE", "lone-\ud800-surrogate")]
    public void For_MatchesTheStoredFormula(string pixel, string name, string id)
    {
        var key = EventKey.For(pixel, new CapiEvent { EventName = name, EventId = id });
        Assert.Equal(Reference(pixel, name, id), key.Value);
    }

    [Fact]
    public void For_LongIds_UseTheHeapPath_SameKey()
    {
        var id = new string('x', 5_000) + "é";
        Assert.Equal(Reference("p", "PURCHASE", id), EventKey.For("p", new CapiEvent { EventName = "PURCHASE", EventId = id }).Value);
    }

    [Fact]
    public void For_KnownVector()
    {
        // Pinned so a change of the formula cannot pass unnoticed: existing ledgers hold these bytes.
        var key = EventKey.For("11111111-2222-3333-4444-555555555555", new CapiEvent { EventName = "PURCHASE", EventId = "order-1" });
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("11111111-2222-3333-4444-555555555555\0PURCHASE\0order-1"u8))[..32],
            Convert.ToHexStringLower(key.ToBytes()));
    }

    [Fact]
    public async Task For_ConcurrentThreads_AgreeWithReference()
    {
        var tasks = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                var id = "o-" + (t * 10_000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(Reference("p", "PURCHASE", id), EventKey.For("p", new CapiEvent { EventName = "PURCHASE", EventId = id }).Value);
            }
        }));
        await Task.WhenAll(tasks);
    }
}
