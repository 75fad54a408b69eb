using Npgsql;
using Snapconv.Postgres.State;
using Snapconv.State;

namespace Snapconv.Postgres.Tests.State;

[Collection(PostgresCollection.Name)]
public sealed class PostgresStateStoreTests(PostgresFixture pg)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 3, 10, 0, 0, TimeSpan.Zero);

    [SkippableFact]
    public async Task TwoNodes_ShareOneHistory_EachRunNamesItsNode_AndANodeClosesOnlyItsOwnOpenRuns()
    {
        var a = pg.NewStore("node-a");
        await using var b = await pg.OpenStoreAsync(a.Options.Schema, "node-b");
        await using var storeA = a.OpenStateStore();
        await using var storeB = b.OpenStateStore();
        var runA = await storeA.StartRunAsync(new RunStart { Job = "shop", Node = "node-a", StartedAt = T0 });
        var runB = await storeB.StartRunAsync(new RunStart { Job = "shop", Node = "node-b", StartedAt = T0.AddSeconds(1) });
        Assert.True(runB > runA);

        // node-a restarts after a crash: only its own open run is closed as interrupted.
        Assert.Equal(1, await storeA.CloseOpenRunsAsync("node-a", T0.AddMinutes(1)));
        var seenByB = await storeB.ListRunsAsync("shop", 10);
        Assert.Equal([("node-b", (string?)null), ("node-a", RunOutcomes.Interrupted)], seenByB.Select(r => (r.Node, r.Outcome)));
        Assert.Equal([runB], (await storeA.ListOpenRunsAsync()).Select(r => r.Id));
    }

    [SkippableFact]
    public async Task AppendLog_FromTwoNodesAtOnce_SeqNumbersFollowOn_NoneLost()
    {
        var a = pg.NewStore("node-a");
        await using var b = await pg.OpenStoreAsync(a.Options.Schema, "node-b");
        await using var storeA = a.OpenStateStore();
        await using var storeB = b.OpenStateStore();
        var run = await storeA.StartRunAsync(new RunStart { Job = "shop", Node = "node-a", StartedAt = T0 });
        async Task AppendAsync(IStateStore store, string step)
        {
            await Task.Yield();
            for (var i = 0; i < 40; i++)
                await store.AppendLogAsync(run, [new RunLogEntry(T0.AddSeconds(i), "info", step, $"{step} {i} a"), new RunLogEntry(T0.AddSeconds(i), "info", step, $"{step} {i} b")]);
        }
        await Task.WhenAll(Task.Run(() => AppendAsync(storeA, "a")), Task.Run(() => AppendAsync(storeB, "b")));
        var lines = await storeA.ReadLogAsync(run);
        Assert.Equal(Enumerable.Range(1, 160).Select(i => (long)i), lines.Select(l => l.Seq));
        // Each append's two lines stay next to each other.
        for (var i = 0; i < lines.Count; i += 2)
        {
            Assert.EndsWith(" a", lines[i].Message, StringComparison.Ordinal);
            Assert.Equal(lines[i].Message[..^2] + " b", lines[i + 1].Message);
        }
    }

    [SkippableFact]
    public async Task Unreachable_IsAStateStoreException_NamingTheStore_NeverThePassword()
    {
        pg.Require();
        var options = new PostgresStoreOptions { ConnectionString = $"Host=127.0.0.1;Port={PostgresServer.FreePort()};Username=snap;Password=hunter2;Database=app;Timeout=2" };
        await using var db = NpgsqlDataSource.Create(options.ConnectionString);
        await using var store = new PostgresStateStore(db, "snapconv", "postgresql://snap@127.0.0.1/app (schema snapconv)");
        var e = await Assert.ThrowsAsync<StateStoreException>(() => store.ListJobsAsync());
        Assert.StartsWith("the state store postgresql://snap@127.0.0.1/app (schema snapconv) failed: ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Display_NamesUserHostDatabaseAndSchema_WithoutThePassword()
    {
        var store = pg.NewStore();
        var withPassword = new NpgsqlConnectionStringBuilder(pg.ConnectionString) { Password = "hunter2" }.ConnectionString;
        await using var opened = await PostgresStore.OpenAsync(store.Options with { ConnectionString = withPassword }, CancellationToken.None);
        Assert.Equal($"postgresql://snap@127.0.0.1:{pg.Server.Port}/postgres (schema {store.Options.Schema})", opened.Display);
    }
}
