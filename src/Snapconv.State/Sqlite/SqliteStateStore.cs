using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Snapconv.State.Sqlite;

/// <summary>
/// <see cref="IStateStore"/> on one SQLite file (<c>DIR/state.db</c>), for one node. WAL mode, a pooled connection per
/// call; times are stored as microseconds since 1970 UTC (the precision every store keeps). The schema is versioned
/// with <c>PRAGMA user_version</c> and created or upgraded on open.
/// </summary>
public sealed class SqliteStateStore : IStateStore
{
    /// <summary>File name of the store in its folder.</summary>
    public const string FileName = "state.db";
    private const int SchemaVersion = 1;
    private const string RunColumns = "id, job, node, trigger, started_at, finished_at, outcome, exit_code, rows, accepted, rejected, duplicates, filtered, sent, acknowledged, report_path, rejects_path, message";

    // The queries of the pages, each on its index (SqliteStateStoreTests checks the plans).
    internal const string RunsOfJobSql = $"SELECT {RunColumns} FROM runs WHERE job = $job ORDER BY started_at DESC, id DESC LIMIT $limit;";
    internal const string OpenRunsSql = $"SELECT {RunColumns} FROM runs WHERE finished_at IS NULL ORDER BY started_at DESC, id DESC;";
    // INDEXED BY: without statistics SQLite prefers walking the (job, …) index for the GROUP BY, i.e. every run.
    internal const string AcknowledgedSql = "SELECT job, SUM(acknowledged) FROM runs INDEXED BY runs_started WHERE started_at >= $since GROUP BY job;";
    internal const string DailySql = """
        SELECT started_at / 86400000000 AS day, SUM(accepted), SUM(rejected) FROM runs
        WHERE job = $job AND started_at >= $from AND started_at < $to GROUP BY day ORDER BY day;
        """;
    // One index probe per job (the newest entry of its (job, started_at, id) range) instead of a sort of every run.
    internal const string LastRunsSql = $"""
        SELECT {RunColumns} FROM runs WHERE id IN (
            SELECT (SELECT id FROM runs r WHERE r.job = j.job ORDER BY started_at DESC, id DESC LIMIT 1)
            FROM (SELECT DISTINCT job FROM runs) j);
        """;

    private readonly string _connectionString;

    /// <summary>The database file.</summary>
    public string Path { get; }

