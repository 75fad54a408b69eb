using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Snapconv.Delivery.Ledger;
using Snapconv.Postgres.Ledger;

namespace Snapconv.Postgres.Tests.Ledger;

[Collection(PostgresCollection.Name)]
public sealed class PostgresDeliveryLedgerTests(PostgresFixture pg)
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    private static EventKey Key(int i) => new((UInt128)i * 0x9E3779B97F4A7C15UL + 1);
    private static EventKey[] Keys(int from, int count) => Enumerable.Range(from, count).Select(Key).ToArray();

    private static (long? Id, ClaimOutcome[] Outcomes) Claim(IDeliveryLedger ledger, IReadOnlyList<EventKey> keys)
    {
        var outcomes = new ClaimOutcome[keys.Count];
        return (ledger.ClaimBatch(keys, outcomes), outcomes);
    }

    /// <summary>Ends the server process of the session's first connection, as when a node's connection is cut or it is killed.</summary>
    private async Task CutFirstConnectionAsync(PostgresDeliveryLedger ledger)
    {
        await using var db = pg.DataSource();
        await using var c = db.CreateCommand("SELECT pg_terminate_backend(@p, 10000)");
        // Waits (bounded) until the server process has ended.
        c.Parameters.AddWithValue("p", ledger.BackendPid);
        Assert.Equal(true, await c.ExecuteScalarAsync());
    }

    private static void AssertClaimsAll(IDeliveryLedger ledger, IReadOnlyList<EventKey> keys)
    {
        var (id, outcomes) = Claim(ledger, keys);
        Assert.NotNull(id);
        Assert.All(outcomes, o => Assert.Equal(ClaimOutcome.Claimed, o));
    }

    [SkippableFact]
    public async Task SessionCutByTheServer_ThrowsSessionLost_AndTheOtherNodeResendsItsBatchInFlight()
    {
        var store = pg.NewStore();
        using var survivor = store.OpenDeliveryLedger(_clock);
        var cut = (PostgresDeliveryLedger)store.OpenDeliveryLedger(_clock);
        var (inFlight, _) = Claim(cut, Keys(0, 20));
        Assert.All(Claim(survivor, Keys(0, 20)).Outcomes, o => Assert.Equal(ClaimOutcome.HeldElsewhere, o));
        await CutFirstConnectionAsync(cut);
        Assert.Throws<LedgerSessionLostException>(() => cut.AcknowledgeBatch(inFlight!.Value));
        Assert.Throws<LedgerSessionLostException>(() => Claim(cut, Keys(20, 5)));
        cut.Dispose();
        AssertClaimsAll(survivor, Keys(0, 20));
    }

    [SkippableFact]
    public async Task ClaimBatch_OnTheSecondConnection_AfterTheFirstWasCut_ThrowsSessionLost_AndClaimsNothing()
    {
        // #19: a session writes on two connections; its liveness is the owner lock its first one holds.
        var store = pg.NewStore();
        using var survivor = store.OpenDeliveryLedger(_clock);
        var ledger = (PostgresDeliveryLedger)store.OpenDeliveryLedger(_clock);
        using (ledger.HoldLane())
        {
            var (id, outcomes) = Claim(ledger, Keys(0, 10));
            Assert.NotNull(id);
            Assert.All(outcomes, o => Assert.Equal(ClaimOutcome.Claimed, o));
            Assert.Equal(2, ledger.LaneCount);
        }
        await CutFirstConnectionAsync(ledger);
        // The first connection's lane is the cut one: hold it, so the claim goes to the second, still connected.
        using (ledger.HoldLane())
        {
            Assert.Throws<LedgerSessionLostException>(() => Claim(ledger, Keys(10, 10)));
        }
        Assert.Throws<LedgerSessionLostException>(() => Claim(ledger, Keys(20, 10)));
        ledger.Dispose();
        // Nothing of the refused claim was recorded; the batch the cut session had in flight is any node's now.
        AssertClaimsAll(survivor, Keys(0, 20));
    }

    [SkippableFact]
    public async Task ClaimBatch_RowAnotherClaimerIsDecidingOn_IsHeldElsewhere_WithoutWaiting()
    {
        var store = pg.NewStore();
        using (var first = store.OpenDeliveryLedger(_clock))
            first.FailBatch(Claim(first, Keys(0, 4)).Id!.Value);
        await using var db = pg.DataSource();
        await using var other = await db.OpenConnectionAsync();
        await using var tx = await other.BeginTransactionAsync();
        await using (var c = new NpgsqlCommand($"SELECT 1 FROM \"{store.Options.Schema}\".ledger_events WHERE key = @k FOR UPDATE", other, tx))
        {
            c.Parameters.AddWithValue("k", PostgresDeliveryLedger.ToUuid(Key(1)));
            await c.ExecuteNonQueryAsync();
        }
        using var ledger = store.OpenDeliveryLedger(_clock);
        var (_, outcomes) = await Task.Run(() => Claim(ledger, Keys(0, 4))).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([ClaimOutcome.Claimed, ClaimOutcome.HeldElsewhere, ClaimOutcome.Claimed, ClaimOutcome.Claimed], outcomes);
        await tx.RollbackAsync();
    }

    [SkippableFact]
    public void ClaimBatch_KeyRejectedInAnotherLiveSessionsBatchInFlight_IsHeldElsewhere()
    {
        // A split's rejected event may still be confirmed on its own by its owner: not another node's to send.
        var store = pg.NewStore();
        using var a = store.OpenDeliveryLedger(_clock);
        using var b = store.OpenDeliveryLedger(_clock);
        var (id, _) = Claim(a, Keys(0, 2));
        a.SetEvents(id!.Value, Keys(0, 1), LedgerState.Rejected);
        Assert.Equal([ClaimOutcome.HeldElsewhere, ClaimOutcome.HeldElsewhere], Claim(b, Keys(0, 2)).Outcomes);
    }

    [SkippableFact]
    public async Task ClaimBatch_ReRunOfAcknowledgedKeys_LooksThemUpByPrimaryKey_WithoutScanningTheLedger()
    {
        // #19: a freshly filled ledger_events has no statistics, and a join of a batch's keys to it ran as a
        // sequential scan of every recorded key, once a batch (a re-run of 1M keys: 40–100 µs a key).
        var store = pg.NewStore();
        using (var first = store.OpenDeliveryLedger(_clock))
            for (var i = 0; i < 10; i++) first.AcknowledgeBatch(Claim(first, Keys(i * 1_000, 1_000)).Id!.Value);
        await using var db = pg.DataSource();
        var before = await RowsReadBySequentialScanAsync(db, store);
        var rerun = (PostgresDeliveryLedger)store.OpenDeliveryLedger(_clock);
        var pid = rerun.BackendPid;
        using (rerun)
        {
            for (var i = 0; i < 3; i++)
            {
                var (id, outcomes) = Claim(rerun, Keys(i * 1_000, 1_000));
                Assert.Null(id);
                Assert.All(outcomes, o => Assert.Equal(ClaimOutcome.Acknowledged, o));
            }
        }
        // A server process reports its table counters when it ends: wait (bounded) for the re-run's to end.
        await using (var c = db.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE pid = @p"))
        {
            c.Parameters.AddWithValue("p", pid);
            for (var i = 0; i < 100 && (long)(await c.ExecuteScalarAsync())! > 0; i++) await Task.Delay(100);
            Assert.Equal(0L, (long)(await c.ExecuteScalarAsync())!);
        }
        // Opening a session reads one row (are there events?); one scan of the ledger would read 10,000.
        Assert.InRange(await RowsReadBySequentialScanAsync(db, store) - before, 0, 10);
    }

    private static async Task<long> RowsReadBySequentialScanAsync(NpgsqlDataSource db, PostgresStore store)
    {
        await using var c = db.CreateCommand("SELECT COALESCE(seq_tup_read, 0) FROM pg_stat_user_tables WHERE schemaname = @s AND relname = 'ledger_events'");
        c.Parameters.AddWithValue("s", store.Options.Schema);
        return (long)(await c.ExecuteScalarAsync())!;
    }

    [SkippableFact]
    public async Task Keys_AreStoredAsTheirSixteenBytes_AndNothingOfTheEvent()
    {
        var store = pg.NewStore();
        using (var ledger = store.OpenDeliveryLedger(_clock))
            ledger.AcknowledgeBatch(ledger.BeginBatch([Key(7)]));
        await using var db = pg.DataSource();
        await using var c = db.CreateCommand($"SELECT replace(key::text, '-', ''), batch, state FROM \"{store.Options.Schema}\".ledger_events");
        await using var r = await c.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());
        Assert.Equal(Convert.ToHexStringLower(Key(7).ToBytes()), r.GetString(0));
        Assert.True(r.IsDBNull(2));
        Assert.False(await r.ReadAsync());
    }

    [SkippableFact]
    public async Task RecordFile_SameFingerprintTwice_IsOneRow_WithTheLaterTimes()
    {
        var store = pg.NewStore();
        var hash = System.Security.Cryptography.SHA256.HashData("file"u8);
        using (var ledger = store.OpenDeliveryLedger(_clock))
        {
            ledger.RecordFile("/data/a.csv", 10, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), hash);
            _clock.Advance(TimeSpan.FromMinutes(5));
            ledger.RecordFile("/data/a.csv", 10, DateTimeOffset.FromUnixTimeSeconds(1_700_000_060), hash);
        }
        await using var db = pg.DataSource();
        await using var c = db.CreateCommand($"SELECT count(*), max(mtime), max(seen_at) FROM \"{store.Options.Schema}\".ledger_files");
        await using var r = await c.ExecuteReaderAsync();
        Assert.True(await r.ReadAsync());
        Assert.Equal(1, r.GetInt64(0));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_060), r.GetFieldValue<DateTimeOffset>(1));
        Assert.Equal(_clock.GetUtcNow(), r.GetFieldValue<DateTimeOffset>(2));
    }

    [SkippableFact]
    public void HasEvents_IsReadWhenTheSessionOpens()
    {
        var store = pg.NewStore();
        using var a = store.OpenDeliveryLedger(_clock);
        Assert.False(a.HasEvents);
        a.AcknowledgeBatch(a.BeginBatch(Keys(0, 3)));
        using var b = store.OpenDeliveryLedger(_clock);
        Assert.True(b.HasEvents);
        Assert.False(a.HasEvents);
    }
}
