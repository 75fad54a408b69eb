using System.Buffers.Binary;
using Npgsql;
using NpgsqlTypes;
using Snapconv.Delivery.Ledger;
using Snapconv.Postgres.Migrations;

namespace Snapconv.Postgres.Ledger;

/// <summary>The ledger's session with PostgreSQL ended (the server restarted, the network dropped): this ledger takes no more writes.</summary>
public sealed class LedgerSessionLostException(Exception inner)
    : LedgerUnavailableException("the delivery ledger lost its PostgreSQL session: this run stops here, and its unsettled events stay pending for the next run (on any node).", inner);

/// <summary>
/// The delivery ledger on PostgreSQL, shared by every node of a cluster. Tables (schema <c>snapconv</c>):
/// <c>ledger_owners</c> (one row per ledger session: a delivery run), <c>ledger_batches</c> (id, owner, state,
/// count, times), <c>ledger_events</c> (16-byte key as a <c>uuid</c> → batch, and its own state after a split or
/// NULL = the batch's) and <c>ledger_files</c> (input fingerprints). Ids and hashes only, never raw PII.
/// </summary>
/// <remarks>
/// <para><b>What "claim a batch" means with two processes.</b> A key has one row, so one batch at a time
/// (PostgreSQL's primary key, not a timer). <see cref="ClaimBatch"/> creates the batch and inserts its keys in
/// one statement — an array insert; a plain one while the keys are new (a run's usual case), and
/// <c>ON CONFLICT DO NOTHING</c> once a batch met a recorded key: a key no process recorded yet is claimed, and
/// of two processes inserting it at once PostgreSQL lets exactly one in. Keys already recorded: acknowledged →
/// <see cref="ClaimOutcome.Acknowledged"/> (final: a claim never takes an acknowledged key, so once a session
/// met recorded keys it reads those first, without a lock); the others are decided in one transaction, their
/// rows locked (<c>FOR UPDATE SKIP LOCKED</c>: a row another process is
/// deciding on right now is left to it) — in a batch this session sent, in a failed batch, or rejected in a
/// settled batch → claimed (moved into the new batch); in a batch still in flight in another session → claimed
/// only if that session is dead, else <see cref="ClaimOutcome.HeldElsewhere"/>.</para>
/// <para><b>Dead or alive, decided by PostgreSQL.</b> Each session registers in <c>ledger_owners</c> and holds a
/// session-level advisory lock on its id on its own connection for its whole life. PostgreSQL releases that
/// lock when the session ends — closed, its process killed, or its connection cut — so a claimer learns that an
/// owner is dead by taking its lock (<c>pg_try_advisory_xact_lock</c>, held until the claim commits): no
/// heartbeat, no lease, no clock. This is how a node that takes over a killed node's job resends exactly the
/// batch the killed node had in flight (same keys, same event ids; Snap dedups a repeat) and nothing it had
/// acknowledged. A session that lost its connection has lost its lock too: it throws
/// <see cref="LedgerSessionLostException"/> on every later call and never reconnects under the same id.</para>
/// <para><b>No deadlock, no lost update.</b> Keys are inserted in key order, so two claimers waiting on each
/// other's uncommitted inserts wait in one order; the deciding transaction never waits (SKIP LOCKED, try-lock).
/// <see cref="AcknowledgeBatch"/>, <see cref="FailBatch"/> and <see cref="SetEvents"/> change only the rows
/// that still point at their batch, so a key another session took over keeps that session's state. A failed
/// batch (<see cref="FailBatch"/>) frees its keys for any session at once.</para>
/// <para><see cref="BeginBatch"/> (one writer) takes every key whatever its state; a shared ledger's callers use
/// <see cref="ClaimBatch"/>. <see cref="HasEvents"/> is read once, when the session opens.</para>
/// </remarks>
internal sealed class PostgresDeliveryLedger : IDeliveryLedger
{
    private const short Pending = (short)LedgerState.Pending;
    private const short Sent = (short)LedgerState.Sent;
    private const short Acked = (short)LedgerState.Acknowledged;

