using Microsoft.Extensions.Time.Testing;
using Snapconv.Delivery.Ledger;

namespace Snapconv.TestKit.Ledgers;

/// <summary>
/// The <see cref="IDeliveryLedger"/> contract, run by every implementation: derive and say how to open a session
/// on this test's store (<see cref="Open"/>: as a new process would, on the same data). A session disposed without
/// answers is a process killed mid-run. The racing tests are in <see cref="SharedDeliveryLedgerConformance"/>, for
/// stores where two sessions may be open at once.
/// </summary>
public abstract class DeliveryLedgerConformance : IDisposable
{
    private string? _tempDir;

    /// <summary>The clock every session of the test gets.</summary>
    protected FakeTimeProvider Clock { get; } = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    /// <summary>A private folder for this test (created on first use, deleted after it).</summary>
    protected string TempDir => _tempDir ??= Directory.CreateTempSubdirectory("snapconv-ledger-").FullName;

    /// <summary>Opens a session on this test's store.</summary>
    protected abstract IDeliveryLedger Open();

    /// <summary>Skips the test when the store's server is unavailable (see <c>TestServer.Require</c>). Default: nothing.</summary>
    protected virtual void Require() { }

    protected static EventKey Key(int i) => new((UInt128)i * 0x9E3779B97F4A7C15UL + 1);
    protected static EventKey[] Keys(int from, int count) => Enumerable.Range(from, count).Select(Key).ToArray();

    protected static bool[] Lookup(IDeliveryLedger ledger, IReadOnlyList<EventKey> keys)
    {
        var found = new bool[keys.Count];
        ledger.FindAcknowledged(keys, found);
        return found;
    }

    protected static (long? Id, ClaimOutcome[] Outcomes) Claim(IDeliveryLedger ledger, IReadOnlyList<EventKey> keys)
    {
        var outcomes = new ClaimOutcome[keys.Count];
        var id = ledger.ClaimBatch(keys, outcomes);
        return (id, outcomes);
    }


    [SkippableFact]
    public void FreshLedger_HasNoEvents_AndItsOwnRunNeedsNoLookups()
    {
        Require();
        using var ledger = Open();
        Assert.False(ledger.HasEvents);
        ledger.AcknowledgeBatch(ledger.BeginBatch(Keys(0, 10)));
        Assert.False(ledger.HasEvents);
    }

    [SkippableFact]
    public void AcknowledgedBatch_IsFoundByTheNextSession_AndTheOneInFlightWhenKilledIsNot()
    {
        Require();
        using (var ledger = Open())
        {
            ledger.AcknowledgeBatch(ledger.BeginBatch(Keys(0, 500)));
            ledger.BeginBatch(Keys(500, 100)); // sent, answer never recorded (killed)
        }
        using var next = Open();
        Assert.True(next.HasEvents);
        var found = Lookup(next, Keys(0, 700));
        Assert.All(found[..500], Assert.True);
        Assert.All(found[500..], Assert.False);
    }

    [SkippableFact]
    public void ResentAfterLostAck_LaterBatchWins()
    {
        Require();
        using (var ledger = Open())
            ledger.BeginBatch(Keys(0, 50)); // killed before the answer
        using (var ledger = Open())
        {
            Assert.All(Lookup(ledger, Keys(0, 50)), Assert.False);
            ledger.AcknowledgeBatch(ledger.BeginBatch(Keys(0, 50)));
        }
        using var third = Open();
        Assert.All(Lookup(third, Keys(0, 50)), Assert.True);
    }

    [SkippableFact]
    public void SplitBatch_PerEventStatesSurviveTheNextSession()
    {
        Require();
        using (var ledger = Open())
        {
            var keys = Keys(0, 10);
            var id = ledger.BeginBatch(keys);
            ledger.SetEvents(id, keys[..3], LedgerState.Rejected);
            ledger.SetEvents(id, keys[3..], LedgerState.Acknowledged);
        }
        using var next = Open();
        Assert.Equal([false, false, false, true, true, true, true, true, true, true], Lookup(next, Keys(0, 10)));
    }

    [SkippableFact]
    public void FailedBatch_StaysDueForTheNextSession()
    {
        Require();
        using (var ledger = Open())
            ledger.FailBatch(ledger.BeginBatch(Keys(0, 5)));
        using var next = Open();
        Assert.All(Lookup(next, Keys(0, 5)), Assert.False);
        var (id, outcomes) = Claim(next, Keys(0, 5));
        Assert.NotNull(id);
        Assert.All(outcomes, o => Assert.Equal(ClaimOutcome.Claimed, o));
    }

