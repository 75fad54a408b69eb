using Npgsql;
using Snapconv.Postgres.Migrations;
using Snapconv.Sources.Ledger;

namespace Snapconv.Postgres.Ledger;

/// <summary>
/// The source ledger on PostgreSQL, shared by a cluster's nodes: <c>source_objects(job, key, size, version,
/// sha256, state, updated_at)</c> and <c>source_cursors(job, value, updated_at)</c>, keys compared byte by byte
/// (<c>COLLATE "C"</c>, as SQLite). One record a job and key, decided by the primary key
/// (<c>INSERT … ON CONFLICT DO UPDATE</c>): two nodes recording one object at once leave one record, the last
/// write's. A job runs on one node at a time (the scheduler sees to that), so last-write-wins is that job's own
/// order. Each call is one statement on a pooled connection. Ids and hashes only.
/// </summary>
internal sealed class PostgresSourceLedger(NpgsqlDataSource db, string schema, TimeProvider clock) : ISourceLedger
{
    private readonly string _t = SchemaMigrator.Quote(schema) + ".";

    /// <inheritdoc />
    public ObjectRecord? Find(string job, string key)
    {
        using var c = db.CreateCommand($"SELECT size, version, sha256, state FROM {_t}source_objects WHERE job = @j AND key = @k");
        c.Parameters.AddWithValue("j", job);
        c.Parameters.AddWithValue("k", key);
        using var r = c.ExecuteReader();
        if (!r.Read()) return null;
        return new ObjectRecord(key, r.IsDBNull(0) ? null : r.GetInt64(0), r.IsDBNull(1) ? null : r.GetString(1),
            (byte[])r.GetValue(2), (ObjectState)r.GetInt16(3));
    }

    /// <inheritdoc />
    public void Record(string job, ObjectRecord record)
    {
        using var c = db.CreateCommand($"""
            INSERT INTO {_t}source_objects(job, key, size, version, sha256, state, updated_at) VALUES (@j, @k, @s, @v, @h, @st, @t)
            ON CONFLICT (job, key) DO UPDATE SET size = excluded.size, version = excluded.version, sha256 = excluded.sha256,
                state = excluded.state, updated_at = excluded.updated_at
            """);
        c.Parameters.AddWithValue("j", job);
        c.Parameters.AddWithValue("k", record.Key);
        c.Parameters.Add(new NpgsqlParameter<long?>("s", NpgsqlTypes.NpgsqlDbType.Bigint) { TypedValue = record.Size });
        c.Parameters.Add(new NpgsqlParameter("v", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)record.Version ?? DBNull.Value });
        c.Parameters.AddWithValue("h", record.Sha256);
        c.Parameters.AddWithValue("st", (short)record.State);
        c.Parameters.AddWithValue("t", clock.GetUtcNow());
        c.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public IReadOnlyList<ObjectRecord> All(string job)
    {
        using var c = db.CreateCommand($"SELECT key, size, version, sha256, state FROM {_t}source_objects WHERE job = @j ORDER BY key");
        c.Parameters.AddWithValue("j", job);
        using var r = c.ExecuteReader();
        var list = new List<ObjectRecord>();
        while (r.Read())
            list.Add(new ObjectRecord(r.GetString(0), r.IsDBNull(1) ? null : r.GetInt64(1), r.IsDBNull(2) ? null : r.GetString(2),
                (byte[])r.GetValue(3), (ObjectState)r.GetInt16(4)));
        return list;
    }

    /// <inheritdoc />
    public string? GetCursor(string job)
    {
        using var c = db.CreateCommand($"SELECT value FROM {_t}source_cursors WHERE job = @j");
        c.Parameters.AddWithValue("j", job);
        return c.ExecuteScalar() as string;
    }

    /// <inheritdoc />
    public void SetCursor(string job, string value)
    {
        using var c = db.CreateCommand($"""
            INSERT INTO {_t}source_cursors(job, value, updated_at) VALUES (@j, @v, @t)
            ON CONFLICT (job) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """);
        c.Parameters.AddWithValue("j", job);
        c.Parameters.AddWithValue("v", value);
        c.Parameters.AddWithValue("t", clock.GetUtcNow());
        c.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public void Dispose() { }
}
