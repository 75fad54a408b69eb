using Microsoft.Data.Sqlite;
using Snapconv.Storage;

namespace Snapconv.Sources.Ledger;

/// <summary>State of an object in the ledger.</summary>
public enum ObjectState
{
    /// <summary>Read, but its events did not all settle yet (the next run resumes it).</summary>
    Pending = 0,
    /// <summary>Every event settled; never read again unless it changes.</summary>
    Delivered = 1,
}

/// <summary>What the ledger remembers of an object: identity only (key, size, version, SHA-256), never content.</summary>
public sealed record ObjectRecord(string Key, long? Size, string? Version, byte[] Sha256, ObjectState State);

/// <summary>
/// What a job remembers of its source's objects and its cursor, so that a run reads only what is new, changed or
/// half-delivered (<see cref="Staging.SourceStaging"/>). Identity only (key, size, version, SHA-256): no row
/// content, no secrets. Implementations: <see cref="SourceLedger"/> (SQLite, one node) and the PostgreSQL one
/// (a cluster's nodes share it). Every method is one transaction; thread-safe.
/// </summary>
public interface ISourceLedger : IDisposable
{
    /// <summary>The record of <paramref name="key"/> in <paramref name="job"/>, or null.</summary>
    ObjectRecord? Find(string job, string key);

    /// <summary>Inserts or replaces the record of an object (the last write wins: one record a job and key).</summary>
    void Record(string job, ObjectRecord record);

    /// <summary>Every record of a job in key order (ordinal), for tests and diagnostics.</summary>
    IReadOnlyList<ObjectRecord> All(string job);

    /// <summary>The committed cursor of a job, or null.</summary>
    string? GetCursor(string job);

    /// <summary>Stores the cursor of a job (after its run settled).</summary>
    void SetCursor(string job, string value);
}

/// <summary>
/// The sources ledger: <c>sources.db</c> (SQLite, WAL) in the state directory, next to the delivery ledger. Tables
/// <c>objects(job, key, size, version, sha256, state, updated_at)</c> and <c>cursors(job, value, updated_at)</c>.
/// Ids and hashes only: no row content, no secrets. Thread-safe.
/// </summary>
public sealed class SourceLedger : ISourceLedger
{
    /// <summary>File name inside the state directory.</summary>
    public const string FileName = "sources.db";
    private readonly SqliteConnection _db;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();

    /// <summary>Opens or creates the ledger in <paramref name="stateDir"/>.</summary>
    public SourceLedger(string stateDir, TimeProvider clock)
    {
        _clock = clock;
        Directory.CreateDirectory(stateDir);
        Path = System.IO.Path.Combine(stateDir, FileName);
        _db = SqliteFile.Open(Path);
        Exec("""
            CREATE TABLE IF NOT EXISTS objects(job TEXT NOT NULL, key TEXT NOT NULL, size INTEGER, version TEXT,
                sha256 BLOB NOT NULL, state INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY(job, key));
            CREATE TABLE IF NOT EXISTS cursors(job TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL);
            """);
    }

    /// <summary>Full path of the database file.</summary>
    public string Path { get; }

    /// <summary>The record of <paramref name="key"/>, or null.</summary>
    public ObjectRecord? Find(string job, string key)
    {
        lock (_gate)
        {
            using var c = _db.CreateCommand();
            c.CommandText = "SELECT size, version, sha256, state FROM objects WHERE job=@j AND key=@k";
            c.Parameters.AddWithValue("@j", job);
            c.Parameters.AddWithValue("@k", key);
            using var r = c.ExecuteReader();
            if (!r.Read()) return null;
            return new ObjectRecord(key, r.IsDBNull(0) ? null : r.GetInt64(0), r.IsDBNull(1) ? null : r.GetString(1),
                (byte[])r.GetValue(2), (ObjectState)r.GetInt32(3));
        }
    }

    /// <summary>Inserts or replaces the record of an object.</summary>
    public void Record(string job, ObjectRecord record)
    {
        lock (_gate)
        {
            using var c = _db.CreateCommand();
            c.CommandText = "INSERT OR REPLACE INTO objects(job, key, size, version, sha256, state, updated_at) VALUES (@j,@k,@s,@v,@h,@st,@t)";
            c.Parameters.AddWithValue("@j", job);
            c.Parameters.AddWithValue("@k", record.Key);
            c.Parameters.AddWithValue("@s", (object?)record.Size ?? DBNull.Value);
            c.Parameters.AddWithValue("@v", (object?)record.Version ?? DBNull.Value);
            c.Parameters.AddWithValue("@h", record.Sha256);
            c.Parameters.AddWithValue("@st", (int)record.State);
            c.Parameters.AddWithValue("@t", _clock.GetUtcNow().ToUnixTimeMilliseconds());
            c.ExecuteNonQuery();
        }
    }

    /// <summary>Every record of a job (tests, diagnostics).</summary>
    public IReadOnlyList<ObjectRecord> All(string job)
    {
        lock (_gate)
        {
            using var c = _db.CreateCommand();
            c.CommandText = "SELECT key, size, version, sha256, state FROM objects WHERE job=@j ORDER BY key";
            c.Parameters.AddWithValue("@j", job);
            using var r = c.ExecuteReader();
            var list = new List<ObjectRecord>();
            while (r.Read())
                list.Add(new ObjectRecord(r.GetString(0), r.IsDBNull(1) ? null : r.GetInt64(1), r.IsDBNull(2) ? null : r.GetString(2),
                    (byte[])r.GetValue(3), (ObjectState)r.GetInt32(4)));
            return list;
        }
    }

    /// <summary>The committed cursor of a job, or null.</summary>
    public string? GetCursor(string job)
    {
        lock (_gate)
        {
            using var c = _db.CreateCommand();
            c.CommandText = "SELECT value FROM cursors WHERE job=@j";
            c.Parameters.AddWithValue("@j", job);
            return c.ExecuteScalar() as string;
        }
    }

    /// <summary>Stores the cursor of a job (after its run settled).</summary>
    public void SetCursor(string job, string value)
    {
        lock (_gate)
        {
            using var c = _db.CreateCommand();
            c.CommandText = "INSERT OR REPLACE INTO cursors(job, value, updated_at) VALUES (@j,@v,@t)";
            c.Parameters.AddWithValue("@j", job);
            c.Parameters.AddWithValue("@v", value);
            c.Parameters.AddWithValue("@t", _clock.GetUtcNow().ToUnixTimeMilliseconds());
            c.ExecuteNonQuery();
        }
    }

    private void Exec(string sql)
    {
        using var c = _db.CreateCommand();
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate) _db.Dispose();
    }
}
