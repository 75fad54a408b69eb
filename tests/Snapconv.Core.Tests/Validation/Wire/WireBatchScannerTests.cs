using System.Text;
using System.Text.Json;
using Snapconv.Core.Capi;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Samples;
using Snapconv.Core.Validation;
using Snapconv.Core.Validation.Wire;

namespace Snapconv.Core.Tests.Validation.Wire;

public class WireBatchScannerTests
{
    private const string Em = "7b17fb0bd173f625b58636fb796407c22b3d16fc78302d79f0fd30c2fc2fc068";
    private const string Ph = "dc008fda46e2e64002cf2f82a4906236282d431c4f75e5b60bfe79fc48546383";
    private const string Canonical =
        "{\"event_name\":\"PURCHASE\",\"event_time\":1734567890,\"action_source\":\"OFFLINE\",\"event_id\":\"order-1\",\"integration\":\"snapconv\"," +
        "\"user_data\":{\"em\":[\"" + Em + "\"],\"ph\":[\"" + Ph + "\"],\"fn\":[\"" + Em + "\"],\"country\":[\"" + Ph + "\"],\"db\":\"" + Em + "\"}," +
        "\"custom_data\":{\"value\":12.50,\"currency\":\"USD\",\"order_id\":\"order-1\",\"event_tag\":\"in-store\"}}";