    /// <summary>
    /// Connections a session writes on at once: a run's send workers claim and settle batches concurrently, and one
    /// connection is one server process, so one connection records at most 1 / (server CPU a key) — near 200k keys/s
    /// here — while two record ≈ 1.5× that (<c>bench/run-ledger-pg.sh</c>). Two, not one a worker: a node runs many jobs
    /// and PostgreSQL allows 100 connections by default.
    /// </summary>
    public const int MaxLanes = 2;

    private readonly string _connectionString;
    private readonly Lane _owner;
    private readonly TimeProvider _clock;
    // Guards the lanes (Monitor.Wait while all are busy), hence an object rather than a Lock.
    private readonly object _pool = new();
    private readonly string _t;
    private readonly int _lockClass;
    private readonly Stack<Lane> _free = new();
    private readonly List<Lane> _lanes = [];
    private int _laneLimit = MaxLanes;
    private int _opening;
    private volatile bool _lost;
    private volatile bool _expectConflicts;

    /// <summary>Opens a session: registers an owner and takes its advisory lock on a connection of its own (not pooled).</summary>
    public PostgresDeliveryLedger(string connectionString, string schema, string node, TimeProvider clock)
    {
        _clock = clock;
        _connectionString = connectionString;
        _t = SchemaMigrator.Quote(schema) + ".";
        var db = new NpgsqlConnection(connectionString);
        db.Open();
        try
        {
            using (var c = new NpgsqlCommand($"INSERT INTO {_t}ledger_owners(node, started_at) VALUES (@n, @t) RETURNING id, hashtext(@s)", db))
            {
                c.Parameters.AddWithValue("n", node);
                c.Parameters.AddWithValue("t", Now);
                c.Parameters.AddWithValue("s", schema + ".ledger_owners");
                using var r = c.ExecuteReader();
                r.Read();
                OwnerId = r.GetInt64(0);
                _lockClass = r.GetInt32(1);
            }
            using (var c = new NpgsqlCommand("SELECT pg_advisory_lock(@c, @o)", db))
            {
                c.Parameters.AddWithValue("c", _lockClass);
                c.Parameters.AddWithValue("o", LockId(OwnerId));
                c.ExecuteNonQuery();
            }
            using (var c = new NpgsqlCommand($"SELECT EXISTS(SELECT 1 FROM {_t}ledger_events)", db))
                HasEvents = c.ExecuteScalar() is true;
            _owner = new Lane(db, this);
            _lanes.Add(_owner);
            _free.Push(_owner);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>This session's id in <c>ledger_owners</c>.</summary>
    public long OwnerId { get; }

    /// <summary>The server process of this session (tests end it to play a cut connection).</summary>
    internal int BackendPid => _owner.Conn.ProcessID;

    /// <inheritdoc />
    public bool HasEvents { get; }

    /// <inheritdoc />
    public void RecordFile(string path, long size, DateTimeOffset modified, ReadOnlySpan<byte> sha256)
    {
        var hash = sha256.ToArray();
        Run(lane =>
        {
            using var c = new NpgsqlCommand($"""
                INSERT INTO {_t}ledger_files(path, sha256, size, mtime, seen_at) VALUES (@p, @h, @s, @m, @t)
                ON CONFLICT (path, sha256) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, seen_at = excluded.seen_at
                """, lane.Conn);
            c.Parameters.AddWithValue("p", path);
            c.Parameters.AddWithValue("h", hash);
            c.Parameters.AddWithValue("s", size);
            c.Parameters.AddWithValue("m", modified.ToUniversalTime());
            c.Parameters.AddWithValue("t", Now);
            c.ExecuteNonQuery();
            return 0;
        });
    }

    /// <inheritdoc />
    public void FindAcknowledged(IReadOnlyList<EventKey> keys, Span<bool> acknowledged)
    {
        acknowledged[..keys.Count].Clear();
        if (keys.Count == 0) return;
        var uuids = new Guid[keys.Count];
        for (var i = 0; i < uuids.Length; i++) uuids[i] = ToUuid(keys[i]);
        var found = Run(lane =>
        {
            using var c = new NpgsqlCommand($"""
                SELECT k.i FROM unnest(@k) WITH ORDINALITY AS k(key, i) WHERE ({StateOf("k.key")}) = {Acked}
                """, lane.Conn);
            c.Parameters.AddWithValue("k", uuids);
            using var r = c.ExecuteReader();
            var list = new List<long>();
            while (r.Read()) list.Add(r.GetInt64(0));
            return list;
        });
        foreach (var i in found) acknowledged[(int)(i - 1)] = true;
    }

    /// <inheritdoc />
    public long BeginBatch(IReadOnlyList<EventKey> keys)
    {
        var uuids = SortedDistinct(keys, out _);
        return Run(lane =>
        {
            lane.Begin.Parameters[0].Value = OwnerId;
            lane.Begin.Parameters[1].Value = uuids.Length;
            lane.Begin.Parameters[2].Value = Now;
            lane.Begin.Parameters[3].Value = uuids;
            return lane.Begin.ExecuteScalar() is long id ? id : throw OwnerLockLost();
        });
    }

    /// <inheritdoc />
    public long? ClaimBatch(IReadOnlyList<EventKey> keys, Span<ClaimOutcome> outcomes)
    {
        if (outcomes.Length < keys.Count) throw new ArgumentException("one outcome a key is needed", nameof(outcomes));
        if (keys.Count == 0) return null;
        var uuids = SortedDistinct(keys, out var slot);
        var decided = new ClaimOutcome[uuids.Length];
        var id = Run(lane => Claim(lane, uuids, decided));
        for (var i = 0; i < keys.Count; i++) outcomes[i] = decided[slot[i]];
        return id;
    }

    /// <summary>Claims sorted, distinct keys; fills <paramref name="decided"/> (by position); returns the batch id or null.</summary>
    private long? Claim(Lane lane, Guid[] uuids, ClaimOutcome[] decided)
    {
        if (!_expectConflicts)
        {
            // The common case, a run's new events: a plain insert (PostgreSQL's unique check, without ON
            // CONFLICT's speculative insertion: a third cheaper). One recorded key fails the whole statement,
            // which leaves nothing behind, and the keys go the way below (as do the next batches, until one is all new).
            try
            {
                lane.ClaimFresh.Parameters[0].Value = OwnerId;
                lane.ClaimFresh.Parameters[1].Value = uuids.Length;
                lane.ClaimFresh.Parameters[2].Value = Now;
                lane.ClaimFresh.Parameters[3].Value = uuids;
                var fresh = lane.ClaimFresh.ExecuteScalar() is long f ? f : throw OwnerLockLost();
                decided.AsSpan().Fill(ClaimOutcome.Claimed);
                return fresh;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                _expectConflicts = true;
            }
        }
        // Where keys were met recorded (a re-run, a node taking over a job), those Snap acknowledged are looked
        // up first: acknowledged is final (a claim never takes one), so they are read without a lock, need no
        // speculative insert, and a batch of them only — a re-run's usual case — records no batch at all.
        var known = AcknowledgedAmong(lane, uuids, null);
        if (known.Count == uuids.Length)
        {
            decided.AsSpan().Fill(ClaimOutcome.Acknowledged);
            return null;
        }
        var todo = known.Count == 0 ? uuids : uuids.Where(u => !known.Contains(u)).ToArray();
        long id;
        var ours = new HashSet<Guid>();
        lane.ClaimNew.Parameters[0].Value = OwnerId;
        lane.ClaimNew.Parameters[1].Value = todo.Length;
        lane.ClaimNew.Parameters[2].Value = Now;
        lane.ClaimNew.Parameters[3].Value = todo;
        using (var r = lane.ClaimNew.ExecuteReader())
        {
            r.Read();
            if (r.IsDBNull(0)) throw OwnerLockLost();
            id = r.GetInt64(0);
            if (!r.IsDBNull(1)) ours.UnionWith(r.GetFieldValue<Guid[]>(1));
        }
        if (ours.Count == todo.Length)
        {
            if (known.Count == 0) _expectConflicts = false;
            for (var i = 0; i < uuids.Length; i++) decided[i] = known.Contains(uuids[i]) ? ClaimOutcome.Acknowledged : ClaimOutcome.Claimed;
            return id;
        }

        using var tx = lane.Conn.BeginTransaction();
        // The rest are locked, skipping rows another claimer is deciding on right now; one acknowledged since
        // the look-up above is found acknowledged here.
        var rest = todo.Where(u => !ours.Contains(u)).ToArray();
        var acked = AcknowledgedAmong(lane, rest, tx);
        acked.UnionWith(known);
        var open = rest.Where(u => !acked.Contains(u)).ToArray();
        var rows = new Dictionary<Guid, (short State, short BatchState, long Owner)>();
        if (open.Length > 0)
        {
            using var c = new NpgsqlCommand($"""
                SELECT e.key, COALESCE(e.state, b.state), b.state, b.owner
                FROM {_t}ledger_events e JOIN {_t}ledger_batches b ON b.id = e.batch
                WHERE e.key = ANY(@k) ORDER BY e.key FOR UPDATE OF e SKIP LOCKED
                """, lane.Conn, tx);
            c.Parameters.AddWithValue("k", open);
            using var r = c.ExecuteReader();
            while (r.Read()) rows[r.GetGuid(0)] = (r.GetInt16(1), r.GetInt16(2), r.GetInt64(3));
        }
        // Owners of batches still in flight: dead when their lock can be taken (held by this transaction until it ends).
        var inFlightOwners = rows.Values.Where(v => v.State != Acked && v.BatchState == Sent && v.Owner != OwnerId).Select(v => v.Owner).Distinct().ToArray();
        var dead = new HashSet<long>();
        if (inFlightOwners.Length > 0)
        {
            using var c = new NpgsqlCommand("SELECT o FROM unnest(@o) AS o WHERE pg_try_advisory_xact_lock(@c, mod(o, 2147483647)::integer)", lane.Conn, tx);
            c.Parameters.AddWithValue("o", inFlightOwners);
            c.Parameters.AddWithValue("c", _lockClass);
            using var r = c.ExecuteReader();
            while (r.Read()) dead.Add(r.GetInt64(0));
        }
        var take = new List<Guid>();
        for (var i = 0; i < uuids.Length; i++)
        {
            var u = uuids[i];
            if (ours.Contains(u)) { decided[i] = ClaimOutcome.Claimed; continue; }
            if (acked.Contains(u)) { decided[i] = ClaimOutcome.Acknowledged; continue; }
            if (!rows.TryGetValue(u, out var row)) { decided[i] = ClaimOutcome.HeldElsewhere; continue; }
            if (row.State == Acked) { decided[i] = ClaimOutcome.Acknowledged; continue; }
            var heldByLiveOwner = row.BatchState == Sent && row.Owner != OwnerId && !dead.Contains(row.Owner);
            if (heldByLiveOwner) { decided[i] = ClaimOutcome.HeldElsewhere; continue; }
            decided[i] = ClaimOutcome.Claimed;
            take.Add(u);
        }
        if (take.Count > 0)
        {
            using var c = new NpgsqlCommand($"UPDATE {_t}ledger_events SET batch = @b, state = NULL WHERE key = ANY(@k)", lane.Conn, tx);
            c.Parameters.AddWithValue("b", id);
            c.Parameters.AddWithValue("k", take.ToArray());
            c.ExecuteNonQuery();
        }
        var claimed = ours.Count + take.Count;
        using (var c = new NpgsqlCommand(claimed == 0 ? $"DELETE FROM {_t}ledger_batches WHERE id = @b" : $"UPDATE {_t}ledger_batches SET events = @n WHERE id = @b", lane.Conn, tx))
        {
            // With nothing claimed the batch row goes: nothing points at it.
            if (claimed > 0) c.Parameters.AddWithValue("n", claimed);
            c.Parameters.AddWithValue("b", id);
            c.ExecuteNonQuery();
        }
        tx.Commit();
        return claimed == 0 ? null : id;
    }

    /// <summary>The keys among <paramref name="uuids"/> that Snap acknowledged (their own state, or else their batch's).</summary>
    private HashSet<Guid> AcknowledgedAmong(Lane lane, Guid[] uuids, NpgsqlTransaction? tx)
    {
        var acked = new HashSet<Guid>();
        using var c = new NpgsqlCommand($"""
            SELECT k FROM unnest(@k) AS k WHERE ({StateOf("k")}) = {Acked}
            """, lane.Conn, tx);
        c.Parameters.AddWithValue("k", uuids);
        using var r = c.ExecuteReader();
        while (r.Read()) acked.Add(r.GetGuid(0));
        return acked;
    }

    /// <summary>
    /// A key's state (its own, or else its batch's) as a subquery run once a key: two primary-key look-ups,
    /// whatever the planner knows. (A join of the keys to the table let it choose a sequential scan of every
    /// recorded key once a batch while the table had no statistics yet: 40–100 µs a key in a re-run.)
    /// </summary>
    private string StateOf(string key) =>
        $"SELECT COALESCE(e.state, b.state) FROM {_t}ledger_events e JOIN {_t}ledger_batches b ON b.id = e.batch WHERE e.key = {key}";

    /// <inheritdoc />
    public void AcknowledgeBatch(long batchId) => SetBatch(batchId, Acked);

    /// <inheritdoc />
    /// <remarks>Its events become due at once, for this session or any other (a failed batch is not in flight).</remarks>
    public void FailBatch(long batchId) => SetBatch(batchId, Pending);

    /// <inheritdoc />
    public void SetEvents(long batchId, IReadOnlyList<EventKey> keys, LedgerState state)
    {
        if (keys.Count == 0) return;
        var uuids = SortedDistinct(keys, out _);
        Run(lane =>
        {
            using var c = new NpgsqlCommand($"UPDATE {_t}ledger_events SET state = @s WHERE key = ANY(@k) AND batch = @b", lane.Conn);
            c.Parameters.AddWithValue("s", (short)state);
            c.Parameters.AddWithValue("k", uuids);
            c.Parameters.AddWithValue("b", batchId);
            return c.ExecuteNonQuery();
        });
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_pool)
        {
            // Released here, so that the owner is dead for the next claimer at once; closing the (unpooled)
            // connection would release it too, but when the server process has noticed, a moment later.
            if (!_lost && _owner.Conn.State == System.Data.ConnectionState.Open)
            {
                try
                {
                    using var c = new NpgsqlCommand("SELECT pg_advisory_unlock(@c, @o)", _owner.Conn);
                    c.Parameters.AddWithValue("c", _lockClass);
                    c.Parameters.AddWithValue("o", LockId(OwnerId));
                    c.ExecuteNonQuery();
                }
                catch (NpgsqlException) { /* the session is ending anyway: its end releases the lock */ }
            }
            _lost = true;
            foreach (var lane in _lanes) lane.Dispose();
            Monitor.PulseAll(_pool);
        }
    }

    private DateTimeOffset Now => _clock.GetUtcNow();

    private void SetBatch(long batchId, short state) => Run(lane =>
    {
        using var c = new NpgsqlCommand($"UPDATE {_t}ledger_batches SET state = @s, updated_at = @t WHERE id = @b AND owner = @o", lane.Conn);
        c.Parameters.AddWithValue("s", state);
        c.Parameters.AddWithValue("t", Now);
        c.Parameters.AddWithValue("b", batchId);
        c.Parameters.AddWithValue("o", OwnerId);
        return c.ExecuteNonQuery();
    });

    /// <summary>
    /// Runs <paramref name="body"/> on a free lane (a second connection is opened when the first is busy, up to
    /// <see cref="MaxLanes"/>); a broken session stays broken.
    /// </summary>
    private T Run<T>(Func<Lane, T> body)
    {
        var lane = Take();
        try
        {
            return body(lane);
        }
        catch (LedgerSessionLostException)
        {
            _lost = true;
            throw;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException && lane.Conn.State != System.Data.ConnectionState.Open)
        {
            _lost = true;
            throw new LedgerSessionLostException(e);
        }
        finally
        {
            Return(lane);
        }
    }

    private void Return(Lane lane)
    {
        lock (_pool)
        {
            _free.Push(lane);
            Monitor.Pulse(_pool);
        }
    }

    private Lane Take()
    {
        while (true)
        {
            lock (_pool)
            {
                while (true)
                {
                    if (_lost) throw new LedgerSessionLostException(new InvalidOperationException("the session ended earlier"));
                    if (_free.TryPop(out var free)) return free;
                    if (_lanes.Count + _opening < _laneLimit) { _opening++; break; }
                    Monitor.Wait(_pool);
                }
            }
            NpgsqlConnection? conn = null;
            try
            {
                conn = new NpgsqlConnection(_connectionString);
                conn.Open();
                var lane = new Lane(conn, this);
                lock (_pool)
                {
                    _opening--;
                    _lanes.Add(lane);
                }
                return lane;
            }
            catch (NpgsqlException)
            {
                // No second connection (the server's connection limit, or it is gone): this session goes on with the
                // connections it has; a server that is gone shows on the next call of those.
                conn?.Dispose();
                lock (_pool)
                {
                    _opening--;
                    _laneLimit = Math.Max(1, _lanes.Count);
                    Monitor.PulseAll(_pool);
                }
            }
        }
    }

    /// <summary>Takes a free lane until disposed (tests: the next call then writes on a second connection).</summary>
    internal IDisposable HoldLane()
    {
        var lane = Take();
        return new LaneHold(() => Return(lane));
    }

    /// <summary>Connections open now (tests).</summary>
    internal int LaneCount
    {
        get { lock (_pool) return _lanes.Count; }
    }

    private sealed class LaneHold(Action release) : IDisposable
    {
        public void Dispose() => release();
    }

    private static LedgerSessionLostException OwnerLockLost() =>
        new(new InvalidOperationException("the session's owner lock is no longer held (its first connection ended)"));

    /// <summary>The second half of an owner's advisory-lock key (ids wrap after 2³¹ sessions).</summary>
    private static int LockId(long owner) => (int)(owner % int.MaxValue);

    /// <summary>The key as a <c>uuid</c> whose 16 bytes, in order, are the key's (so PostgreSQL sorts keys as numbers).</summary>
    internal static Guid ToUuid(EventKey key)
    {
        Span<byte> b = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(b, key.Value);
        return new Guid(b, bigEndian: true);
    }

    /// <summary>The distinct keys in ascending order as uuids; <paramref name="slot"/>[i] is key i's position among them.</summary>
    private static Guid[] SortedDistinct(IReadOnlyList<EventKey> keys, out int[] slot)
    {
        var n = keys.Count;
        var order = new int[n];
        var values = new UInt128[n];
        for (var i = 0; i < n; i++) { order[i] = i; values[i] = keys[i].Value; }
        Array.Sort(values, order);
        slot = new int[n];
        var distinct = new List<Guid>(n);
        for (var i = 0; i < n; i++)
        {
            if (i == 0 || values[i] != values[i - 1]) distinct.Add(ToUuid(new EventKey(values[i])));
            slot[order[i]] = distinct.Count - 1;
        }
        return distinct.ToArray();
    }

    /// <summary>
    /// The batch row is inserted only while this session's owner lock is held — by its first connection, whichever
    /// connection claims: a session whose first connection ended is dead for every other claimer (they may take its
    /// batches over), so it must not claim on another connection either (the statement then returns no batch).
    /// </summary>
    private const string Alive = "WHERE EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = @p AND classid = @c::oid AND objid = @l::oid AND objsubid = 2 AND granted)";

    /// <summary>One connection of the session with its prepared claim statements; used by one call at a time.</summary>
    private sealed class Lane
    {
        public Lane(NpgsqlConnection conn, PostgresDeliveryLedger ledger)
        {
            Conn = conn;
            var t = ledger._t;
        ClaimFresh = Prepare($"""
            WITH b AS (INSERT INTO {t}ledger_batches(owner, state, events, created_at, updated_at)
                       SELECT @o, {Sent}, @n, @t, @t {Alive} RETURNING id),
                 ins AS (INSERT INTO {t}ledger_events(key, batch) SELECT k, (SELECT id FROM b) FROM unnest(@k) AS k WHERE EXISTS (SELECT 1 FROM b))
            SELECT id FROM b
            """, ("o", NpgsqlDbType.Bigint), ("n", NpgsqlDbType.Integer), ("t", NpgsqlDbType.TimestampTz), ("k", NpgsqlDbType.Array | NpgsqlDbType.Uuid), ("p", NpgsqlDbType.Integer), ("c", NpgsqlDbType.Integer), ("l", NpgsqlDbType.Integer));
        ClaimNew = Prepare($"""
            WITH b AS (INSERT INTO {t}ledger_batches(owner, state, events, created_at, updated_at)
                       SELECT @o, {Sent}, @n, @t, @t {Alive} RETURNING id),
                 ins AS (INSERT INTO {t}ledger_events(key, batch) SELECT k, (SELECT id FROM b) FROM unnest(@k) AS k WHERE EXISTS (SELECT 1 FROM b)
                         ON CONFLICT (key) DO NOTHING RETURNING key)
            SELECT (SELECT id FROM b), (SELECT array_agg(key) FROM ins)
            """, ("o", NpgsqlDbType.Bigint), ("n", NpgsqlDbType.Integer), ("t", NpgsqlDbType.TimestampTz), ("k", NpgsqlDbType.Array | NpgsqlDbType.Uuid), ("p", NpgsqlDbType.Integer), ("c", NpgsqlDbType.Integer), ("l", NpgsqlDbType.Integer));
        Begin = Prepare($"""
            WITH b AS (INSERT INTO {t}ledger_batches(owner, state, events, created_at, updated_at)
                       SELECT @o, {Sent}, @n, @t, @t {Alive} RETURNING id),
                 up AS (INSERT INTO {t}ledger_events(key, batch) SELECT k, (SELECT id FROM b) FROM unnest(@k) AS k WHERE EXISTS (SELECT 1 FROM b)
                        ON CONFLICT (key) DO UPDATE SET batch = excluded.batch, state = NULL)
            SELECT id FROM b
            """, ("o", NpgsqlDbType.Bigint), ("n", NpgsqlDbType.Integer), ("t", NpgsqlDbType.TimestampTz), ("k", NpgsqlDbType.Array | NpgsqlDbType.Uuid), ("p", NpgsqlDbType.Integer), ("c", NpgsqlDbType.Integer), ("l", NpgsqlDbType.Integer));
            foreach (var c in new[] { ClaimFresh, ClaimNew, Begin })
            {
                c.Parameters["p"].Value = ledger._owner?.Conn.ProcessID ?? conn.ProcessID;
                c.Parameters["c"].Value = ledger._lockClass;
                c.Parameters["l"].Value = LockId(ledger.OwnerId);
            }
        }

        public NpgsqlConnection Conn { get; }
        public NpgsqlCommand ClaimFresh { get; }
        public NpgsqlCommand ClaimNew { get; }
        public NpgsqlCommand Begin { get; }

        private NpgsqlCommand Prepare(string sql, params (string Name, NpgsqlDbType Type)[] parameters)
        {
            var c = new NpgsqlCommand(sql, Conn);
            foreach (var (name, type) in parameters) c.Parameters.Add(new NpgsqlParameter(name, type));
            c.Prepare();
            return c;
        }

        public void Dispose()
        {
            ClaimFresh.Dispose();
            ClaimNew.Dispose();
            Begin.Dispose();
            Conn.Dispose();
        }
    }
}
