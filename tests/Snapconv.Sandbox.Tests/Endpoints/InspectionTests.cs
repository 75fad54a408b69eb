using System.Net;
using System.Text.Json.Nodes;
using static Snapconv.Sandbox.Tests.SandboxHarness;

namespace Snapconv.Sandbox.Tests.Endpoints;

public sealed class InspectionTests
{
    [Fact]
    public async Task InspectionEvents_Paging_OldestFirstWithDefaultsAndMax()
    {
        await using var h = await StartAsync();
        await h.PostEventsAsync(Enumerable.Range(0, 150).Select(i => Event(id: "p" + i)).ToArray());
        h.Clock.Advance(TimeSpan.FromSeconds(10));
        await h.PostEventsAsync(Event(id: "last"));

        var page = await h.GetJsonAsync($"/sandbox/pixels/{Pixel}/events");
        Assert.Equal(Pixel, page.GetProperty("pixel_id").GetString());
        Assert.Equal(151, page.GetProperty("total").GetInt32());
        Assert.Equal(0, page.GetProperty("offset").GetInt32());
        Assert.Equal(100, page.GetProperty("limit").GetInt32());
        Assert.Equal(100, page.GetProperty("events").GetArrayLength());
        Assert.Equal("p0", page.GetProperty("events")[0].GetProperty("event").GetProperty("event_id").GetString());
        Assert.Equal(Now, page.GetProperty("events")[0].GetProperty("received_at").GetInt64());

        page = await h.GetJsonAsync($"/sandbox/pixels/{Pixel}/events?offset=149&limit=50000");
        Assert.Equal(10_000, page.GetProperty("limit").GetInt32());
        var events = page.GetProperty("events");
        Assert.Equal(2, events.GetArrayLength());
        Assert.Equal("last", events[1].GetProperty("event").GetProperty("event_id").GetString());
        Assert.Equal(Now + 10, events[1].GetProperty("received_at").GetInt64());
    }

    [Theory]
    [InlineData("limit=-1")]
    [InlineData("offset=x")]
    public async Task InspectionEvents_BadPaging_Returns400(string query)
    {
        await using var h = await StartAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await h.Client.GetAsync($"/sandbox/pixels/{Pixel}/events?{query}")).StatusCode);
    }

    [Fact]
    public async Task Inspection_UnknownPixel_Returns404()
    {
        await using var h = await StartAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await h.Client.GetAsync("/sandbox/pixels/nope/events")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await h.Client.GetAsync("/sandbox/pixels/nope/stats")).StatusCode);
    }

    [Fact]
    public async Task InspectionStats_Breakdowns_SplitOfflineAndWeb()
    {
        await using var h = await StartAsync(new SandboxOptions { PartialBatches = PartialBatchMode.Accept });
        var p1 = Event("PURCHASE", id: "1", source: "physical_store");
        var p2 = Event("PURCHASE", id: "2", source: "phone_call");
        p2["custom_data"] = new JsonObject { ["value"] = "0.01", ["currency"] = "USD" };
        var p3 = Event("PURCHASE", id: "3");
        p3["custom_data"] = new JsonObject { ["value"] = 10, ["currency"] = "EUR" };
        var web = Event("PAGE_VIEW", id: "4", source: "WEB");
        web["user_data"] = new JsonObject { ["client_ip_address"] = "1.2.3.4", ["client_user_agent"] = "UA" };
        await h.PostEventsAsync(p1, p2, p3, web, Event("SIGN_UP", id: "5", source: "email"), Event("REFUND"));
        await h.PostEventsAsync(Event("SIGN_UP", id: "5", source: "email"));

        var s = await h.GetJsonAsync($"/sandbox/pixels/{Pixel}/stats?conversion_source_types=offline,web,total_off_platform,total");
        Assert.Equal(7, s.GetProperty("received").GetInt32());
        Assert.Equal(5, s.GetProperty("stored").GetInt32());
        Assert.Equal(1, s.GetProperty("duplicates").GetInt32());
        Assert.Equal(1, s.GetProperty("invalid").GetInt32());
        Assert.Equal(3, s.GetProperty("by_event_name").GetProperty("PURCHASE").GetInt32());
        Assert.Equal(0.8, s.GetProperty("match_keys").GetDouble(), 6);
        Assert.Equal(0.8, s.GetProperty("coverage").GetDouble(), 6);
        var b = s.GetProperty("breakdown");
        Assert.Equal(4, b.GetArrayLength());
        Assert.Equal("offline", b[0].GetProperty("conversion_source_type").GetString());
        Assert.Equal(4, b[0].GetProperty("total").GetInt32());
        Assert.Equal(100.00m, b[0].GetProperty("value_by_currency").GetProperty("USD").GetDecimal());
        Assert.Equal(10m, b[0].GetProperty("value_by_currency").GetProperty("EUR").GetDecimal());
        Assert.Equal("web", b[1].GetProperty("conversion_source_type").GetString());
        Assert.Equal(1, b[1].GetProperty("total").GetInt32());
        Assert.Equal(1, b[1].GetProperty("by_event_name").GetProperty("PAGE_VIEW").GetInt32());
        Assert.Equal(5, b[2].GetProperty("total").GetInt32());
        Assert.Equal(5, b[3].GetProperty("total").GetInt32());
        Assert.Equal(4, s.GetProperty("total").GetInt32());

        var d = await h.GetJsonAsync($"/sandbox/pixels/{Pixel}/stats");
        Assert.Equal("total", d.GetProperty("breakdown")[0].GetProperty("conversion_source_type").GetString());
        Assert.Equal(5, d.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task InspectionStats_UnknownType_Returns400()
    {
        await using var h = await StartAsync();
        Assert.Equal(HttpStatusCode.BadRequest,
            (await h.Client.GetAsync($"/sandbox/pixels/{Pixel}/stats?conversion_source_types=app")).StatusCode);
    }
}
