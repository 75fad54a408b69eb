using System.Net;
using System.Text.Json.Nodes;
using static Snapconv.Sandbox.Tests.SandboxHarness;

namespace Snapconv.Sandbox.Tests.Dedup;

public sealed class DedupTests
{
    [Theory]
    [InlineData("ADD_CART", 1, 1)]
    [InlineData("ADD_CART", 2, 2)]
    [InlineData("PAGE_VIEW", 1, 1)]
    [InlineData("PAGE_VIEW", 2, 2)]
    [InlineData("SIGN_UP", 48 * 3600, 1)]
    [InlineData("SIGN_UP", 48 * 3600 + 1, 2)]
    [InlineData("PURCHASE", 48 * 3600, 1)]
    [InlineData("PURCHASE", 48 * 3600 + 1, 2)]
    public async Task Dedup_SameIdApartBySeconds_KeepsExpectedCount(string name, long apart, int expected)
    {
        await using var h = await StartAsync();
        var t = Now - 3 * 86_400L;
        Assert.Equal(HttpStatusCode.OK, (await h.PostEventsAsync(Event(name, t, "dup-1"))).StatusCode);
        var res = await h.PostEventsAsync(Event(name, t + apart, "dup-1"));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("VALID", (await ReadJsonAsync(res)).GetProperty("status").GetString());
        Assert.Equal(expected, h.Store.Count(Pixel));
        Assert.Equal(2 - expected, h.Store.GetCounters(Pixel).Duplicates);
    }

    [Theory]
    [InlineData(30 * 86_400L, 1)]
    [InlineData(30 * 86_400L + 1, 2)]
    public async Task Dedup_PurchaseWithOrderId_Uses30DayWindow(long apart, int expected)
    {
        await using var h = await StartAsync();
        var t = Now - 40 * 86_400L;
        JsonObject P(long time)
        {
            var e = Event("PURCHASE", time, "ord-9");
            e["custom_data"]!["order_id"] = "ord-9";
            return e;
        }
        await h.PostEventsAsync(P(t));
        await h.PostEventsAsync(P(t + apart));
        Assert.Equal(expected, h.Store.Count(Pixel));
    }

    [Fact]
    public async Task Dedup_PurchaseSameOrderIdDifferentEventId_IsDuplicate()
    {
        await using var h = await StartAsync();
        var a = Event("PURCHASE", Now - 10 * 86_400L, "evt-a");
        a["custom_data"]!["order_id"] = "ord-1";
        var b = Event("PURCHASE", Now - 86_400L, "evt-b");
        b["custom_data"]!["transaction_id"] = "ord-1";
        await h.PostEventsAsync(a);
        await h.PostEventsAsync(b);
        Assert.Equal(1, h.Store.Count(Pixel));
        Assert.Equal(1, h.Store.GetCounters(Pixel).Duplicates);
    }

    [Fact]
    public async Task Dedup_ClientDedupIdWithoutEventId_IsTheKey()
    {
        await using var h = await StartAsync();
        JsonObject E() { var e = Event(); e["client_dedup_id"] = "c-1"; return e; }
        await h.PostEventsAsync(E(), E());
        Assert.Equal(1, h.Store.Count(Pixel));
    }

    [Fact]
    public async Task Dedup_NoIdOrDifferentName_NeverDuplicates()
    {
        await using var h = await StartAsync();
        await h.PostEventsAsync(Event(), Event(), Event("SIGN_UP", id: "x"), Event("SUBSCRIBE", id: "x"));
        Assert.Equal(4, h.Store.Count(Pixel));
    }

