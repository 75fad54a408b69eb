using Npgsql;
using NpgsqlTypes;
using Snapconv.Postgres.Migrations;
using Snapconv.State;

namespace Snapconv.Postgres.State;

/// <summary>
/// <see cref="IStateStore"/> on the cluster's PostgreSQL (schema <c>snapconv</c>, migration 2): the console's jobs,
/// every node's runs (each with the node that ran it) and their log lines, in <c>console_jobs</c>, <c>runs</c> and
/// <c>run_log</c>. Names compare byte by byte (<c>COLLATE "C"</c>, as SQLite); times are <c>timestamptz</c>
/// (microseconds, as every store keeps); run ids come from an identity column (increasing in the order runs
/// start, cluster-wide). The pages' queries run on their indexes. Each call is one statement or one
/// transaction on a pooled connection; a PostgreSQL failure is a <see cref="StateStoreException"/> naming the
/// store without its password.
/// </summary>
internal sealed class PostgresStateStore(NpgsqlDataSource db, string schema, string display) : IStateStore
{
    private const string RunColumns = "id, job, node, trigger, started_at, finished_at, outcome, exit_code, rows, accepted, rejected, duplicates, filtered, sent, acknowledged, report_path, rejects_path, message";
    private readonly string _t = SchemaMigrator.Quote(schema) + ".";

    /// <summary>The schema step that creates these tables (appended to <see cref="StoreMigrations.All"/>).</summary>
    internal const string MigrationSql = """
        CREATE TABLE {schema}.console_jobs(
            name text COLLATE "C" PRIMARY KEY,
            definition text NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL);
        CREATE TABLE {schema}.runs(
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            job text COLLATE "C" NOT NULL,
            node text NOT NULL,
            trigger text NOT NULL,
            started_at timestamptz NOT NULL,
            finished_at timestamptz,
            outcome text,
            exit_code integer,
            rows bigint NOT NULL DEFAULT 0,
            accepted bigint NOT NULL DEFAULT 0,
            rejected bigint NOT NULL DEFAULT 0,
            duplicates bigint NOT NULL DEFAULT 0,
            filtered bigint NOT NULL DEFAULT 0,
            sent bigint NOT NULL DEFAULT 0,
            acknowledged bigint NOT NULL DEFAULT 0,
            report_path text,
            rejects_path text,
            message text);
        CREATE INDEX runs_job_started ON {schema}.runs(job, started_at DESC, id DESC);
        CREATE INDEX runs_started ON {schema}.runs(started_at, job) INCLUDE (acknowledged);
        CREATE INDEX runs_open ON {schema}.runs(started_at DESC, id DESC) WHERE finished_at IS NULL;
        CREATE INDEX runs_node_open ON {schema}.runs(node) WHERE finished_at IS NULL;
        CREATE TABLE {schema}.run_log(
            run_id bigint NOT NULL,
            seq bigint NOT NULL,
            at timestamptz NOT NULL,
            level text NOT NULL,
            step text NOT NULL,
            message text NOT NULL,
            PRIMARY KEY(run_id, seq));
        """;

    // ---- console jobs ----

    /// <inheritdoc />
    public Task<IReadOnlyList<ConsoleJobRecord>> ListJobsAsync(CancellationToken ct = default) =>
        ReadAsync($"SELECT name, definition, created_at, updated_at FROM {_t}console_jobs ORDER BY name", ReadJob, ct);

    /// <inheritdoc />
    public async Task<ConsoleJobRecord?> GetJobAsync(string name, CancellationToken ct = default) =>
        (await ReadAsync($"SELECT name, definition, created_at, updated_at FROM {_t}console_jobs WHERE name = @n", ReadJob, ct, ("n", name)).ConfigureAwait(false))
        .FirstOrDefault();

    /// <inheritdoc />
    public Task<bool> UpsertJobAsync(ConsoleJobRecord job, CancellationToken ct = default) => Guard(async () =>
    {
        // xmax = 0 only on a row this statement inserted (an update leaves its own transaction id there).
        await using var c = Command($"""
            INSERT INTO {_t}console_jobs(name, definition, created_at, updated_at) VALUES (@n, @d, @c, @u)
            ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at
            RETURNING xmax = 0
            """, ("n", job.Name), ("d", job.Definition), ("c", job.CreatedAt.ToUniversalTime()), ("u", job.UpdatedAt.ToUniversalTime()));
        return await c.ExecuteScalarAsync(ct).ConfigureAwait(false) is true;
    });

