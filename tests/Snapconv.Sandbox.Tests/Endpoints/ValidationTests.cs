using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Snapconv.Sandbox.Tests.SandboxHarness;

namespace Snapconv.Sandbox.Tests.Endpoints;

public sealed class ValidationTests
{
    private static async Task<string[]> CodesOfSingleAsync(SandboxHarness h, JsonObject ev)
    {
        var res = await h.PostEventsAsync(ev);
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        var body = await ReadJsonAsync(res);
        Assert.Equal("INVALID", body.GetProperty("status").GetString());
        Assert.Equal(0, body.GetProperty("event").GetInt32());
        return body.GetProperty("errors").GetProperty("codes").EnumerateArray().Select(c => c.GetString()!).ToArray();
    }

    public static TheoryData<string, string> Breakages => new()
    {
        { "remove:event_name", "501" },
        { "event_name=REFUND", "516" },
        { "event_name=ADD_TO_CART", "516" },
        { "remove:event_time", "502" },
        { "event_time=abc", "INVALID_EVENT_TIME" },
        { "event_time#123", "INVALID_EVENT_TIME" },
        { "event_time#1.5", "INVALID_EVENT_TIME" },
        { "event_time#100000000000000", "INVALID_EVENT_TIME" },
        { "event_time#-5", "INVALID_EVENT_TIME" },
        { "action_source=MOBILE_APP", "INVALID_ACTION_SOURCE" },
        { "remove:action_source", "INVALID_ACTION_SOURCE" },
        { "fn=John", "UNHASHED_USER_DATA" },
        { "ph=+44 844 412 4653", "UNHASHED_USER_DATA" },
        { "remove:user_data", "505" },
        { "currency=DOLLARS", "INVALID_CURRENCY" },
        { "value=-1", "INVALID_VALUE" },
        { "value=1,000.00", "INVALID_VALUE" },
        { "value=$5", "INVALID_VALUE" },
        { "remove:currency", "MISSING_CURRENCY" },
        { "remove:value", "MISSING_VALUE" },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public async Task Events_OneBrokenField_ReturnsItsCode(string change, string code)
    {
        await using var h = await StartAsync();
        var ev = Event("PURCHASE");
        var custom = ev["custom_data"]!.AsObject();
        if (change.StartsWith("remove:", StringComparison.Ordinal))
        {
            var key = change[7..];
            if (!ev.Remove(key)) custom.Remove(key);
        }
        else if (change.Contains('#'))
        {
            var (k, v) = (change[..change.IndexOf('#')], change[(change.IndexOf('#') + 1)..]);
            ev[k] = JsonNode.Parse(v);
        }
        else
        {
            var (k, v) = (change[..change.IndexOf('=')], change[(change.IndexOf('=') + 1)..]);
            if (k is "currency" or "value") custom[k] = v;
            else if (k is "fn" or "ph") ev["user_data"]![k] = k == "fn" ? v : new JsonArray(v);
            else ev[k] = v;
        }
        Assert.Equal([code], await CodesOfSingleAsync(h, ev));
        Assert.Equal(0, h.Store.Count(Pixel));
    }

    [Fact]
    public async Task Events_ManyFailures_ListsAllInSpecOrder()
    {
        await using var h = await StartAsync();
        var ev = new JsonObject
        {
            ["event_name"] = "NOPE",
            ["event_time"] = "yesterday",
            ["action_source"] = "TV",
            ["user_data"] = new JsonObject { ["fn"] = "john" },
            ["custom_data"] = new JsonObject { ["currency"] = "XXX1", ["value"] = "ten" },
        };
        var res = await h.PostEventsAsync(ev);
        var body = await ReadJsonAsync(res);
        var codes = body.GetProperty("errors").GetProperty("codes").EnumerateArray().Select(c => c.GetString()!).ToArray();
        Assert.Equal(["516", "INVALID_EVENT_TIME", "INVALID_ACTION_SOURCE", "UNHASHED_USER_DATA", "505", "INVALID_CURRENCY", "INVALID_VALUE"], codes);
        var msgs = body.GetProperty("errors").GetProperty("error_msgs").EnumerateArray().Select(c => c.GetString()).ToArray();
        Assert.Contains("user_data.fn must be a SHA-256 hex digest.", msgs);
        Assert.Contains("Param data['event_time'] is an invalid Unix timestamp.", msgs);
    }

    [Fact]
    public async Task Events_OfflineWithOnlyNonMatchingKeys_Returns505()
    {
        await using var h = await StartAsync();
        var ev = Event();
        ev["user_data"] = new JsonObject { ["fn"] = new JsonArray(Em), ["client_ip_address"] = "1.2.3.4", ["client_user_agent"] = "x" };
        Assert.Equal(["505"], await CodesOfSingleAsync(h, ev));
    }

    [Theory]
    [InlineData("em")]
    [InlineData("ph")]
    [InlineData("madid")]
    public async Task Events_EachOfflineMatchKeyAlone_IsAccepted(string key)
    {
        await using var h = await StartAsync();
        var ev = Event();
        ev["user_data"] = new JsonObject { [key] = key == "madid" ? "6d92078a-8246-4ba4-ae5b-76104861e7dc" : Ph };
        Assert.Equal(HttpStatusCode.OK, (await h.PostEventsAsync(ev)).StatusCode);
    }

    [Fact]
    public async Task Events_AcceptedVariants_AreStoredNormalized()
    {
        await using var h = await StartAsync();
        var ms = Event("purchase", time: (Now - 100) * 1000 + 999);
        ms["custom_data"] = new JsonObject { ["value"] = "12.50", ["currency"] = "usd" };
        ms["user_data"] = new JsonObject { ["em"] = Em.ToUpperInvariant(), ["ph"] = new JsonArray(Ph) };
        var digits = Event("SIGN_UP", source: "physical_store");
        digits["event_time"] = (Now - 50).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var web = Event("PAGE_VIEW", source: "web");
        web["user_data"] = new JsonObject { ["client_ip_address"] = "1.2.3.4", ["client_user_agent"] = "UA" };
        var res = await h.PostEventsAsync(ms, digits, web);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var stored = h.Store.GetEvents(Pixel);
        Assert.Equal(3, stored.Count);
        using var first = stored[0].Parse();
        Assert.Equal("PURCHASE", first.RootElement.GetProperty("event_name").GetString());
        Assert.Equal(Em, first.RootElement.GetProperty("user_data").GetProperty("em").GetString());
    }

    [Fact]
    public async Task Events_PartialBatchRejectDefault_Returns400NestedAndStoresNothing()
    {
        await using var h = await StartAsync();
        var bad1 = Event("REFUND");
        var bad4 = Event();
        bad4.Remove("event_time");
        var res = await h.PostEventsAsync(Event(id: "a"), bad1, Event(id: "b"), Event(id: "c"), bad4);
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        var body = await ReadJsonAsync(res);
        Assert.Equal("At least one of the events is invalid.", body.GetProperty("reason").GetString());
        Assert.Equal(1, body.GetProperty("event").GetInt32());
        Assert.Equal("516", body.GetProperty("errors").GetProperty("codes")[0].GetString());
        var logs = body.GetProperty("event_logs").EnumerateArray().ToArray();
        Assert.Equal([1, 4], logs.Select(l => l.GetProperty("event").GetInt32()));
        Assert.Equal("502", logs[1].GetProperty("errors").GetProperty("codes")[0].GetString());
        Assert.Equal(0, h.Store.Count(Pixel));
        var counters = h.Store.GetCounters(Pixel);
        Assert.Equal((5, 0, 2), (counters.Received, counters.Stored, counters.Invalid));
    }

    [Fact]
    public async Task Events_PartialBatchAccept_StoresValidOnesAndReturns400()
    {
        await using var h = await StartAsync(new SandboxOptions { PartialBatches = PartialBatchMode.Accept });
        var res = await h.PostEventsAsync(Event(id: "a"), Event("REFUND"), Event(id: "b"));
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.Equal(1, (await ReadJsonAsync(res)).GetProperty("event").GetInt32());
        Assert.Equal(2, h.Store.Count(Pixel));
    }

    [Fact]
    public async Task Events_UnknownFields_AreIgnoredAndKept()
    {
        await using var h = await StartAsync();
        var ev = Event();
        ev["something_new"] = new JsonObject { ["x"] = 1 };
        Assert.Equal(HttpStatusCode.OK, (await h.PostEventsAsync(ev)).StatusCode);
        using var doc = h.Store.GetEvents(Pixel)[0].Parse();
        Assert.Equal(1, doc.RootElement.GetProperty("something_new").GetProperty("x").GetInt32());
    }

    [Fact]
    public async Task Events_TestEventCodeAtRootOrPerEvent_NotStoredLiveButLogged()
    {
        await using var h = await StartAsync();
        var body = new JsonObject { ["data"] = new JsonArray(Event(id: "t1")), ["test_event_code"] = "TEST123" }.ToJsonString();
        Assert.Equal(HttpStatusCode.OK, (await h.PostAsync(body)).StatusCode);
        var perEvent = Event(id: "t2");
        perEvent["test_event_code"] = "TEST123";
        Assert.Equal(HttpStatusCode.OK, (await h.PostEventsAsync(perEvent, Event(id: "live"))).StatusCode);
        Assert.Equal(1, h.Store.Count(Pixel));
        var logs = await h.GetJsonAsync($"/v3/{Pixel}/events/validate/logs", Token);
        Assert.Equal(2, logs.GetProperty("logs").GetArrayLength());
        var stats = await h.GetJsonAsync($"/v3/{Pixel}/events/validate/stats", Token);
        Assert.Equal(2, stats.GetProperty("stats").GetProperty("test").GetProperty("event_count_past_hour").GetInt32());
        Assert.Equal(1, stats.GetProperty("stats").GetProperty("live").GetProperty("event_count_past_hour").GetInt32());
    }
}