    /// <summary>Events of every shape, and whether the fast path checks them itself (else the validator does).</summary>
    public static TheoryData<string, bool> Events() => new()
    {
        { Canonical, true },
        { Canonical.Replace("\"PURCHASE\"", "\"purchase\""), false },                          // rewrite needed
        { Canonical.Replace(Em, Em.ToUpperInvariant()), false },                               // upper-case digest
        { Canonical.Replace("\"event_name\":\"PURCHASE\"", "\"event_name\":\"SIGN_UP\""), true },
        { Canonical.Replace("\"event_name\":\"PURCHASE\"", "\"event_name\":\"REFUND\""), false },
        { Canonical.Replace("\"event_name\":\"PURCHASE\"", "\"event_name\":null"), false },
        { Canonical.Replace("1734567890", "1734567890123"), true },                          // milliseconds
        { Canonical.Replace("1734567890", "\"1734567890\""), false },                         // time as a string
        { Canonical.Replace("1734567890", "17345678.5"), false },
        { Canonical.Replace("1734567890", "12"), false },
        { Canonical.Replace("\"OFFLINE\"", "\"physical_store\""), false },
        { Canonical.Replace("\"OFFLINE\"", "\"WEB\""), false },
        { Canonical.Replace("\"OFFLINE\"", "\"MOBILE_APP\""), false },
        { Canonical.Replace("\"em\":[\"" + Em + "\"],\"ph\":[\"" + Ph + "\"],", ""), false },  // no em/ph: no match key
        { Canonical.Replace("\"em\":[\"" + Em + "\"]", "\"em\":[]"), true },
        { Canonical.Replace("\"em\":[\"" + Em + "\"]", "\"em\":null"), true },
        { Canonical.Replace("\"em\":[\"" + Em + "\"]", "\"em\":\"" + Em + "\""), true },
        { Canonical.Replace("\"em\":[\"" + Em + "\"]", "\"em\":[\"person@example.com\"]"), false },
        { Canonical.Replace("\"em\":[\"" + Em + "\"]", "\"em\":[1]"), false },
        { Canonical.Replace("\"em\":[\"" + Em + "\"]", "\"em\":[\"" + Em + "\",\"" + Ph + "\"]"), true },
        { Canonical.Replace("\"em\":[\"" + Em + "\"],\"ph\":[\"" + Ph + "\"],", "\"madid\":\"6d92078a-8246-4ba4-ae5b-76104861e7dc\","), true },
        { Canonical.Replace("\"em\":[\"" + Em + "\"],\"ph\":[\"" + Ph + "\"],", "\"madid\":\"\","), false },
        { Canonical.Replace("\"em\":[\"" + Em + "\"]", "\"em\":[\"" + Em + "\"],\"em\":[\"" + Ph + "\"]"), true },   // repeated user_data key: every one is checked, as the validator does
        { Canonical.Replace("\"user_data\":{", "\"user_data\":{\"client_ip_address\":\"1.2.3.4\",\"client_user_agent\":\"x\",\"extra\":{\"a\":[1,{}]},"), true },
        { Canonical.Replace("\"currency\":\"USD\"", "\"currency\":\"usd\""), false },
        { Canonical.Replace("\"currency\":\"USD\"", "\"currency\":\"XXX\""), false },
        { Canonical.Replace("\"currency\":\"USD\",", ""), false },
        { Canonical.Replace("\"currency\":\"USD\"", "\"currency\":null"), false },
        { Canonical.Replace("\"value\":12.50", "\"value\":\"12.50\""), false },
        { Canonical.Replace("\"value\":12.50", "\"value\":-1"), false },
        { Canonical.Replace("\"value\":12.50,", ""), false },
        { Canonical.Replace("\"value\":12.50", "\"value\":1e3"), true },
        { Canonical.Replace("\"event_name\":\"PURCHASE\"", "\"event_name\":\"PAGE_VIEW\"").Replace("\"value\":12.50,\"currency\":\"USD\",", ""), true },
        { Canonical.Replace(",\"custom_data\":{\"value\":12.50,\"currency\":\"USD\",\"order_id\":\"order-1\",\"event_tag\":\"in-store\"}", "")
            .Replace("PURCHASE", "SIGN_UP"), true },
        { Canonical.Replace("\"order_id\":\"order-1\"", "\"order_id\":\"other\""), true },
        { Canonical.Replace("\"order_id\":\"order-1\"", "\"order_id\":\"\",\"transaction_id\":\"t-9\""), true },
        { Canonical.Replace("\"order_id\":\"order-1\"", "\"order_id\":42"), true },
        { Canonical.Replace("\"order_id\":\"order-1\"", "\"order_id\":{\"x\":1}"), false },
        { Canonical.Replace("\"order_id\":\"order-1\",", "").Replace("\"integration\"", "\"transaction_id\":\"root-t\",\"integration\""), true },
        { Canonical.Replace("\"event_id\":\"order-1\"", "\"event_id\":\"\",\"client_dedup_id\":\"cd-1\""), true },
        { Canonical.Replace("\"event_id\":\"order-1\"", "\"event_id\":42"), true },
        { Canonical.Replace("\"event_id\":\"order-1\",", ""), true },
        { Canonical.Replace("\"event_id\":\"order-1\"", "\"event_id\":\"a\\u0062c\""), false },                // escaped value
        { Canonical.Replace("\"event_id\":\"order-1\"", "\"event_id\":\"caf\u00e9 \u2603\""), true },           // non-ASCII id
        { Canonical.Replace("\"event_name\"", "\"event\\u005fname\""), false },                                // escaped name
        { Canonical.Replace("\"event_time\":1734567890,", "\"event_time\":1734567890,\"event_time\":1,"), false }, // repeated field
        { Canonical.Replace("\"integration\"", "\"test_event_code\":\"T1\",\"integration\""), false },
        { Canonical.Replace("\"currency\":\"USD\"", "\"currency\":\"USD\",\"currency\":\"EUR\""), false },    // repeated custom_data field
        { Canonical.Replace("\"order_id\":\"order-1\"", "\"order_id\":[\"order-1\"]"), false },                 // an id that is neither string nor number
        { Canonical.Replace("\"user_data\":{", "\"user_data\":[{").Replace("},\"custom_data\"", "}],\"custom_data\""), false },
        { Canonical.Replace("\"custom_data\":{", "\"custom_data\":[{").Replace("\"in-store\"}}", "\"in-store\"}]}"), false },
        { "{}", false },
        { "{\"event_name\":\"PURCHASE\"}", false },
    };

    [Theory]
    [MemberData(nameof(Events))]
    public void TryScan_AnyEvent_CheckedOnlyWhenValidAndCanonical_WithTheValidatorsResult(string json, bool fast)
    {
        var body = Encoding.UTF8.GetBytes("{\"data\":[" + json + "]}");
        var slots = new WireEventSlice[4];
        Assert.True(WireBatchScanner.TryScan(body, slots, out var count));
        Assert.Equal(1, count);
        var slot = slots[0];
        Assert.Equal(json, Encoding.UTF8.GetString(body, slot.Offset, slot.Length));

        using var doc = JsonDocument.Parse(json);
        var errors = new List<Reason>();
        var expected = WireEventValidator.Validate(doc.RootElement, errors);
        Assert.True(fast == slot.Checked, $"fast path {(slot.Checked ? "took" : "left")} {json}");
        if (slot.Checked)
        {
            Assert.Empty(errors);
            Assert.False(expected.NeedsCanonicalForm);
            Assert.Equal(expected, slot.Meta);
        }
    }