    /// <inheritdoc />
    public Task<bool> DeleteJobAsync(string name, CancellationToken ct = default) => Guard(async () =>
    {
        await using var c = Command($"DELETE FROM {_t}console_jobs WHERE name = @n", ("n", name));
        return await c.ExecuteNonQueryAsync(ct).ConfigureAwait(false) > 0;
    });

    // ---- runs ----

    /// <inheritdoc />
    public Task<long> StartRunAsync(RunStart start, CancellationToken ct = default) => Guard(async () =>
    {
        await using var c = Command($"INSERT INTO {_t}runs(job, node, trigger, started_at) VALUES (@j, @n, @tr, @s) RETURNING id",
            ("j", start.Job), ("n", start.Node), ("tr", start.Trigger), ("s", start.StartedAt.ToUniversalTime()));
        return (long)(await c.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    });

    /// <inheritdoc />
    public Task<bool> FinishRunAsync(long id, RunFinish finish, CancellationToken ct = default) => Guard(async () =>
    {
        var n = finish.Counts;
        await using var c = Command($"""
            UPDATE {_t}runs SET finished_at = @f, outcome = @o, exit_code = @e, rows = @rows, accepted = @acc, rejected = @rej,
                duplicates = @dup, filtered = @fil, sent = @sent, acknowledged = @ack, report_path = @rp, rejects_path = @jp, message = @m
            WHERE id = @id AND finished_at IS NULL
            """,
            ("id", id), ("f", finish.FinishedAt.ToUniversalTime()), ("o", finish.Outcome), ("e", finish.ExitCode), ("rows", n.Rows),
            ("acc", n.Accepted), ("rej", n.Rejected), ("dup", n.Duplicates), ("fil", n.Filtered), ("sent", n.Sent), ("ack", n.Acknowledged),
            ("rp", Text(finish.ReportPath)), ("jp", Text(finish.RejectsPath)), ("m", Text(finish.Message)));
        return await c.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    });

    /// <inheritdoc />
    public Task<bool> ClaimRunAsync(long id, string node, DateTimeOffset startedAt, CancellationToken ct = default) => Guard(async () =>
    {
        await using var c = Command($"UPDATE {_t}runs SET node = @n, started_at = @s WHERE id = @id AND finished_at IS NULL",
            ("id", id), ("n", node), ("s", startedAt.ToUniversalTime()));
        return await c.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
    });

    /// <inheritdoc />
    public Task<int> CloseOpenRunsAsync(string node, DateTimeOffset at, CancellationToken ct = default) => Guard(async () =>
    {
        await using var c = Command($"UPDATE {_t}runs SET finished_at = @at, outcome = @o, exit_code = 1 WHERE node = @n AND finished_at IS NULL",
            ("n", node), ("at", at.ToUniversalTime()), ("o", RunOutcomes.Interrupted));
        return await c.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    });

    /// <inheritdoc />
    public async Task<RunRecord?> GetRunAsync(long id, CancellationToken ct = default) =>
        (await ReadAsync($"SELECT {RunColumns} FROM {_t}runs WHERE id = @id", ReadRun, ct, ("id", id)).ConfigureAwait(false)).FirstOrDefault();

    /// <inheritdoc />
    public Task<IReadOnlyList<RunRecord>> ListRunsAsync(string job, int limit, long? beforeId = null, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, StateLimits.MaxPage);
        // Keyset paging on (job, started_at DESC, id DESC): the page after run X holds the runs ordered after it.
        return beforeId is { } before
            ? ReadAsync($"""
                SELECT {RunColumns} FROM {_t}runs
                WHERE job = @j AND (started_at, id) < (SELECT started_at, id FROM {_t}runs WHERE id = @b)
                ORDER BY started_at DESC, id DESC LIMIT @l
                """, ReadRun, ct, ("j", job), ("b", before), ("l", limit))
            : ReadAsync($"SELECT {RunColumns} FROM {_t}runs WHERE job = @j ORDER BY started_at DESC, id DESC LIMIT @l", ReadRun, ct, ("j", job), ("l", limit));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RunRecord>> ListOpenRunsAsync(CancellationToken ct = default) =>
        ReadAsync($"SELECT {RunColumns} FROM {_t}runs WHERE finished_at IS NULL ORDER BY started_at DESC, id DESC", ReadRun, ct);

    /// <inheritdoc />
    public Task<IReadOnlyDictionary<string, JobRunSummary>> SummarizeJobsAsync(DateTimeOffset acknowledgedSince, CancellationToken ct = default) => Guard(async () =>
    {
        var acknowledged = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var c = Command($"SELECT job, sum(acknowledged)::bigint FROM {_t}runs WHERE started_at >= @s GROUP BY job", ("s", acknowledgedSince.ToUniversalTime())))
        await using (var r = await c.ExecuteReaderAsync(ct).ConfigureAwait(false))
            while (await r.ReadAsync(ct).ConfigureAwait(false)) acknowledged[r.GetString(0)] = r.GetInt64(1);
        // The newest run of each job: one walk of the (job, started_at DESC, id DESC) index.
        var result = new Dictionary<string, JobRunSummary>(StringComparer.Ordinal);
        foreach (var run in await ReadCoreAsync($"SELECT DISTINCT ON (job) {RunColumns} FROM {_t}runs ORDER BY job, started_at DESC, id DESC", ReadRun, ct).ConfigureAwait(false))
            result[run.Job] = new JobRunSummary(run.Job, run, acknowledged.GetValueOrDefault(run.Job));
        return (IReadOnlyDictionary<string, JobRunSummary>)result;
    });