    [SkippableFact]
    public void KeyInTwoBatchesOfOneRun_LaterBatchWins_AndAnEarlierSplitStateDoesNotLeak()
    {
        Require();
        using (var ledger = Open())
        {
            var first = ledger.BeginBatch(Keys(0, 4));
            ledger.SetEvents(first, Keys(0, 2), LedgerState.Acknowledged); // split: keys 0-1 acknowledged in the first batch
            ledger.BeginBatch(Keys(0, 2));                                 // sent again, answer never recorded
            ledger.AcknowledgeBatch(ledger.BeginBatch(Keys(2, 2)));        // keys 2-3 acknowledged by a third batch
        }
        using var next = Open();
        Assert.Equal([false, false, true, true], Lookup(next, Keys(0, 4)));
    }

    [SkippableFact]
    public void SplitStateSetTwice_TheLastOneWins()
    {
        Require();
        using (var ledger = Open())
        {
            var id = ledger.BeginBatch(Keys(0, 3));
            ledger.SetEvents(id, Keys(0, 3), LedgerState.Rejected);
            ledger.SetEvents(id, Keys(1, 1), LedgerState.Acknowledged);
        }
        using var next = Open();
        Assert.Equal([false, true, false], Lookup(next, Keys(0, 3)));
    }

    [SkippableFact]
    public void ManyBatches_EveryKeyRecordedOnce_AcrossThreeSessions()
    {
        Require();
        using (var ledger = Open())
            for (var b = 0; b < 30; b++) ledger.AcknowledgeBatch(ledger.BeginBatch(Keys(b * 777, 777)));
        using (var second = Open())
        {
            Assert.All(Lookup(second, Keys(0, 30 * 777)), Assert.True);
            second.BeginBatch(Keys(30 * 777, 10)); // left 'sent'
        }
        using var third = Open();
        Assert.All(Lookup(third, Keys(0, 30 * 777)), Assert.True);
        Assert.All(Lookup(third, Keys(30 * 777, 10)), Assert.False);
    }

    [SkippableFact]
    public void ClaimBatch_NextSession_SkipsAcknowledged_AndClaimsTheRest()
    {
        Require();
        using (var ledger = Open())
        {
            var (id, outcomes) = Claim(ledger, Keys(0, 20));
            Assert.All(outcomes, o => Assert.Equal(ClaimOutcome.Claimed, o));
            ledger.AcknowledgeBatch(id!.Value);
        }
        using var next = Open();
        var (second, o2) = Claim(next, Keys(10, 20));
        Assert.NotNull(second);
        Assert.All(o2[..10], o => Assert.Equal(ClaimOutcome.Acknowledged, o));
        Assert.All(o2[10..], o => Assert.Equal(ClaimOutcome.Claimed, o));
        next.AcknowledgeBatch(second.Value);
        using var third = Open();
        Assert.All(Lookup(third, Keys(0, 30)), Assert.True);
    }

    [SkippableFact]
    public void ClaimBatch_EverythingAcknowledged_RecordsNoBatch()
    {
        Require();
        using (var ledger = Open())
            ledger.AcknowledgeBatch(ledger.BeginBatch(Keys(0, 5)));
        using var next = Open();
        var (id, outcomes) = Claim(next, Keys(0, 5));
        Assert.Null(id);
        Assert.All(outcomes, o => Assert.Equal(ClaimOutcome.Acknowledged, o));
    }

    [SkippableFact]
    public void ClaimBatch_KilledInFlight_TheNextSessionClaimsThoseKeysAgain_AndNotTheAcknowledgedOnes()
    {
        Require();
        using (var ledger = Open())
        {
            var (first, _) = Claim(ledger, Keys(0, 100));
            ledger.AcknowledgeBatch(first!.Value);
            Claim(ledger, Keys(100, 50)); // in flight when the process was killed
        }
        using var next = Open();
        var (id, outcomes) = Claim(next, Keys(0, 150));
        Assert.NotNull(id);
        Assert.All(outcomes[..100], o => Assert.Equal(ClaimOutcome.Acknowledged, o));
        Assert.All(outcomes[100..], o => Assert.Equal(ClaimOutcome.Claimed, o));
    }

    [SkippableFact]
    public void ClaimBatch_SplitInFlight_AcknowledgedPartSkipped_RejectedPartClaimedByTheNextSession()
    {
        Require();
        using (var ledger = Open())
        {
            var (id, _) = Claim(ledger, Keys(0, 6));
            ledger.SetEvents(id!.Value, Keys(0, 4), LedgerState.Acknowledged);
            ledger.SetEvents(id.Value, Keys(4, 2), LedgerState.Rejected);
        }
        using var next = Open();
        var (_, outcomes) = Claim(next, Keys(0, 6));
        Assert.Equal([ClaimOutcome.Acknowledged, ClaimOutcome.Acknowledged, ClaimOutcome.Acknowledged, ClaimOutcome.Acknowledged,
            ClaimOutcome.Claimed, ClaimOutcome.Claimed], outcomes);
    }

