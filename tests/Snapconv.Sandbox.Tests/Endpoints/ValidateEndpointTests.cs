using System.Net;
using System.Text.Json.Nodes;
using static Snapconv.Sandbox.Tests.SandboxHarness;

namespace Snapconv.Sandbox.Tests.Endpoints;

public sealed class ValidateEndpointTests
{
    [Fact]
    public async Task Validate_OldAndFutureEvents_WarnPerEventTimeRules()
    {
        await using var h = await StartAsync();
        var day = 86_400L;
        var body = Batch(
            Event(time: Now - 63 * day),
            Event(time: Now - 38 * day),
            Event(time: Now + 11 * 60),
            Event(time: Now - 60));
        var res = await h.PostAsync(body, "events/validate");
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var json = await ReadJsonAsync(res);
        Assert.True(json.GetProperty("test_event").GetBoolean());
        Assert.Equal("VALID", json.GetProperty("status").GetString());
        Assert.Equal("Events have been processed successfully.", json.GetProperty("reason").GetString());
        var logs = json.GetProperty("event_logs").EnumerateArray().ToArray();
        Assert.Equal(4, logs.Length);
        string[] Warnings(int i) => logs[i].TryGetProperty("warnings", out var w)
            ? w.EnumerateArray().Select(x => x.GetString()!).ToArray() : [];
        Assert.Equal(["EVENT_TIME_NOT_ATTRIBUTABLE: event_time is more than 37 days old", "EVENT_TIME_TOO_OLD: event_time is more than 62 days old"], Warnings(0));
        Assert.Equal(["EVENT_TIME_NOT_ATTRIBUTABLE: event_time is more than 37 days old"], Warnings(1));
        Assert.Equal(["EVENT_TIME_IN_FUTURE: event_time is more than 10 minutes in the future"], Warnings(2));
        Assert.Empty(Warnings(3));
        Assert.Equal(0, h.Store.Count(Pixel));
    }

    [Fact]
    public async Task Validate_WarningsFollowInjectedClock()
    {
        await using var h = await StartAsync();
        var body = Batch(Event(time: Now - 36 * 86_400L));
        var first = await ReadJsonAsync(await h.PostAsync(body, "events/validate"));
        Assert.False(first.GetProperty("event_logs")[0].TryGetProperty("warnings", out _));
        h.Clock.Advance(TimeSpan.FromDays(2));
        var second = await ReadJsonAsync(await h.PostAsync(body, "events/validate"));
        Assert.Equal(1, second.GetProperty("event_logs")[0].GetProperty("warnings").GetArrayLength());
    }

    [Fact]
    public async Task Validate_InvalidEvent_Returns400WithEveryEventLogged()
    {
        await using var h = await StartAsync();
        var bad = Event();
        bad.Remove("event_time");
        var res = await h.PostAsync(Batch(Event(), bad), "events/validate");
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        var json = await ReadJsonAsync(res);
        Assert.Equal("INVALID", json.GetProperty("status").GetString());
        Assert.True(json.GetProperty("test_event").GetBoolean());
        var logs = json.GetProperty("event_logs");
        Assert.Equal("VALID", logs[0].GetProperty("status").GetString());
        Assert.Equal("INVALID", logs[1].GetProperty("status").GetString());
        Assert.Equal("502", logs[1].GetProperty("errors").GetProperty("codes")[0].GetString());
    }