    [Fact]
    public void TryScan_CanonicalEvent_IsCheckedWithoutRewrite()
    {
        var body = Encoding.UTF8.GetBytes("{\"data\":[" + Canonical + "," + Canonical.Replace("order-1", "order-2") + "]}");
        var slots = new WireEventSlice[4];
        Assert.True(WireBatchScanner.TryScan(body, slots, out var count));
        Assert.Equal(2, count);
        Assert.True(slots[0].Checked && slots[1].Checked);
        Assert.Equal("order-2", slots[1].Meta.DedupId);
        // The order id equal to the event id is the same string, as the validator returns it.
        Assert.Same(slots[1].Meta.DedupId, slots[1].Meta.OrderId);
        Assert.Equal(12.50m, slots[0].Meta.Value);
        Assert.Equal("USD", slots[0].Meta.Currency);
        Assert.True(slots[0].Meta.HasMatchKey);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{\"data\":[]}")]
    [InlineData("{\"data\":{}}")]
    [InlineData("{\"data\":[1]}")]
    [InlineData("{\"data\":[{}],\"data\":[{}]}")]
    [InlineData("{\"data\":[{}],\"test_event_code\":\"T\"}")]
    [InlineData("{\"data\":[{}]} x")]
    [InlineData("{\"data\":[{}]}{}")]
    [InlineData("{\"data\":[{}]")]
    [InlineData("{\"data\":[{},]}")]
    [InlineData("{\"d\\u0061ta\":[{}]}")]
    [InlineData("{\"data\":[{},{},{},{},{}]}")]
    public void TryScan_RequestItDoesNotHandleWhole_ReturnsFalse(string body)
    {
        var slots = new WireEventSlice[4];
        Assert.False(WireBatchScanner.TryScan(Encoding.UTF8.GetBytes(body), slots, out _));
    }

    [Fact]
    public void TryScan_OtherRootKeys_AreSkipped()
    {
        var body = Encoding.UTF8.GetBytes(" {\"x\":{\"y\":[1,2]},\"data\":[" + Canonical + "],\"z\":null} ");
        var slots = new WireEventSlice[4];
        Assert.True(WireBatchScanner.TryScan(body, slots, out var count));
        Assert.Equal(1, count);
        Assert.True(slots[0].Checked);
    }

    [Fact]
    public async Task TryScan_EveryEventTheClientSends_IsCheckedWithTheValidatorsResult()
    {
        var dir = Directory.CreateTempSubdirectory("snapconv-scan-");
        try
        {
            var input = Path.Combine(dir.FullName, "in.csv");
            using (var w = new StreamWriter(input)) SyntheticConversions.Write(w, new SyntheticOptions { Rows = 2_000, Seed = 11, Now = DateTimeOffset.UtcNow });
            var events = new List<string>();
            var sink = new Snapconv.Core.Tests.Pipeline.CallbackSink(e =>
            {
                using var ms = new MemoryStream();
                using (var jw = new Utf8JsonWriter(ms)) CapiJsonWriter.Write(jw, e);
                events.Add(Encoding.UTF8.GetString(ms.ToArray()));
            });
            await ConversionRun.ExecuteAsync([input], new ConversionOptions { DefaultCountry = "US", PixelId = "p" },
                new ConversionOutputs(), TimeProvider.System, CancellationToken.None, sink);
            Assert.True(events.Count > 1_500);
            var body = Encoding.UTF8.GetBytes("{\"data\":[" + string.Join(",", events) + "]}");
            var slots = new WireEventSlice[events.Count];
            Assert.True(WireBatchScanner.TryScan(body, slots, out var count));
            Assert.Equal(events.Count, count);
            for (var i = 0; i < count; i++)
            {
                using var doc = JsonDocument.Parse(events[i]);
                var expected = WireEventValidator.Validate(doc.RootElement, new List<Reason>());
                Assert.True(slots[i].Checked, events[i]);
                Assert.Equal(expected, slots[i].Meta);
            }
        }
        finally { dir.Delete(true); }
    }
}
