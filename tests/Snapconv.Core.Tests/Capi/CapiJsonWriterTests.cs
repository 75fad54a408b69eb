using System.Text;
using System.Text.Json;
using Snapconv.Core.Capi;

namespace Snapconv.Core.Tests.Capi;

public class CapiJsonWriterTests
{
    [Fact]
    public void Write_SpecExample_ProducesV3ShapeWithSnakeCaseKeys()
    {
        var e = new CapiEvent { EventName = "PURCHASE", EventTime = 1734567890, EventId = "offline_txn_12345" };
        e.UserData.Em = ["542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345"];
        e.UserData.Ph = ["dc008fda46e2e64002cf2f82a4906236282d431c4f75e5b60bfe79fc48546383"];
        e.CustomData.Value = 99.99m;
        e.CustomData.Currency = "USD";
        e.CustomData.OrderId = "offline_txn_12345";
        e.CustomData.EventTag = "in-store";
        var json = Serialize(e);
        Assert.Equal(
            """{"event_name":"PURCHASE","event_time":1734567890,"action_source":"OFFLINE","event_id":"offline_txn_12345","integration":"snapconv","user_data":{"em":["542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345"],"ph":["dc008fda46e2e64002cf2f82a4906236282d431c4f75e5b60bfe79fc48546383"]},"custom_data":{"value":99.99,"currency":"USD","order_id":"offline_txn_12345","event_tag":"in-store"}}""",
            json);
    }

    [Fact]
    public void Write_EmptyCustomData_IsOmitted()
    {
        var e = new CapiEvent { EventName = "SIGN_UP", EventTime = 1734567890, EventId = "x" };
        e.UserData.Madid = "6d92078a-8246-4ba4-ae5b-76104861e7dc";
        using var doc = JsonDocument.Parse(Serialize(e));
        Assert.False(doc.RootElement.TryGetProperty("custom_data", out _));
        Assert.Equal("6d92078a-8246-4ba4-ae5b-76104861e7dc", doc.RootElement.GetProperty("user_data").GetProperty("madid").GetString());
    }

    [Fact]
    public void Write_DigestsAndOtherValues_SameBytesAsTheWritersOwnStrings()
    {
        // Digests take a raw-bytes path; near-digests (64 chars, not all hex; non-ASCII; escapes) must not.
        string[] values =
        [
            "542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345",
            "542D240129883C019E106E3B1B2D3F3CB3537C43C425364DE8E951D5A3083345",
            "542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a308334g",
            "542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a30833\"",
            "542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a30833\u00e9",
            "\u00e9" + new string('a', 63),
            "short",
            "",
        ];
        var e = new CapiEvent { EventName = "PURCHASE", EventTime = 1734567890, EventId = "x" };
        e.UserData.Em = [.. values];
        e.UserData.Ph = [values[0]];
        e.UserData.Country = [values[1], values[0]];
        var json = Serialize(e);

        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteStartArray("em");
            foreach (var v in values) w.WriteStringValue(v);
            w.WriteEndArray();
            w.WriteStartArray("ph");
            w.WriteStringValue(values[0]);
            w.WriteEndArray();
            w.WriteStartArray("country");
            w.WriteStringValue(values[1]);
            w.WriteStringValue(values[0]);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        var expected = Encoding.UTF8.GetString(ms.ToArray());
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(expected, doc.RootElement.GetProperty("user_data").GetRawText());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Write_KeptDigests_SameBytesAsTheirHexLists(bool indented)
    {
        // An e-mail and phone kept as digests are written without making their lists; the bytes must not change.
        static CapiEvent Event(bool keep)
        {
            var e = new CapiEvent { EventName = "PURCHASE", EventTime = 1734567890, EventId = "o1" };
            var em = new byte[32];
            var ph = new byte[32];
            Snapconv.Core.Hashing.Sha256Hex.HashText("person@example.com", em);
            Snapconv.Core.Hashing.Sha256Hex.HashText("15550100", ph);
            if (keep)
            {
                Assert.True(e.UserData.TrySetFirstDigest(em: true, em));
                Assert.True(e.UserData.TrySetFirstDigest(em: false, ph));
            }
            else
            {
                e.UserData.Em = [Convert.ToHexStringLower(em)];
                e.UserData.Ph = [Convert.ToHexStringLower(ph)];
            }
            e.UserData.Fn = ["5ec0f34b8e3c8d8e63a78f8e4a4f0c4ac2c8e1c7e0a5d9e1d6b0a8e1c7e0a5d9"];
            return e;
        }
        var kept = Event(keep: true);
        Assert.Equal(Serialize(Event(keep: false), indented), Serialize(kept, indented));
        Assert.True(kept.UserData.TryGetOnlyDigest(em: true, out _));  // written without making the list
        Assert.Contains("542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345", Serialize(kept, indented), StringComparison.Ordinal);
    }

    private static string Serialize(CapiEvent e, bool indented = false)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = indented })) CapiJsonWriter.Write(w, e);
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
