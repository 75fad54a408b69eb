using System.Text;
using Microsoft.Data.Sqlite;
using Snapconv.Storage;
using SQLitePCL;

namespace Snapconv.Delivery.Ledger;

/// <summary>
/// The SQLite ledger in <c>--state-dir</c> (<c>ledger.db</c>, WAL). Tables: <c>files</c> (path, size, mtime,
/// SHA-256), <c>batches</c> (id, state, count, times), <c>events</c> (16-byte key → batch and own state, or
/// NULL = the batch's; the index re-runs look up), <c>batch_keys</c> (the current run's batches: one row a
/// batch, its keys as one blob) and <c>events_log</c> (the current run's per-event states after a split).
/// Recording a batch is two row inserts; acknowledging a whole batch is one row update.
/// </summary>
/// <remarks>
/// Why not a row per key as batches arrive: keys are hashes, so inserting them into the keyed table touches a
/// random page per key (32 µs an event), and even appending a row per key to a log cost ~1 µs an event, the
/// ledger's whole cost in an upload. A run needs no lookups of its own events (the in-run deduper sends each
/// once), so its batches' keys are kept as one blob a batch and merged into <c>events</c> in key order (one
/// pass over the tree) when the ledger is next opened. A run killed at any point leaves its blobs and states
/// to the next open, which merges them before any lookup. For a key in several batches the latest batch
/// wins, with the state a split gave it in that batch, if any.
/// </remarks>
public sealed class SqliteDeliveryLedger : IDeliveryLedger
{
    /// <summary>File name inside the state directory.</summary>
    public const string FileName = "ledger.db";

    private readonly SqliteConnection _db;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private readonly SqliteCommand _insertBatch;
    private readonly SqliteCommand _insertKeys;
    private readonly SqliteCommand _lookup;
    private readonly SqliteCommand _setEvent;
    private bool _hasEvents;

