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

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