    [SkippableFact]
    public void ClaimBatch_ARepeatedKey_GetsOneOutcomePerPosition()
    {
        Require();
        using var ledger = Open();
        var keys = new[] { Key(1), Key(2), Key(1) };
        var (id, outcomes) = Claim(ledger, keys);
        Assert.NotNull(id);
        Assert.All(outcomes, o => Assert.Equal(ClaimOutcome.Claimed, o));
        ledger.AcknowledgeBatch(id.Value);
        using var next = Open();
        Assert.Equal([true, true], Lookup(next, [Key(1), Key(2)]));
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_tempDir is null) return;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_tempDir, true); } catch (IOException) { }
    }
}

/// <summary>
/// The delivery ledger contract where two sessions may be open at once (a cluster's store, #19): racing claims. A ledger
/// with one writer per store (SQLite under the state-directory lock) runs <see cref="DeliveryLedgerConformance"/> only.
/// </summary>
public abstract class SharedDeliveryLedgerConformance : DeliveryLedgerConformance
{
    [SkippableFact]
    public void TwoSessions_InFlightInTheOther_IsHeldElsewhere_UntilItFails()
    {
        Require();
        using var a = Open();
        using var b = Open();
        var (idA, _) = Claim(a, Keys(0, 10));
        var (idB, outcomes) = Claim(b, Keys(5, 10));
        Assert.All(outcomes[..5], o => Assert.Equal(ClaimOutcome.HeldElsewhere, o));
        Assert.All(outcomes[5..], o => Assert.Equal(ClaimOutcome.Claimed, o));
        Assert.NotNull(idB);
        a.FailBatch(idA!.Value);
        var (_, again) = Claim(b, Keys(0, 10));
        Assert.All(again, o => Assert.Equal(ClaimOutcome.Claimed, o));
    }

    [SkippableFact]
    public void TwoSessions_AcknowledgedByTheOther_IsAcknowledged()
    {
        Require();
        using var a = Open();
        using var b = Open();
        var (idA, _) = Claim(a, Keys(0, 10));
        a.AcknowledgeBatch(idA!.Value);
        var (idB, outcomes) = Claim(b, Keys(0, 10));
        Assert.Null(idB);
        Assert.All(outcomes, o => Assert.Equal(ClaimOutcome.Acknowledged, o));
        Assert.All(Lookup(b, Keys(0, 10)), Assert.True);
    }

    [SkippableFact]
    public void TwoSessions_OneKilledMidRun_TheOtherResendsOnlyItsBatchInFlight()
    {
        Require();
        using var survivor = Open();
        var killed = Open();
        var (done, _) = Claim(killed, Keys(0, 100));
        killed.AcknowledgeBatch(done!.Value);
        Claim(killed, Keys(100, 40)); // in flight
        Assert.All(Claim(survivor, Keys(100, 40)).Outcomes, o => Assert.Equal(ClaimOutcome.HeldElsewhere, o));
        killed.Dispose(); // its process ends: PostgreSQL ends the session
        var (id, outcomes) = Claim(survivor, Keys(0, 140));
        Assert.NotNull(id);
        Assert.All(outcomes[..100], o => Assert.Equal(ClaimOutcome.Acknowledged, o));
        Assert.All(outcomes[100..], o => Assert.Equal(ClaimOutcome.Claimed, o));
    }

    [SkippableFact]
    public async Task TwoSessions_RacingClaimsOnTheSameKeys_EachKeyClaimedExactlyOnce()
    {
        Require();
        const int keys = 6_000, batch = 400, steps = keys / batch;
        using var a = Open();
        using var b = Open();
        // a walks the keys forwards and b backwards, a batch a step, in step (a barrier): they meet in the
        // middle on the very same keys at the same moment, then each finds the other's keys.
        var all = Keys(0, keys);
        var claimedBy = new int[keys];
        using var step = new Barrier(2);
        void Run(IDeliveryLedger ledger, int who, bool forwards)
        {
            for (var n = 0; n < steps; n++)
            {
                step.SignalAndWait(TimeSpan.FromSeconds(30));
                var start = forwards ? n * batch : keys - (n + 1) * batch;
                var slice = all[start..(start + batch)];
                var (id, outcomes) = Claim(ledger, slice);
                for (var i = 0; i < slice.Length; i++)
                    if (outcomes[i] == ClaimOutcome.Claimed && Interlocked.CompareExchange(ref claimedBy[start + i], who, 0) != 0)
                        Assert.Fail($"key {start + i} claimed by both sessions");
                if (id is { } claimed) ledger.AcknowledgeBatch(claimed);
            }
        }
        await Task.WhenAll(Task.Run(() => Run(a, 1, true)), Task.Run(() => Run(b, 2, false)));
        Assert.All(claimedBy, who => Assert.NotEqual(0, who));
        Assert.Contains(1, claimedBy);
        Assert.Contains(2, claimedBy);
        using var check = Open();
        Assert.All(Lookup(check, all), Assert.True);
    }
}