    /// <summary>Opens or creates the ledger under <paramref name="stateDir"/>.</summary>
    public SqliteDeliveryLedger(string stateDir, TimeProvider clock)
    {
        _clock = clock;
        Directory.CreateDirectory(stateDir);
        Path = System.IO.Path.Combine(stateDir, FileName);
        _db = SqliteFile.Open(Path);
        Exec("""
            CREATE TABLE IF NOT EXISTS files(path TEXT NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL,
                sha256 BLOB NOT NULL, seen_at INTEGER NOT NULL, PRIMARY KEY(path, sha256));
            CREATE TABLE IF NOT EXISTS batches(id INTEGER PRIMARY KEY, state INTEGER NOT NULL, events INTEGER NOT NULL,
                created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS events(key BLOB PRIMARY KEY, batch INTEGER NOT NULL, state INTEGER) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS events_log(key BLOB NOT NULL, batch INTEGER NOT NULL, state INTEGER);
            CREATE INDEX IF NOT EXISTS events_log_batch ON events_log(batch);
            CREATE TABLE IF NOT EXISTS batch_keys(batch INTEGER PRIMARY KEY, keys BLOB NOT NULL);
            """);
        MergeLog();
        using (var c = _db.CreateCommand())
        {
            c.CommandText = "SELECT EXISTS(SELECT 1 FROM events)";
            _hasEvents = Convert.ToInt64(c.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0;
        }
        _insertBatch = _db.CreateCommand();
        _insertBatch.CommandText = "INSERT INTO batches(state, events, created_at, updated_at) VALUES (@s,@n,@t,@t) RETURNING id";
        _insertBatch.Parameters.Add("@s", SqliteType.Integer);
        _insertBatch.Parameters.Add("@n", SqliteType.Integer);
        _insertBatch.Parameters.Add("@t", SqliteType.Integer);
        _insertBatch.Prepare();
        _insertKeys = _db.CreateCommand();
        _insertKeys.CommandText = "INSERT INTO batch_keys(batch, keys) VALUES (@b,@k)";
        _insertKeys.Parameters.Add("@b", SqliteType.Integer);
        _insertKeys.Parameters.Add("@k", SqliteType.Blob);
        _insertKeys.Prepare();
        _lookup = _db.CreateCommand();
        _lookup.CommandText = "SELECT COALESCE(e.state, b.state) FROM events e JOIN batches b ON b.id = e.batch WHERE e.key = @k";
        _lookup.Parameters.Add("@k", SqliteType.Blob);
        _lookup.Prepare();
        _setEvent = _db.CreateCommand();
        _setEvent.CommandText = "INSERT INTO events_log(key, batch, state) VALUES (@k,@b,@s)";
        _setEvent.Parameters.Add("@s", SqliteType.Integer);
        _setEvent.Parameters.Add("@k", SqliteType.Blob);
        _setEvent.Parameters.Add("@b", SqliteType.Integer);
        _setEvent.Prepare();
    }

    /// <summary>Keys sorted and inserted at a time by the merge (32 bytes each in memory).</summary>
    private const int MergeChunk = 1 << 20;

    /// <summary>Full path of the database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public bool HasEvents { get { lock (_gate) return _hasEvents; } }

    /// <inheritdoc />
    public void RecordFile(string path, long size, DateTimeOffset modified, ReadOnlySpan<byte> sha256)
    {
        lock (_gate)
        {
            using var c = _db.CreateCommand();
            c.CommandText = "INSERT OR REPLACE INTO files(path, size, mtime, sha256, seen_at) VALUES (@p,@s,@m,@h,@t)";
            c.Parameters.AddWithValue("@p", path);
            c.Parameters.AddWithValue("@s", size);
            c.Parameters.AddWithValue("@m", modified.ToUnixTimeMilliseconds());
            c.Parameters.AddWithValue("@h", sha256.ToArray());
            c.Parameters.AddWithValue("@t", Now);
            c.ExecuteNonQuery();
        }
    }

    /// <inheritdoc />
    public void FindAcknowledged(IReadOnlyList<EventKey> keys, Span<bool> acknowledged)
    {
        // Looked up in key order: neighbouring keys share pages of the tree.
        var order = new int[keys.Count];
        var sorted = new UInt128[keys.Count];
        for (var i = 0; i < order.Length; i++) { order[i] = i; sorted[i] = keys[i].Value; }
        Array.Sort(sorted, order);
        lock (_gate)
        {
            using var tx = _db.BeginTransaction(deferred: true);
            _lookup.Transaction = tx;
            foreach (var i in order)
            {
                _lookup.Parameters[0].Value = keys[i].ToBytes();
                acknowledged[i] = _lookup.ExecuteScalar() is long s && s == (long)LedgerState.Acknowledged;
            }
            tx.Commit();
        }
    }

    /// <inheritdoc />
    public long BeginBatch(IReadOnlyList<EventKey> keys)
    {
        var blob = new byte[keys.Count * 16];
        for (var i = 0; i < keys.Count; i++)
            System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(blob.AsSpan(i * 16, 16), keys[i].Value);
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            _insertBatch.Transaction = tx;
            _insertBatch.Parameters[0].Value = (long)LedgerState.Sent;
            _insertBatch.Parameters[1].Value = keys.Count;
            _insertBatch.Parameters[2].Value = Now;
            var id = (long)_insertBatch.ExecuteScalar()!;
            _insertKeys.Transaction = tx;
            _insertKeys.Parameters[0].Value = id;
            _insertKeys.Parameters[1].Value = blob;
            _insertKeys.ExecuteNonQuery();
            tx.Commit();
            return id;
        }
    }

    /// <inheritdoc />
    public void AcknowledgeBatch(long batchId) => SetBatch(batchId, LedgerState.Acknowledged);

    /// <inheritdoc />
    public void FailBatch(long batchId) => SetBatch(batchId, LedgerState.Sent);

    /// <inheritdoc />
    public void SetEvents(long batchId, IReadOnlyList<EventKey> keys, LedgerState state)
    {
        if (keys.Count == 0) return;
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            _setEvent.Transaction = tx;
            _setEvent.Parameters[0].Value = (long)state;
            _setEvent.Parameters[2].Value = batchId;
            foreach (var k in keys)
            {
                _setEvent.Parameters[1].Value = k.ToBytes();
                _setEvent.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _insertBatch.Dispose();
            _insertKeys.Dispose();
            _lookup.Dispose();
            _setEvent.Dispose();
            _db.Dispose();
        }
    }