    private SqliteStateStore(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    /// <summary>Opens (creating when absent) <c>{dir}/state.db</c>.</summary>
    /// <exception cref="StateStoreException">The file cannot be created or opened, or is not a state store.</exception>
    public static async Task<SqliteStateStore> OpenAsync(string dir, CancellationToken ct = default)
    {
        string path;
        try
        {
            Directory.CreateDirectory(dir);
            path = System.IO.Path.Combine(System.IO.Path.GetFullPath(dir), FileName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StateStoreException($"cannot create the state folder {dir} ({e.GetType().Name})", e);
        }
        var store = new SqliteStateStore(path);
        try
        {
            await store.MigrateAsync(ct).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            SqliteConnection.ClearAllPools();
            throw new StateStoreException($"cannot open the state store {path}: {e.Message}", e);
        }
        return store;
    }

    private async Task MigrateAsync(CancellationToken ct)
    {
        await using var db = await OpenConnectionAsync(ct).ConfigureAwait(false);
        await ExecAsync(db, "PRAGMA journal_mode=WAL;", ct).ConfigureAwait(false);
        var version = Convert.ToInt32(await ScalarAsync(db, "PRAGMA user_version;", ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
            throw new StateStoreException($"the state store {Path} has schema version {version}, newer than this snapconv knows ({SchemaVersion}); use a newer snapconv");
        if (version == SchemaVersion) return;
        await using var tx = await db.BeginTransactionAsync(ct).ConfigureAwait(false);
        await ExecAsync(db, """
            CREATE TABLE IF NOT EXISTS console_jobs (
                name TEXT PRIMARY KEY NOT NULL,
                definition TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                job TEXT NOT NULL,
                node TEXT NOT NULL,
                trigger TEXT NOT NULL,
                started_at INTEGER NOT NULL,
                finished_at INTEGER,
                outcome TEXT,
                exit_code INTEGER,
                rows INTEGER NOT NULL DEFAULT 0,
                accepted INTEGER NOT NULL DEFAULT 0,
                rejected INTEGER NOT NULL DEFAULT 0,
                duplicates INTEGER NOT NULL DEFAULT 0,
                filtered INTEGER NOT NULL DEFAULT 0,
                sent INTEGER NOT NULL DEFAULT 0,
                acknowledged INTEGER NOT NULL DEFAULT 0,
                report_path TEXT,
                rejects_path TEXT,
                message TEXT);
            CREATE INDEX IF NOT EXISTS runs_job_started ON runs (job, started_at DESC, id DESC);
            CREATE INDEX IF NOT EXISTS runs_started ON runs (started_at, job, acknowledged);
            CREATE INDEX IF NOT EXISTS runs_open ON runs (started_at DESC, id DESC) WHERE finished_at IS NULL;
            CREATE TABLE IF NOT EXISTS run_log (
                run_id INTEGER NOT NULL,
                seq INTEGER NOT NULL,
                at INTEGER NOT NULL,
                level TEXT NOT NULL,
                step TEXT NOT NULL,
                message TEXT NOT NULL,
                PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
            PRAGMA user_version = 1;
            """, ct, tx).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    // ---- console jobs ----

    /// <inheritdoc />
    public Task<IReadOnlyList<ConsoleJobRecord>> ListJobsAsync(CancellationToken ct = default) => Guard(async db =>
    {
        await using var cmd = Command(db, "SELECT name, definition, created_at, updated_at FROM console_jobs ORDER BY name;");
        return (IReadOnlyList<ConsoleJobRecord>)await ReadAllAsync(cmd, ReadJob, ct).ConfigureAwait(false);
    }, ct);

    /// <inheritdoc />
    public Task<ConsoleJobRecord?> GetJobAsync(string name, CancellationToken ct = default) => Guard(async db =>
    {
        await using var cmd = Command(db, "SELECT name, definition, created_at, updated_at FROM console_jobs WHERE name = $name;", ("$name", name));
        return (await ReadAllAsync(cmd, ReadJob, ct).ConfigureAwait(false)).FirstOrDefault();
    }, ct);

    /// <inheritdoc />
    public Task<bool> UpsertJobAsync(ConsoleJobRecord job, CancellationToken ct = default) => Guard(async db =>
    {
        await using var tx = await db.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using var update = Command(db, "UPDATE console_jobs SET definition = $def, updated_at = $updated WHERE name = $name;",
            ("$name", job.Name), ("$def", job.Definition), ("$updated", Micros(job.UpdatedAt)));
        update.Transaction = (SqliteTransaction)tx;
        var created = await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 0;
        if (created)
        {
            await using var insert = Command(db, "INSERT INTO console_jobs (name, definition, created_at, updated_at) VALUES ($name, $def, $created, $updated);",
                ("$name", job.Name), ("$def", job.Definition), ("$created", Micros(job.CreatedAt)), ("$updated", Micros(job.UpdatedAt)));
            insert.Transaction = (SqliteTransaction)tx;
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return created;
    }, ct);

    /// <inheritdoc />
    public Task<bool> DeleteJobAsync(string name, CancellationToken ct = default) => Guard(async db =>
    {
        await using var cmd = Command(db, "DELETE FROM console_jobs WHERE name = $name;", ("$name", name));
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    }, ct);

    // ---- runs ----

    /// <inheritdoc />
    public Task<long> StartRunAsync(RunStart start, CancellationToken ct = default) => Guard(async db =>
    {
        await using var cmd = Command(db, "INSERT INTO runs (job, node, trigger, started_at) VALUES ($job, $node, $trigger, $started) RETURNING id;",
            ("$job", start.Job), ("$node", start.Node), ("$trigger", start.Trigger), ("$started", Micros(start.StartedAt)));
        return (long)(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }, ct);

    /// <inheritdoc />
    public Task<bool> FinishRunAsync(long id, RunFinish finish, CancellationToken ct = default) => Guard(async db =>
    {
        var c = finish.Counts;
        await using var cmd = Command(db, """
            UPDATE runs SET finished_at = $finished, outcome = $outcome, exit_code = $exit, rows = $rows, accepted = $accepted,
                rejected = $rejected, duplicates = $duplicates, filtered = $filtered, sent = $sent, acknowledged = $acknowledged,
                report_path = $report, rejects_path = $rejects, message = $message
            WHERE id = $id AND finished_at IS NULL;
            """,
            ("$id", id), ("$finished", Micros(finish.FinishedAt)), ("$outcome", finish.Outcome), ("$exit", finish.ExitCode), ("$rows", c.Rows),
            ("$accepted", c.Accepted), ("$rejected", c.Rejected), ("$duplicates", c.Duplicates), ("$filtered", c.Filtered), ("$sent", c.Sent),
            ("$acknowledged", c.Acknowledged), ("$report", finish.ReportPath), ("$rejects", finish.RejectsPath), ("$message", finish.Message));
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }, ct);

    /// <inheritdoc />
    public Task<bool> ClaimRunAsync(long id, string node, DateTimeOffset startedAt, CancellationToken ct = default) => Guard(async db =>
    {
        await using var cmd = Command(db, "UPDATE runs SET node = $node, started_at = $started WHERE id = $id AND finished_at IS NULL;",
            ("$id", id), ("$node", node), ("$started", Micros(startedAt)));
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    }, ct);

    /// <inheritdoc />
    public Task<int> CloseOpenRunsAsync(string node, DateTimeOffset at, CancellationToken ct = default) => Guard(async db =>
    {
        await using var cmd = Command(db, "UPDATE runs SET finished_at = $at, outcome = $outcome, exit_code = 1 WHERE node = $node AND finished_at IS NULL;",
            ("$node", node), ("$at", Micros(at)), ("$outcome", RunOutcomes.Interrupted));
        return await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }, ct);

    /// <inheritdoc />
    public Task<RunRecord?> GetRunAsync(long id, CancellationToken ct = default) => Guard(async db =>
    {
        await using var cmd = Command(db, $"SELECT {RunColumns} FROM runs WHERE id = $id;", ("$id", id));
        return (await ReadAllAsync(cmd, ReadRun, ct).ConfigureAwait(false)).FirstOrDefault();
    }, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<RunRecord>> ListRunsAsync(string job, int limit, long? beforeId = null, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, StateLimits.MaxPage);
        return Guard(async db =>
        {
            // Keyset paging on the (job, started_at DESC, id DESC) index: the page after run X holds the runs ordered after it.
            await using var cmd = beforeId is { } b
                ? Command(db, $"""
                    SELECT {RunColumns} FROM runs
                    WHERE job = $job AND (started_at, id) < (SELECT started_at, id FROM runs WHERE id = $before)
                    ORDER BY started_at DESC, id DESC LIMIT $limit;
                    """, ("$job", job), ("$before", b), ("$limit", limit))
                : Command(db, RunsOfJobSql,
                    ("$job", job), ("$limit", limit));
            return (IReadOnlyList<RunRecord>)await ReadAllAsync(cmd, ReadRun, ct).ConfigureAwait(false);
        }, ct);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RunRecord>> ListOpenRunsAsync(CancellationToken ct = default) => Guard(async db =>
    {
        await using var cmd = Command(db, OpenRunsSql);
        return (IReadOnlyList<RunRecord>)await ReadAllAsync(cmd, ReadRun, ct).ConfigureAwait(false);
    }, ct);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, JobRunSummary>> SummarizeJobsAsync(DateTimeOffset acknowledgedSince, CancellationToken ct = default) => Guard(async db =>
    {
        var acknowledged = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var sums = Command(db, AcknowledgedSql,
            ("$since", Micros(acknowledgedSince))))
        await using (var r = await sums.ExecuteReaderAsync(ct).ConfigureAwait(false))
            while (await r.ReadAsync(ct).ConfigureAwait(false)) acknowledged[r.GetString(0)] = r.GetInt64(1);
        await using var last = Command(db, LastRunsSql);
        var result = new Dictionary<string, JobRunSummary>(StringComparer.Ordinal);
        foreach (var run in await ReadAllAsync(last, ReadRun, ct).ConfigureAwait(false))
            result[run.Job] = new JobRunSummary(run.Job, run, acknowledged.GetValueOrDefault(run.Job));
        return (IReadOnlyDictionary<string, JobRunSummary>)result;
    }, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<DailyCounts>> DailyCountsAsync(string job, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default) => Guard(async db =>
    {
        await using var cmd = Command(db, DailySql, ("$job", job), ("$from", Micros(from)), ("$to", Micros(to)));
        return (IReadOnlyList<DailyCounts>)await ReadAllAsync(cmd,
            r => new DailyCounts(DateOnly.FromDateTime(DateTime.UnixEpoch.AddDays(r.GetInt64(0))), r.GetInt64(1), r.GetInt64(2)), ct).ConfigureAwait(false);
    }, ct);

    // ---- log lines ----

    /// <inheritdoc />
    public Task AppendLogAsync(long runId, IReadOnlyList<RunLogEntry> lines, CancellationToken ct = default) => lines.Count == 0 ? Task.CompletedTask : Guard(async db =>
    {
        await using var tx = await db.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using var max = Command(db, "SELECT COALESCE(MAX(seq), 0) FROM run_log WHERE run_id = $run;", ("$run", runId));
        max.Transaction = (SqliteTransaction)tx;
        var seq = (long)(await max.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        await using var insert = Command(db, "INSERT INTO run_log (run_id, seq, at, level, step, message) VALUES ($run, $seq, $at, $level, $step, $message);",
            ("$run", runId), ("$seq", 0L), ("$at", 0L), ("$level", ""), ("$step", ""), ("$message", ""));
        insert.Transaction = (SqliteTransaction)tx;
        foreach (var l in lines)
        {
            insert.Parameters["$seq"].Value = ++seq;
            insert.Parameters["$at"].Value = Micros(l.At);
            insert.Parameters["$level"].Value = l.Level;
            insert.Parameters["$step"].Value = l.Step;
            insert.Parameters["$message"].Value = l.Message;
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return 0;
    }, ct);

    /// <inheritdoc />
    public Task<IReadOnlyList<RunLogLine>> ReadLogAsync(long runId, long afterSeq = 0, int limit = StateLimits.MaxLogPage, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, StateLimits.MaxLogPage);
        return Guard(async db =>
        {
            await using var cmd = Command(db, "SELECT run_id, seq, at, level, step, message FROM run_log WHERE run_id = $run AND seq > $after ORDER BY seq LIMIT $limit;",
                ("$run", runId), ("$after", afterSeq), ("$limit", limit));
            return (IReadOnlyList<RunLogLine>)await ReadAllAsync(cmd,
                r => new RunLogLine(r.GetInt64(0), r.GetInt64(1), FromMicros(r.GetInt64(2)), r.GetString(3), r.GetString(4), r.GetString(5)), ct).ConfigureAwait(false);
        }, ct);
    }

    // ---- retention ----

    /// <inheritdoc />
    public Task<int> PurgeAsync(RetentionPolicy policy, DateTimeOffset now, CancellationToken ct = default) => Guard(async db =>
    {
        await using var tx = await db.BeginTransactionAsync(ct).ConfigureAwait(false);
        var deleted = 0;
        // The jobs with their own days first, then every other job with the default.
        var own = policy.JobDays.Keys.ToList();
        foreach (var (job, days) in policy.JobDays)
            deleted += await DeleteRunsAsync(db, (SqliteTransaction)tx, "job = $job", Micros(now.AddDays(-days)), ct, ("$job", job)).ConfigureAwait(false);
        var others = own.Count == 0 ? "1 = 1" : $"job NOT IN ({string.Join(", ", own.Select((_, i) => "$j" + i))})";
        deleted += await DeleteRunsAsync(db, (SqliteTransaction)tx, others, Micros(now.AddDays(-policy.DefaultDays)), ct,
            own.Select((j, i) => ("$j" + i, (object?)j)).ToArray()).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return deleted;
    }, ct);

    private static async Task<int> DeleteRunsAsync(SqliteConnection db, SqliteTransaction tx, string jobFilter, long cutoff, CancellationToken ct,
        params (string, object?)[] args)
    {
        var where = $"{jobFilter} AND started_at < $cutoff AND finished_at IS NOT NULL";
        var all = args.Append(("$cutoff", cutoff)).ToArray();
        await using var log = Command(db, $"DELETE FROM run_log WHERE run_id IN (SELECT id FROM runs WHERE {where});", all);
        log.Transaction = tx;
        await log.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        await using var runs = Command(db, $"DELETE FROM runs WHERE {where};", all);
        runs.Transaction = tx;
        return await runs.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; release them so the folder can be removed.
        using (var db = new SqliteConnection(_connectionString)) SqliteConnection.ClearPool(db);
        return ValueTask.CompletedTask;
    }

    // ---- helpers ----

    internal static long Micros(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
    internal static DateTimeOffset FromMicros(long us) => DateTimeOffset.UnixEpoch.AddTicks(us * 10);

    private async Task<SqliteConnection> OpenConnectionAsync(CancellationToken ct)
    {
        var db = new SqliteConnection(_connectionString);
        await db.OpenAsync(ct).ConfigureAwait(false);
        // WAL with NORMAL: a commit waits for no fsync (the history may lose its last runs on a power cut, never its integrity).
        await ExecAsync(db, "PRAGMA synchronous=NORMAL;", ct).ConfigureAwait(false);
        return db;
    }

    private async Task<T> Guard<T>(Func<SqliteConnection, Task<T>> body, CancellationToken ct)
    {
        try
        {
            await using var db = await OpenConnectionAsync(ct).ConfigureAwait(false);
            return await body(db).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            throw new StateStoreException($"the state store {Path} failed: {e.Message}", e);
        }
    }

    private static SqliteCommand Command(SqliteConnection db, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in args) cmd.Parameters.AddWithValue(n, v ?? DBNull.Value);
        return cmd;
    }

    private static async Task ExecAsync(SqliteConnection db, string sql, CancellationToken ct, DbTransaction? tx = null)
    {
        await using var cmd = Command(db, sql);
        cmd.Transaction = (SqliteTransaction?)tx;
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection db, string sql, CancellationToken ct)
    {
        await using var cmd = Command(db, sql);
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
    }

    private static async Task<List<T>> ReadAllAsync<T>(SqliteCommand cmd, Func<SqliteDataReader, T> read, CancellationToken ct)
    {
        var list = new List<T>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(read(r));
        return list;
    }

    private static ConsoleJobRecord ReadJob(SqliteDataReader r) => new()
    {
        Name = r.GetString(0),
        Definition = r.GetString(1),
        CreatedAt = FromMicros(r.GetInt64(2)),
        UpdatedAt = FromMicros(r.GetInt64(3)),
    };

    private static RunRecord ReadRun(SqliteDataReader r) => new()
    {
        Id = r.GetInt64(0),
        Job = r.GetString(1),
        Node = r.GetString(2),
        Trigger = r.GetString(3),
        StartedAt = FromMicros(r.GetInt64(4)),
        FinishedAt = r.IsDBNull(5) ? null : FromMicros(r.GetInt64(5)),
        Outcome = r.IsDBNull(6) ? null : r.GetString(6),
        ExitCode = r.IsDBNull(7) ? null : r.GetInt32(7),
        Counts = new RunCounts(r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), r.GetInt64(12), r.GetInt64(13), r.GetInt64(14)),
        ReportPath = r.IsDBNull(15) ? null : r.GetString(15),
        RejectsPath = r.IsDBNull(16) ? null : r.GetString(16),
        Message = r.IsDBNull(17) ? null : r.GetString(17),
    };
}
