using System.Net;
using Microsoft.Extensions.Time.Testing;
using static Snapconv.Sandbox.Tests.SandboxHarness;

namespace Snapconv.Sandbox.Tests.Store;

public sealed class SqliteStoreTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"snapconv-sandbox-{Guid.NewGuid():N}.db");

    [Fact]
    public async Task SqliteStore_Restart_ReloadsEventsAndDedupIndex()
    {
        var options = new SandboxOptions { DbPath = _path };
        await using (var h = await StartAsync(options))
        {
            Assert.Equal(HttpStatusCode.OK, (await h.PostEventsAsync(Event(id: "s1"), Event("PURCHASE", id: "s2"))).StatusCode);
            var dup = Event(id: "s1");
            dup["user_data"]!["ph"] = new System.Text.Json.Nodes.JsonArray(Ph);
            await h.PostEventsAsync(dup);
        }
        await using (var h = await StartAsync(options, new FakeTimeProvider(Start.AddMinutes(5))))
        {
            var events = h.Store.GetEvents(Pixel);
            Assert.Equal(2, events.Count);
            Assert.Equal(Start, events[0].ReceivedAt);
            using (var first = events[0].Parse())
                Assert.Equal(Ph, first.RootElement.GetProperty("user_data").GetProperty("ph")[0].GetString());
            await h.PostEventsAsync(Event(id: "s1"), Event(id: "s3"));
            Assert.Equal(3, h.Store.Count(Pixel));
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in new[] { _path, _path + "-wal", _path + "-shm" })
            if (File.Exists(f)) File.Delete(f);
    }
}