    [Fact]
    public async Task Dedup_Duplicate_MergesMissingKeysIntoFirst()
    {
        await using var h = await StartAsync();
        var first = Event(id: "m-1");
        first["custom_data"] = new JsonObject { ["event_tag"] = "in-store" };
        var second = Event(id: "m-1");
        second["user_data"] = new JsonObject { ["em"] = new JsonArray("0000000000000000000000000000000000000000000000000000000000000000"), ["ph"] = new JsonArray(Ph) };
        second["custom_data"] = new JsonObject { ["event_tag"] = "other", ["value"] = 5, ["currency"] = "EUR" };
        await h.PostEventsAsync(first);
        await h.PostEventsAsync(second);
        var page = await h.GetJsonAsync($"/sandbox/pixels/{Pixel}/events");
        Assert.Equal(1, page.GetProperty("total").GetInt32());
        var merged = page.GetProperty("events")[0].GetProperty("event");
        Assert.Equal(Em, merged.GetProperty("user_data").GetProperty("em")[0].GetString());
        Assert.Equal(Ph, merged.GetProperty("user_data").GetProperty("ph")[0].GetString());
        Assert.Equal("in-store", merged.GetProperty("custom_data").GetProperty("event_tag").GetString());
        Assert.Equal(5, merged.GetProperty("custom_data").GetProperty("value").GetInt32());
        var stats = await h.GetJsonAsync($"/sandbox/pixels/{Pixel}/stats");
        Assert.Equal(5m, stats.GetProperty("breakdown")[0].GetProperty("value_by_currency").GetProperty("EUR").GetDecimal());
        Assert.Equal(1, stats.GetProperty("duplicates").GetInt32());
    }

    [Fact]
    public async Task Dedup_ArrivalClock_ComparesInjectedClockNotEventTime()
    {
        await using var h = await StartAsync(new SandboxOptions { DedupClock = DedupClock.Arrival });
        // Event times a day apart, but they arrive within a second: duplicates under the arrival clock.
        await h.PostEventsAsync(Event("ADD_CART", Now - 86_400L, "a-1"));
        h.Clock.Advance(TimeSpan.FromMilliseconds(900));
        await h.PostEventsAsync(Event("ADD_CART", Now - 3600, "a-1"));
        Assert.Equal(1, h.Store.Count(Pixel));
        h.Clock.Advance(TimeSpan.FromSeconds(2));
        await h.PostEventsAsync(Event("ADD_CART", Now - 86_400L, "a-1"));
        Assert.Equal(2, h.Store.Count(Pixel));
    }

    [Fact]
    public async Task Dedup_SameKeyWithinOneBatch_KeepsFirst()
    {
        await using var h = await StartAsync();
        var a = Event(id: "b-1");
        var b = Event(id: "b-1");
        b["event_tag"] = "second";
        await h.PostEventsAsync(a, b);
        Assert.Equal(1, h.Store.Count(Pixel));
        using var doc = h.Store.GetEvents(Pixel)[0].Parse();
        Assert.False(doc.RootElement.TryGetProperty("event_tag", out _));
    }

    [Fact]
    public async Task Dedup_DuplicateByOrderOnly_LeavesNoIndexEntryForItsOwnEventId()
    {
        // Regression (perf: find and add share one lookup): the event id of an event dropped as an order
        // duplicate must not stay indexed, or a later event with that id would be compared with a wrong event.
        await using var h = await StartAsync();
        var t = Now - 10 * 86_400L;
        var a = Event("PURCHASE", t, "evt-a");
        a["custom_data"]!["order_id"] = "ord-1";
        var b = Event("PURCHASE", t, "evt-b");
        b["custom_data"]!["order_id"] = "ord-1";
        var c = Event("PURCHASE", t, "evt-b");
        c["custom_data"]!["order_id"] = "ord-2";
        await h.PostEventsAsync(a);
        await h.PostEventsAsync(b);
        Assert.Equal(1, h.Store.Count(Pixel));
        await h.PostEventsAsync(c);
        Assert.Equal(2, h.Store.Count(Pixel));
        var d = Event("PURCHASE", t, "evt-b");
        d["custom_data"]!["order_id"] = "ord-3";
        await h.PostEventsAsync(d);
        Assert.Equal(2, h.Store.Count(Pixel));
        Assert.Equal(2, h.Store.GetCounters(Pixel).Duplicates);
    }
}
