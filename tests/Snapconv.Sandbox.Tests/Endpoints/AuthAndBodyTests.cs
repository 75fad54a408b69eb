using System.Net;
using System.Net.Http.Headers;
using System.Text;
using static Snapconv.Sandbox.Tests.SandboxHarness;

namespace Snapconv.Sandbox.Tests.Endpoints;

public sealed class AuthAndBodyTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token")]
    [InlineData(Token2)]
    public async Task Events_MissingUnknownOrNotOwningToken_Returns401AndStoresNothing(string? token)
    {
        await using var h = await StartAsync();
        var res = await h.PostAsync(Batch(Event()), token: token);
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        Assert.Equal("Unauthorized resources", (await ReadJsonAsync(res)).GetProperty("reason").GetString());
        Assert.Equal(0, h.Store.Count(Pixel));
        Assert.Equal(0, h.Store.GetCounters(Pixel).Received);
    }

    [Fact]
    public async Task Events_KnownTokenUnknownPixel_Returns403InvalidPixelIdAndStoresNothing()
    {
        await using var h = await StartAsync();
        var res = await h.PostAsync(Batch(Event()), pixel: "no-such-pixel");
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        Assert.Equal("INVALID_PIXEL_ID", (await ReadJsonAsync(res)).GetProperty("code").GetString());
        Assert.Equal(0, h.Store.Count(Pixel));
    }

    [Fact]
    public async Task Events_BearerHeader_IsAccepted()
    {
        await using var h = await StartAsync();
        using var req = new HttpRequestMessage(HttpMethod.Post, $"/v3/{Pixel}/events")
        { Content = new StringContent(Batch(Event()), Encoding.UTF8, "application/json") };
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var res = await h.Client.SendAsync(req);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal(1, h.Store.Count(Pixel));
    }

    [Fact]
    public async Task Events_QueryAndBearerDiffer_QueryParameterWins()
    {
        await using var h = await StartAsync();
        using var req = new HttpRequestMessage(HttpMethod.Post, $"/v3/{Pixel}/events?access_token=wrong")
        { Content = new StringContent(Batch(Event()), Encoding.UTF8, "application/json") };
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.Client.SendAsync(req)).StatusCode);
    }

    [Fact]
    public async Task Events_ValidBatch_Returns200ValidAndStores()
    {
        await using var h = await StartAsync();
        var res = await h.PostEventsAsync(Event(), Event("PURCHASE"));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var body = await ReadJsonAsync(res);
        Assert.Equal("VALID", body.GetProperty("status").GetString());
        Assert.Equal("Events have been processed successfully.", body.GetProperty("reason").GetString());
        Assert.Equal(2, h.Store.Count(Pixel));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"data\":")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{\"data\":{}}")]
    [InlineData("{\"data\":[]}")]
    public async Task Events_NotJsonOrNotDataArray_Returns400Code003(string body)
    {
        await using var h = await StartAsync();
        var res = await h.PostAsync(body);
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        var json = await ReadJsonAsync(res);
        Assert.Equal("003", json.GetProperty("code").GetString());
        Assert.Equal(0, h.Store.Count(Pixel));
    }

    [Fact]
    public async Task Events_MoreThan2000Events_Returns400TooManyEventsAndStoresNothing()
    {
        await using var h = await StartAsync();
        var events = Enumerable.Range(0, 2001).Select(i => Event(id: "e" + i)).ToArray();
        var res = await h.PostEventsAsync(events);
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.Equal("TOO_MANY_EVENTS", (await ReadJsonAsync(res)).GetProperty("code").GetString());
        Assert.Equal(0, h.Store.Count(Pixel));
    }

    [Fact]
    public async Task Events_Exactly2000Events_AreStored()
    {
        await using var h = await StartAsync();
        var res = await h.PostEventsAsync(Enumerable.Range(0, 2000).Select(i => Event(id: "e" + i)).ToArray());
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal(2000, h.Store.Count(Pixel));
    }

    [Fact]
    public async Task Events_BodyOver16MiB_Returns413AndStoresNothing()
    {
        await using var h = await StartAsync();
        var body = "{\"data\":[{\"pad\":\"" + new string('x', 16 * 1024 * 1024) + "\"}]}";
        var res = await h.PostAsync(body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, res.StatusCode);
        Assert.Equal(0, h.Store.Count(Pixel));
    }

    [Fact]
    public async Task V2Conversion_Any_Returns410WithV3Pointer()
    {
        await using var h = await StartAsync();
        var res = await h.Client.PostAsync("/v2/conversion", new StringContent("[]", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Gone, res.StatusCode);
        var body = await ReadJsonAsync(res);
        Assert.Equal("INVALID", body.GetProperty("status").GetString());
        Assert.Equal("Conversions API v2 is deprecated; use POST /v3/{pixel_id}/events", body.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task RequestLog_AnyRequest_OneLineWithoutToken()
    {
        await using var h = await StartAsync();
        await h.PostEventsAsync(Event());
        await h.PostAsync(Batch(Event()), token: "secret-wrong-token");
        var lines = h.Log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("pixel=pixel-1 events=1 status=200", lines[0]);
        Assert.Contains("status=401", lines[1]);
        Assert.DoesNotContain(Token, h.Log.ToString());
        Assert.DoesNotContain("secret-wrong-token", h.Log.ToString());
    }

    [Fact]
    public async Task Healthz_Always_Returns200()
    {
        await using var h = await StartAsync(new SandboxOptions { FailRate = 1, Seed = 1 });
        Assert.Equal(HttpStatusCode.OK, (await h.Client.GetAsync("/healthz")).StatusCode);
    }
}