    /// <inheritdoc />
    public Task<IReadOnlyList<DailyCounts>> DailyCountsAsync(string job, DateTimeOffset from, DateTimeOffset to, CancellationToken ct = default) =>
        ReadAsync($"""
            SELECT (started_at AT TIME ZONE 'UTC')::date AS day, sum(accepted)::bigint, sum(rejected)::bigint FROM {_t}runs
            WHERE job = @j AND started_at >= @f AND started_at < @t GROUP BY day ORDER BY day
            """, r => new DailyCounts(r.GetFieldValue<DateOnly>(0), r.GetInt64(1), r.GetInt64(2)), ct,
            ("j", job), ("f", from.ToUniversalTime()), ("t", to.ToUniversalTime()));

    // ---- log lines ----

    /// <inheritdoc />
    public Task AppendLogAsync(long runId, IReadOnlyList<RunLogEntry> lines, CancellationToken ct = default) => lines.Count == 0 ? Task.CompletedTask : Guard(async () =>
    {
        await using var conn = await db.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        // One appender of a run at a time (its seq numbers follow on), whichever process appends.
        await using (var l = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext(@s), mod(@r, 2147483647)::integer)", conn, tx))
        {
            l.Parameters.AddWithValue("s", schema + ".run_log");
            l.Parameters.AddWithValue("r", runId);
            await l.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await using (var c = new NpgsqlCommand($"""
            INSERT INTO {_t}run_log(run_id, seq, at, level, step, message)
            SELECT @r, base.seq + l.n, l.at, l.level, l.step, l.message
            FROM (SELECT COALESCE(max(seq), 0) AS seq FROM {_t}run_log WHERE run_id = @r) base,
                 unnest(@at, @level, @step, @message) WITH ORDINALITY AS l(at, level, step, message, n)
            """, conn, tx))
        {
            c.Parameters.AddWithValue("r", runId);
            c.Parameters.Add(new NpgsqlParameter("at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = lines.Select(x => x.At.UtcDateTime).ToArray() });
            c.Parameters.Add(new NpgsqlParameter("level", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = lines.Select(x => x.Level).ToArray() });
            c.Parameters.Add(new NpgsqlParameter("step", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = lines.Select(x => x.Step).ToArray() });
            c.Parameters.Add(new NpgsqlParameter("message", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = lines.Select(x => x.Message).ToArray() });
            await c.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return 0;
    });

    /// <inheritdoc />
    public Task<IReadOnlyList<RunLogLine>> ReadLogAsync(long runId, long afterSeq = 0, int limit = StateLimits.MaxLogPage, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, StateLimits.MaxLogPage);
        return ReadAsync($"SELECT run_id, seq, at, level, step, message FROM {_t}run_log WHERE run_id = @r AND seq > @a ORDER BY seq LIMIT @l",
            r => new RunLogLine(r.GetInt64(0), r.GetInt64(1), r.GetFieldValue<DateTimeOffset>(2), r.GetString(3), r.GetString(4), r.GetString(5)), ct,
            ("r", runId), ("a", afterSeq), ("l", limit));
    }

    // ---- retention ----

    /// <inheritdoc />
    public Task<int> PurgeAsync(RetentionPolicy policy, DateTimeOffset now, CancellationToken ct = default) => Guard(async () =>
    {
        // Days of 24 hours (as DateTimeOffset.AddDays), whatever the session's time zone; open runs never go.
        await using var c = Command($"""
            WITH policy AS (SELECT * FROM unnest(@jobs, @days) AS p(job, days)),
                 doomed AS (DELETE FROM {_t}runs r
                            WHERE r.finished_at IS NOT NULL
                              AND r.started_at < @now - COALESCE((SELECT p.days FROM policy p WHERE p.job = r.job), @default) * interval '24 hours'
                            RETURNING r.id),
                 log AS (DELETE FROM {_t}run_log WHERE run_id IN (SELECT id FROM doomed))
            SELECT count(*) FROM doomed
            """, ("now", now.ToUniversalTime()), ("default", policy.DefaultDays));
        c.Parameters.Add(new NpgsqlParameter("jobs", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = policy.JobDays.Keys.ToArray() });
        c.Parameters.Add(new NpgsqlParameter("days", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = policy.JobDays.Values.ToArray() });
        return (int)(long)(await c.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    });

    /// <inheritdoc />
    /// <remarks>The connections belong to the <see cref="PostgresStore"/> that opened this store.</remarks>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    // ---- helpers ----

    private static object Text(string? s) => (object?)s ?? DBNull.Value;

    private NpgsqlCommand Command(string sql, params (string Name, object Value)[] args)
    {
        var c = db.CreateCommand(sql);
        foreach (var (name, value) in args) c.Parameters.AddWithValue(name, value);
        return c;
    }

    private Task<IReadOnlyList<T>> ReadAsync<T>(string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct, params (string Name, object Value)[] args) =>
        Guard(() => ReadCoreAsync(sql, read, ct, args));

    private async Task<IReadOnlyList<T>> ReadCoreAsync<T>(string sql, Func<NpgsqlDataReader, T> read, CancellationToken ct, params (string Name, object Value)[] args)
    {
        await using var c = Command(sql, args);
        await using var r = await c.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var list = new List<T>();
        while (await r.ReadAsync(ct).ConfigureAwait(false)) list.Add(read(r));
        return list;
    }

    private async Task<T> Guard<T>(Func<Task<T>> body)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            throw new StateStoreException($"the state store {display} failed: {e.Message}", e);
        }
    }

    private static ConsoleJobRecord ReadJob(NpgsqlDataReader r) => new()
    {
        Name = r.GetString(0),
        Definition = r.GetString(1),
        CreatedAt = r.GetFieldValue<DateTimeOffset>(2),
        UpdatedAt = r.GetFieldValue<DateTimeOffset>(3),
    };

    private static RunRecord ReadRun(NpgsqlDataReader r) => new()
    {
        Id = r.GetInt64(0),
        Job = r.GetString(1),
        Node = r.GetString(2),
        Trigger = r.GetString(3),
        StartedAt = r.GetFieldValue<DateTimeOffset>(4),
        FinishedAt = r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5),
        Outcome = r.IsDBNull(6) ? null : r.GetString(6),
        ExitCode = r.IsDBNull(7) ? null : r.GetInt32(7),
        Counts = new RunCounts(r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), r.GetInt64(12), r.GetInt64(13), r.GetInt64(14)),
        ReportPath = r.IsDBNull(15) ? null : r.GetString(15),
        RejectsPath = r.IsDBNull(16) ? null : r.GetString(16),
        Message = r.IsDBNull(17) ? null : r.GetString(17),
    };
}
