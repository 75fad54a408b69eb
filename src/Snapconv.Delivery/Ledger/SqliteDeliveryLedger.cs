using System.Text;
using Microsoft.Data.Sqlite;

namespace Snapconv.Delivery.Ledger;

/// <summary>
/// The SQLite ledger in <c>--state-dir</c> (<c>ledger.db</c>, WAL). Tables: <c>files</c> (path, size, mtime,
/// SHA-256), <c>batches</c> (id, state, count, times), <c>events</c> (16-byte key → batch and own state, or
/// NULL = the batch's; the index re-runs look up) and <c>events_log</c> (the same rows, appended by the
/// current run in arrival order). Acknowledging a whole batch is one row update.
/// </summary>
/// <remarks>
/// Why two tables: keys are hashes, so inserting them into the keyed table as batches arrive touches a random
/// page per key — 32 µs an event, the slowest part of an upload. Appending to <c>events_log</c> costs well
/// under a microsecond; the log is merged into <c>events</c> in key order (one pass over the tree) when the
/// ledger is next opened, and a run needs no lookups of its own events (the in-run deduper sends each once).
/// A run killed at any point leaves its log to the next open, which merges it before any lookup.
/// </remarks>
public sealed class SqliteDeliveryLedger : IDeliveryLedger
{
    /// <summary>File name inside the state directory.</summary>
    public const string FileName = "ledger.db";
    private const int RowsPerInsert = 200;

    private readonly SqliteConnection _db;
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private readonly SqliteCommand _insertMany;
    private readonly SqliteCommand _insertOne;
    private readonly SqliteCommand _lookup;
    private readonly SqliteCommand _setEvent;
    // Key buffers bound to _insertMany/_insertOne, rewritten per row under _gate (the value is copied at execution).
    private readonly byte[][] _keyBuffers = Enumerable.Range(0, RowsPerInsert).Select(_ => new byte[16]).ToArray();
    private bool _hasEvents;

    /// <summary>Opens or creates the ledger under <paramref name="stateDir"/>.</summary>
    public SqliteDeliveryLedger(string stateDir, TimeProvider clock)
    {
        _clock = clock;
        Directory.CreateDirectory(stateDir);
        Path = System.IO.Path.Combine(stateDir, FileName);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        _db.Open();
        Exec("""
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            PRAGMA busy_timeout=10000;
            CREATE TABLE IF NOT EXISTS files(path TEXT NOT NULL, size INTEGER NOT NULL, mtime INTEGER NOT NULL,
                sha256 BLOB NOT NULL, seen_at INTEGER NOT NULL, PRIMARY KEY(path, sha256));
            CREATE TABLE IF NOT EXISTS batches(id INTEGER PRIMARY KEY, state INTEGER NOT NULL, events INTEGER NOT NULL,
                created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS events(key BLOB PRIMARY KEY, batch INTEGER NOT NULL, state INTEGER) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS events_log(key BLOB NOT NULL, batch INTEGER NOT NULL, state INTEGER);
            CREATE INDEX IF NOT EXISTS events_log_batch ON events_log(batch);
            """);
        MergeLog();
        using (var c = _db.CreateCommand())
        {
            c.CommandText = "SELECT EXISTS(SELECT 1 FROM events)";
            _hasEvents = Convert.ToInt64(c.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 0;
        }
        var sb = new StringBuilder("INSERT INTO events_log(key, batch, state) VALUES ");
        for (var i = 0; i < RowsPerInsert; i++) sb.Append(i == 0 ? "" : ",").Append("(@k").Append(i).Append(",@b,NULL)");
        _insertMany = Prepare(sb.ToString(), RowsPerInsert);
        _insertOne = Prepare("INSERT INTO events_log(key, batch, state) VALUES (@k0,@b,NULL)", 1);
        _lookup = _db.CreateCommand();
        _lookup.CommandText = "SELECT COALESCE(e.state, b.state) FROM events e JOIN batches b ON b.id = e.batch WHERE e.key = @k";
        _lookup.Parameters.Add("@k", SqliteType.Blob);
        _lookup.Prepare();
        _setEvent = _db.CreateCommand();
        _setEvent.CommandText = "UPDATE events_log SET state = @s WHERE batch = @b AND key = @k";
        _setEvent.Parameters.Add("@s", SqliteType.Integer);
        _setEvent.Parameters.Add("@k", SqliteType.Blob);
        _setEvent.Parameters.Add("@b", SqliteType.Integer);
        _setEvent.Prepare();
    }

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
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            long id;
            using (var c = _db.CreateCommand())
            {
                c.Transaction = tx;
                c.CommandText = "INSERT INTO batches(state, events, created_at, updated_at) VALUES (@s,@n,@t,@t); SELECT last_insert_rowid();";
                c.Parameters.AddWithValue("@s", (long)LedgerState.Sent);
                c.Parameters.AddWithValue("@n", keys.Count);
                c.Parameters.AddWithValue("@t", Now);
                id = (long)c.ExecuteScalar()!;
            }
            var i = 0;
            _insertMany.Transaction = tx;
            _insertMany.Parameters[RowsPerInsert].Value = id;
            for (; i + RowsPerInsert <= keys.Count; i += RowsPerInsert)
            {
                for (var j = 0; j < RowsPerInsert; j++) _insertMany.Parameters[j].Value = Fill(_keyBuffers[j], keys[i + j]);
                _insertMany.ExecuteNonQuery();
            }
            _insertOne.Transaction = tx;
            _insertOne.Parameters[1].Value = id;
            for (; i < keys.Count; i++)
            {
                _insertOne.Parameters[0].Value = Fill(_keyBuffers[0], keys[i]);
                _insertOne.ExecuteNonQuery();
            }
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
            _insertMany.Dispose();
            _insertOne.Dispose();
            _lookup.Dispose();
            _setEvent.Dispose();
            _db.Dispose();
        }
    }

    private long Now => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static byte[] Fill(byte[] buffer, EventKey key)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(buffer, key.Value);
        return buffer;
    }

    /// <summary>Moves earlier runs' appended rows into the keyed table, in key order, in one transaction.</summary>
    private void MergeLog()
    {
        using var tx = _db.BeginTransaction();
        using var c = _db.CreateCommand();
        c.Transaction = tx;
        c.CommandText = """
            INSERT OR REPLACE INTO events(key, batch, state) SELECT key, batch, state FROM events_log ORDER BY key, rowid;
            DELETE FROM events_log;
            """;
        c.ExecuteNonQuery();
        tx.Commit();
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

    private SqliteCommand Prepare(string sql, int keys)
    {
        var c = _db.CreateCommand();
        c.CommandText = sql;
        for (var i = 0; i < keys; i++) c.Parameters.Add("@k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), SqliteType.Blob);
        c.Parameters.Add("@b", SqliteType.Integer);
        c.Prepare();
        return c;
    }

    private void Exec(string sql)
    {
        using var c = _db.CreateCommand();
        c.CommandText = sql;
        c.ExecuteNonQuery();
    }
}
