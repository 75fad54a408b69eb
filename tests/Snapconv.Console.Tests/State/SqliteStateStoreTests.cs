using Microsoft.Data.Sqlite;
using Snapconv.State;
using Snapconv.State.Sqlite;

namespace Snapconv.Console.Tests.State;

/// <summary>The SQLite store: the conformance suite, plus what is SQLite's own (the file, its schema version).</summary>
public sealed class SqliteStateStoreTests : StateStoreConformance, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "snapconv-state-" + Guid.NewGuid().ToString("N"));

    protected override async Task<IStateStore> OpenEmptyAsync() =>
        await SqliteStateStore.OpenAsync(Path.Combine(_root, Guid.NewGuid().ToString("N")));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Open_TwiceOnOneFolder_KeepsWhatWasStored()
    {
        var dir = Path.Combine(_root, "same");
        long id;
        await using (var first = await SqliteStateStore.OpenAsync(dir))
        {
            id = await first.StartRunAsync(new RunStart { Job = "a", Node = "n", StartedAt = T0 });
            Assert.Equal(Path.Combine(Path.GetFullPath(dir), "state.db"), first.Path);
        }

        await using var second = await SqliteStateStore.OpenAsync(dir);

        Assert.Equal("a", (await second.GetRunAsync(id))!.Job);
    }

    [Fact]
    public async Task Open_NewerSchemaVersion_RefusedWithTheVersionNamed()
    {
        var dir = Path.Combine(_root, "newer");
        await (await SqliteStateStore.OpenAsync(dir)).DisposeAsync();
        using (var db = new SqliteConnection($"Data Source={Path.Combine(dir, "state.db")};Pooling=false"))
        {
            db.Open();
            using var cmd = db.CreateCommand();
            cmd.CommandText = "PRAGMA user_version = 99;";
            cmd.ExecuteNonQuery();
        }

        var e = await Assert.ThrowsAsync<StateStoreException>(() => SqliteStateStore.OpenAsync(dir));

        Assert.Contains("schema version 99", e.Message);
    }

    [Fact]
    public async Task Open_FileIsNotADatabase_StateStoreException()
    {
        var dir = Path.Combine(_root, "garbage");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "state.db"), new string('x', 4096));

        var e = await Assert.ThrowsAsync<StateStoreException>(() => SqliteStateStore.OpenAsync(dir));

        Assert.Contains("state.db", e.Message);
    }

    [Fact]
    public async Task Queries_UseTheirIndexes()
    {
        await using var store = await SqliteStateStore.OpenAsync(Path.Combine(_root, "plan"));
        using var db = new SqliteConnection($"Data Source={store.Path};Pooling=false");
        db.Open();
        string Plan(string sql)
        {
            using var cmd = db.CreateCommand();
            cmd.CommandText = "EXPLAIN QUERY PLAN " + sql;
            using var r = cmd.ExecuteReader();
            var lines = new List<string>();
            while (r.Read()) lines.Add(r.GetString(3));
            return string.Join(" | ", lines);
        }

        Assert.Equal("SEARCH runs USING INDEX runs_job_started (job=?)", Plan(SqliteStateStore.RunsOfJobSql));
        Assert.Contains("SEARCH runs USING INDEX runs_job_started (job=? AND started_at>? AND started_at<?)", Plan(SqliteStateStore.DailySql));
        Assert.Contains("SEARCH runs USING COVERING INDEX runs_started (started_at>?)", Plan(SqliteStateStore.AcknowledgedSql));
        Assert.Equal("SCAN runs USING INDEX runs_open", Plan(SqliteStateStore.OpenRunsSql)); // the partial index holds open runs only
        Assert.DoesNotContain("SCAN runs ", Plan(SqliteStateStore.LastRunsSql).Replace("SCAN runs USING COVERING INDEX", "") + " ");
    }
}
