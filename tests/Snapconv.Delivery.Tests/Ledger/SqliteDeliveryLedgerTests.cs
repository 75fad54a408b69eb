using Microsoft.Extensions.Time.Testing;
using Snapconv.Delivery.Ledger;

namespace Snapconv.Delivery.Tests.Ledger;

public sealed class SqliteDeliveryLedgerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("snapconv-ledger-").FullName;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    private static EventKey Key(int i) => new((UInt128)i * 0x9E3779B97F4A7C15UL + 1);
    private static EventKey[] Keys(int from, int count) => Enumerable.Range(from, count).Select(Key).ToArray();

    private bool[] Lookup(SqliteDeliveryLedger ledger, EventKey[] keys)
    {
        var found = new bool[keys.Length];
        ledger.FindAcknowledged(keys, found);
        return found;
    }

    [Fact]
    public void FreshLedger_HasNoEvents_AndItsOwnRunNeedsNoLookups()
    {
        using var ledger = new SqliteDeliveryLedger(_dir, _clock);
        Assert.False(ledger.HasEvents);
        ledger.AcknowledgeBatch(ledger.BeginBatch(Keys(0, 10)));
        Assert.False(ledger.HasEvents);
    }

    [Fact]
    public void AcknowledgedBatch_IsFoundByTheNextRun()
    {
        using (var ledger = new SqliteDeliveryLedger(_dir, _clock))
        {
            ledger.AcknowledgeBatch(ledger.BeginBatch(Keys(0, 500)));
            ledger.BeginBatch(Keys(500, 100)); // sent, answer never recorded (killed)
        }
        using var next = new SqliteDeliveryLedger(_dir, _clock);
        Assert.True(next.HasEvents);
        var found = Lookup(next, Keys(0, 700));
        Assert.All(found[..500], Assert.True);
        Assert.All(found[500..], Assert.False);
    }

    [Fact]
    public void ResentAfterLostAck_LaterBatchWins()
    {
        using (var ledger = new SqliteDeliveryLedger(_dir, _clock))
            ledger.BeginBatch(Keys(0, 50)); // killed before the answer
        using (var ledger = new SqliteDeliveryLedger(_dir, _clock))
        {
            Assert.All(Lookup(ledger, Keys(0, 50)), Assert.False);
            ledger.AcknowledgeBatch(ledger.BeginBatch(Keys(0, 50)));
        }
        using var third = new SqliteDeliveryLedger(_dir, _clock);
        Assert.All(Lookup(third, Keys(0, 50)), Assert.True);
    }

    [Fact]
    public void SplitBatch_PerEventStatesSurviveTheMerge()
    {
        using (var ledger = new SqliteDeliveryLedger(_dir, _clock))
        {
            var keys = Keys(0, 10);
            var id = ledger.BeginBatch(keys);
            ledger.SetEvents(id, keys[..3], LedgerState.Rejected);
            ledger.SetEvents(id, keys[3..], LedgerState.Acknowledged);
        }
        using var next = new SqliteDeliveryLedger(_dir, _clock);
        var found = Lookup(next, Keys(0, 10));
        Assert.Equal([false, false, false, true, true, true, true, true, true, true], found);
    }

    [Fact]
    public void FailedBatch_StaysDueForTheNextRun()
    {
        using (var ledger = new SqliteDeliveryLedger(_dir, _clock))
            ledger.FailBatch(ledger.BeginBatch(Keys(0, 5)));
        using var next = new SqliteDeliveryLedger(_dir, _clock);
        Assert.All(Lookup(next, Keys(0, 5)), Assert.False);
    }

    [Fact]
    public void KeyInTwoBatchesOfOneRun_LaterBatchWins_AndAnEarlierSplitStateDoesNotLeak()
    {
        using (var ledger = new SqliteDeliveryLedger(_dir, _clock))
        {
            var first = ledger.BeginBatch(Keys(0, 4));
            ledger.SetEvents(first, Keys(0, 2), LedgerState.Acknowledged); // split: keys 0-1 acknowledged in the first batch
            ledger.BeginBatch(Keys(0, 2));                                 // sent again, answer never recorded
            ledger.AcknowledgeBatch(ledger.BeginBatch(Keys(2, 2)));        // keys 2-3 acknowledged by a third batch
        }
        using var next = new SqliteDeliveryLedger(_dir, _clock);
        Assert.Equal([false, false, true, true], Lookup(next, Keys(0, 4)));
    }

    [Fact]
    public void SplitStateSetTwice_TheLastOneWins()
    {
        using (var ledger = new SqliteDeliveryLedger(_dir, _clock))
        {
            var id = ledger.BeginBatch(Keys(0, 3));
            ledger.SetEvents(id, Keys(0, 3), LedgerState.Rejected);
            ledger.SetEvents(id, Keys(1, 1), LedgerState.Acknowledged);
        }
        using var next = new SqliteDeliveryLedger(_dir, _clock);
        Assert.Equal([false, true, false], Lookup(next, Keys(0, 3)));
    }

    [Fact]
    public void ManyBatches_AllMergedOnce_AndTheRunAfterMergesNothingTwice()
    {
        using (var ledger = new SqliteDeliveryLedger(_dir, _clock))
            for (var b = 0; b < 30; b++) ledger.AcknowledgeBatch(ledger.BeginBatch(Keys(b * 777, 777)));
        using (var second = new SqliteDeliveryLedger(_dir, _clock))
        {
            Assert.All(Lookup(second, Keys(0, 30 * 777)), Assert.True);
            second.BeginBatch(Keys(30 * 777, 10)); // left 'sent'
        }
        using var third = new SqliteDeliveryLedger(_dir, _clock);
        Assert.All(Lookup(third, Keys(0, 30 * 777)), Assert.True);
        Assert.All(Lookup(third, Keys(30 * 777, 10)), Assert.False);
        using var c = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + Path.Combine(_dir, SqliteDeliveryLedger.FileName) + ";Pooling=False");
        c.Open();
        using var count = c.CreateCommand();
        count.CommandText = "SELECT (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM batch_keys), (SELECT COUNT(*) FROM events_log)";
        using var r = count.ExecuteReader();
        Assert.True(r.Read());
        Assert.Equal(30 * 777 + 10, r.GetInt64(0));
        Assert.Equal(0, r.GetInt64(1));
        Assert.Equal(0, r.GetInt64(2));
    }

    [Fact]
    public void LedgerOfTheEarlierFormat_RowPerKeyLog_StillMerges()
    {
        using (var ledger = new SqliteDeliveryLedger(_dir, _clock)) { }
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + Path.Combine(_dir, SqliteDeliveryLedger.FileName) + ";Pooling=False"))
        {
            // What the earlier format left when killed: a batch row and one log row per key, no key blob.
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "INSERT INTO batches(id, state, events, created_at, updated_at) VALUES (7, 2, 2, 0, 0);" +
                              "INSERT INTO events_log(key, batch, state) VALUES (@a, 7, NULL), (@b, 7, 3);";
            cmd.Parameters.AddWithValue("@a", Key(1).ToBytes());
            cmd.Parameters.AddWithValue("@b", Key(2).ToBytes());
            cmd.ExecuteNonQuery();
        }
        using var next = new SqliteDeliveryLedger(_dir, _clock);
        Assert.True(next.HasEvents);
        Assert.Equal([true, false], Lookup(next, [Key(1), Key(2)]));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
