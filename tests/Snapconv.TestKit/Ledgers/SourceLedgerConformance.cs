using Microsoft.Extensions.Time.Testing;
using Snapconv.Sources.Ledger;

namespace Snapconv.TestKit.Ledgers;

/// <summary>
/// The <see cref="ISourceLedger"/> contract, run by every implementation: derive and say how to open the ledger
/// on this test's store (<see cref="Open"/>: as a new process would, on the same data). The racing test is in
/// <see cref="SharedSourceLedgerConformance"/>, for stores where two sessions may be open at once.
/// </summary>
public abstract class SourceLedgerConformance : IDisposable
{
    private string? _tempDir;

    /// <summary>The clock every session of the test gets.</summary>
    protected FakeTimeProvider Clock { get; } = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));

    /// <summary>A private folder for this test (created on first use, deleted after it).</summary>
    protected string TempDir => _tempDir ??= Directory.CreateTempSubdirectory("snapconv-sources-").FullName;

    /// <summary>Opens the ledger on this test's store.</summary>
    protected abstract ISourceLedger Open();

    /// <summary>Skips the test when the store's server is unavailable. Default: nothing.</summary>
    protected virtual void Require() { }

    protected static byte[] Hash(int seed) => System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(seed));

    private static void AssertSame(ObjectRecord expected, ObjectRecord? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Key, actual.Key);
        Assert.Equal(expected.Size, actual.Size);
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.Sha256, actual.Sha256);
        Assert.Equal(expected.State, actual.State);
    }

    [SkippableFact]
    public void Find_UnknownObject_IsNull_AndUnknownCursorIsNull()
    {
        Require();
        using var ledger = Open();
        Assert.Null(ledger.Find("job", "exports/a.csv"));
        Assert.Null(ledger.GetCursor("job"));
        Assert.Empty(ledger.All("job"));
    }

    [SkippableFact]
    public void Record_EveryFieldRoundTrips_NullSizeAndVersionToo()
    {
        Require();
        using var ledger = Open();
        var full = new ObjectRecord("exports/2026-01-01.csv", 1_234_567_890_123, "etag-\"9f\"", Hash(1), ObjectState.Pending);
        var bare = new ObjectRecord("query", null, null, Hash(2), ObjectState.Delivered);
        ledger.Record("job", full);
        ledger.Record("job", bare);
        AssertSame(full, ledger.Find("job", full.Key));
        AssertSame(bare, ledger.Find("job", bare.Key));
    }

    [SkippableFact]
    public void Record_SameObjectTwice_IsOneRecord_TheLastOne()
    {
        Require();
        using var ledger = Open();
        ledger.Record("job", new ObjectRecord("a.csv", 10, "v1", Hash(1), ObjectState.Pending));
        var last = new ObjectRecord("a.csv", 20, "v2", Hash(2), ObjectState.Pending);
        ledger.Record("job", last);
        var all = ledger.All("job");
        Assert.Single(all);
        AssertSame(last, all[0]);
    }

    [SkippableFact]
    public void PendingThenDelivered_TheStateFollows_AndSurvivesTheNextSession()
    {
        Require();
        var pending = new ObjectRecord("a.csv", 10, "v1", Hash(1), ObjectState.Pending);
        using (var ledger = Open())
        {
            ledger.Record("job", pending);
            ledger.Record("job", new ObjectRecord("b.csv", 11, "v1", Hash(2), ObjectState.Pending));
            ledger.Record("job", pending with { State = ObjectState.Delivered });
            // b.csv never settled: the process was killed.
        }
        using var next = Open();
        Assert.Equal(ObjectState.Delivered, next.Find("job", "a.csv")!.State);
        Assert.Equal(ObjectState.Pending, next.Find("job", "b.csv")!.State);
    }

    [SkippableFact]
    public void All_IsPerJob_InOrdinalKeyOrder()
    {
        Require();
        using var ledger = Open();
        foreach (var key in new[] { "b.csv", "B.csv", "a.csv", "é.csv", "z.csv", "A/x.csv" })
            ledger.Record("job", new ObjectRecord(key, 1, null, Hash(key.Length), ObjectState.Delivered));
        ledger.Record("other", new ObjectRecord("a.csv", 1, null, Hash(0), ObjectState.Pending));
        Assert.Equal(["A/x.csv", "B.csv", "a.csv", "b.csv", "z.csv", "é.csv"], ledger.All("job").Select(r => r.Key));
        Assert.Equal(ObjectState.Pending, ledger.Find("other", "a.csv")!.State);
        Assert.Equal(ObjectState.Delivered, ledger.Find("job", "a.csv")!.State);
    }

    [SkippableFact]
    public void Cursor_IsPerJob_TheLastSetWins_AndSurvivesTheNextSession()
    {
        Require();
        using (var ledger = Open())
        {
            ledger.SetCursor("job", "2026-01-01T00:00:00Z");
            ledger.SetCursor("job", "2026-02-01T00:00:00Z");
            ledger.SetCursor("other", "41");
        }
        using var next = Open();
        Assert.Equal("2026-02-01T00:00:00Z", next.GetCursor("job"));
        Assert.Equal("41", next.GetCursor("other"));
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
/// The source ledger contract where two sessions may be open at once (a cluster's store, #19). A ledger with one writer
/// per store runs <see cref="SourceLedgerConformance"/> only.
/// </summary>
public abstract class SharedSourceLedgerConformance : SourceLedgerConformance
{
    [SkippableFact]
    public async Task TwoSessions_RecordingTheSameObjectsAtOnce_LeaveOneRecordEach()
    {
        Require();
        Require();
        const int objects = 200;
        using var a = Open();
        using var b = Open();
        using var start = new Barrier(2);
        void Run(ISourceLedger ledger, int who)
        {
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            for (var i = 0; i < objects; i++)
            {
                ledger.Record("job", new ObjectRecord($"o{i:D3}.csv", who, null, Hash(who), ObjectState.Pending));
                ledger.SetCursor("job", $"{who}:{i}");
            }
        }
        await Task.WhenAll(Task.Run(() => Run(a, 1)), Task.Run(() => Run(b, 2)));
        using var check = Open();
        var all = check.All("job");
        Assert.Equal(objects, all.Count);
        // Each record is wholly one writer's: its size and hash were written together.
        Assert.All(all, r => Assert.Equal(Hash((int)r.Size!.Value), r.Sha256));
        Assert.Contains(check.GetCursor("job"), new[] { $"1:{objects - 1}", $"2:{objects - 1}" });
    }
}