    [Fact]
    public async Task ValidateLogsAndStats_AfterValidate_ShowTestTrafficOnly()
    {
        await using var h = await StartAsync();
        var ev = Event("purchase", time: Now - 63 * 86_400L);
        ev["integration"] = "snapconv";
        ev["custom_data"] = new JsonObject { ["value"] = "10", ["currency"] = "USD" };
        await h.PostAsync(Batch(ev, Event("REFUND")), "events/validate");
        await h.PostEventsAsync(Event());
        var logs = await h.GetJsonAsync($"/v3/{Pixel}/events/validate/logs?access_token={Token}");
        Assert.Equal("SUCCESS", logs.GetProperty("status").GetString());
        var entries = logs.GetProperty("logs");
        Assert.Equal(2, entries.GetArrayLength());
        var e0 = entries[0];
        Assert.Equal("PURCHASE", e0.GetProperty("event_name").GetString());
        Assert.Equal("purchase", e0.GetProperty("raw_event_name").GetString());
        Assert.Equal((Now - 63 * 86_400L).ToString(System.Globalization.CultureInfo.InvariantCulture), e0.GetProperty("event_time").GetString());
        Assert.Equal("OFFLINE", e0.GetProperty("action_source").GetString());
        Assert.Equal("VALID", e0.GetProperty("status").GetString());
        Assert.Equal("snapconv", e0.GetProperty("integration").GetString());
        Assert.Equal(Pixel, e0.GetProperty("asset_id").GetString());
        Assert.Equal(2, e0.GetProperty("warning_records").GetArrayLength());
        Assert.Equal(Pixel, e0.GetProperty("event_metadata").GetProperty("pixel_id").GetString());
        Assert.Equal("USD", e0.GetProperty("event_metadata").GetProperty("conversion_info").GetProperty("currency").GetString());
        Assert.Equal("INVALID", entries[1].GetProperty("status").GetString());
        Assert.StartsWith("INVALID_EVENT_NAME: ", entries[1].GetProperty("error_records")[0].GetString());

        var stats = (await h.GetJsonAsync($"/v3/{Pixel}/events/validate/stats", Token)).GetProperty("stats");
        Assert.Equal(2, stats.GetProperty("test").GetProperty("event_count_past_hour").GetInt32());
        Assert.Equal(Now, stats.GetProperty("test").GetProperty("latest_event_ts").GetInt64());
        Assert.Equal(1, stats.GetProperty("live").GetProperty("event_count_past_hour").GetInt32());

        h.Clock.Advance(TimeSpan.FromHours(2));
        stats = (await h.GetJsonAsync($"/v3/{Pixel}/events/validate/stats", Token)).GetProperty("stats");
        Assert.Equal(0, stats.GetProperty("test").GetProperty("event_count_past_hour").GetInt32());
        Assert.Equal(0, stats.GetProperty("live").GetProperty("event_count_past_hour").GetInt32());

        h.Clock.Advance(TimeSpan.FromHours(23));
        logs = await h.GetJsonAsync($"/v3/{Pixel}/events/validate/logs", Token);
        Assert.Equal(0, logs.GetProperty("logs").GetArrayLength());
    }

    [Fact]
    public async Task ValidateLogs_EventWithoutIntegrationOrName_StringsOrAbsentNeverNull()
    {
        // #15: GetLogsResponse in Snap's v3 OpenAPI types error_records and warning_records as arrays of strings and
        // integration as a string; a null there broke clients generated from it.
        await using var h = await StartAsync();
        var nameless = Event(time: Now - 40 * 86_400L);
        nameless.Remove("event_name");
        nameless.Remove("action_source");
        await h.PostAsync(Batch(Event(), nameless), "events/validate");
        var entries = (await h.GetJsonAsync($"/v3/{Pixel}/events/validate/logs", Token)).GetProperty("logs");
        Assert.Equal(2, entries.GetArrayLength());
        foreach (var entry in entries.EnumerateArray())
        {
            foreach (var p in entry.EnumerateObject())
                Assert.True(p.Value.ValueKind != System.Text.Json.JsonValueKind.Null, $"{p.Name} is null");
            Assert.False(entry.TryGetProperty("integration", out _), "an event without integration has none in its log");
            foreach (var key in new[] { "error_records", "warning_records" })
                Assert.All(entry.GetProperty(key).EnumerateArray(), r => Assert.Equal(System.Text.Json.JsonValueKind.String, r.ValueKind));
        }
        Assert.Equal(0, entries[0].GetProperty("error_records").GetArrayLength());
        var invalid = entries[1];
        Assert.Equal("INVALID", invalid.GetProperty("status").GetString());
        Assert.False(invalid.TryGetProperty("event_name", out _));
        Assert.Contains(invalid.GetProperty("error_records").EnumerateArray(), r => r.GetString()!.StartsWith("MISSING_EVENT_NAME: ", StringComparison.Ordinal));
        Assert.Contains(invalid.GetProperty("warning_records").EnumerateArray(), r => r.GetString()!.StartsWith("EVENT_TIME_NOT_ATTRIBUTABLE: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ValidateLogs_WithoutToken_Returns401()
    {
        await using var h = await StartAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.Client.GetAsync($"/v3/{Pixel}/events/validate/logs")).StatusCode);
    }
}