    private long Now => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Moves earlier runs' batches into the keyed table in one transaction: each batch's keys (a later batch
    /// winning), in key order, then the per-event states splits recorded for those batches.
    /// </summary>
    private void MergeLog()
    {
        using var tx = _db.BeginTransaction();
        // Rows of batches without a key blob are whole membership rows (the ledger's earlier format).
        Exec(tx, """
            INSERT OR REPLACE INTO events(key, batch, state)
                SELECT key, batch, state FROM events_log WHERE batch NOT IN (SELECT batch FROM batch_keys) ORDER BY key, rowid;
            DELETE FROM events_log WHERE batch NOT IN (SELECT batch FROM batch_keys);
            """);
        // Each blob read once (an expansion in SQL re-reads the whole blob per key) and its keys sorted here.
        var rows = new List<(UInt128 Key, long Batch)>();
        using (var read = _db.CreateCommand())
        {
            read.Transaction = tx;
            read.CommandText = "SELECT batch, keys FROM batch_keys ORDER BY batch";
            using var reader = read.ExecuteReader();
            while (reader.Read())
            {
                var batch = reader.GetInt64(0);
                var blob = (byte[])reader.GetValue(1);
                for (var at = 0; at + 16 <= blob.Length; at += 16)
                    rows.Add((System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(blob.AsSpan(at, 16)), batch));
                // Chunks hold whole batches in batch order, so a later chunk's rows rightly replace an earlier one's.
                if (rows.Count >= MergeChunk) InsertSorted(rows);
            }
        }
        InsertSorted(rows);
        Exec(tx, """
            UPDATE events SET state = l.state
                FROM (SELECT key, batch, state FROM events_log
                      WHERE rowid IN (SELECT MAX(rowid) FROM events_log GROUP BY key, batch)) AS l
                WHERE events.key = l.key AND events.batch = l.batch;
            DELETE FROM events_log;
            DELETE FROM batch_keys;
            """);
        tx.Commit();
    }

    /// <summary>
    /// Inserts (key, batch) rows in key order, a repeated key's later batch last; empties the list. Bound through
    /// SQLite's own API: a million rows through command parameters cost twice as much.
    /// </summary>
    private void InsertSorted(List<(UInt128 Key, long Batch)> rows)
    {
        if (rows.Count == 0) return;
        rows.Sort();
        var db = _db.Handle!;
        Check(raw.sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO events(key, batch, state) VALUES (?1, ?2, NULL)", out var stmt), db);
        using (stmt)
        {
            Span<byte> key = stackalloc byte[16];
            foreach (var (k, batch) in rows)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(key, k);
                Check(raw.sqlite3_bind_blob(stmt, 1, key), db);
                Check(raw.sqlite3_bind_int64(stmt, 2, batch), db);
                if (raw.sqlite3_step(stmt) != raw.SQLITE_DONE) Check(raw.sqlite3_errcode(db), db);
                Check(raw.sqlite3_reset(stmt), db);
            }
        }
        rows.Clear();
    }

    private static void Check(int rc, sqlite3 db)
    {
        if (rc != raw.SQLITE_OK) throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), rc);
    }

    private void SetBatch(long batchId, LedgerState state)
    {
        lock (_gate)
        {
            using var c = _db.CreateCommand();
            c.CommandText = "UPDATE batches SET state = @s, updated_at = @t WHERE id = @id";
            c.Parameters.AddWithValue("@s", (long)state);
            c.Parameters.AddWithValue("@t", Now);
            c.Parameters.AddWithValue("@id", batchId);
            c.ExecuteNonQuery();
        }
    }

    private void Exec(SqliteTransaction tx, string sql)
    {
        using var c = _db.CreateCommand();
        c.Transaction = tx;
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }

    private void Exec(string sql)
    {
        using var c = _db.CreateCommand();
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }
}
