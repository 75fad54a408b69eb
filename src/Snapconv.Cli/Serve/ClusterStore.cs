using System.ComponentModel.DataAnnotations;
using Npgsql;
using Quartz;

namespace Snapconv.Cli.Serve;

/// <summary>
/// The cluster's Quartz store: the clustered ADO.NET job store with the PostgreSQL delegate, its tables in a schema of
/// their own. Nodes started with the same store are one cluster.
/// </summary>
public sealed record ClusterStoreOptions
{
    /// <summary>Default schema of Quartz's tables: <c>snapconv_quartz</c>.</summary>
    public const string DefaultSchema = "snapconv_quartz";
    /// <summary>
    /// Default check-in interval: 5 s. With <see cref="DefaultCheckinMisfireThreshold"/>, a node that died is declared
    /// failed 15 s after its last check-in at most, and its job is run again by the next check-in of another node (5 s
    /// later at most): within 30 s (#19).
    /// </summary>
    public static readonly TimeSpan DefaultCheckinInterval = TimeSpan.FromSeconds(5);
    /// <summary>Default grace past a missed check-in before a node is declared dead: 10 s.</summary>
    public static readonly TimeSpan DefaultCheckinMisfireThreshold = TimeSpan.FromSeconds(10);
    /// <summary>Default wait between retries while the database is down: 2 s.</summary>
    public static readonly TimeSpan DefaultDbRetryInterval = TimeSpan.FromSeconds(2);

    /// <summary>Npgsql connection string. It may hold the password: never print or log it.</summary>
    [Required] public required string ConnectionString { get; init; }
    /// <summary>Schema of Quartz's tables (<c>[a-z_][a-z0-9_]*</c>). Default <c>snapconv_quartz</c>.</summary>
    [RegularExpression(Snapconv.Postgres.PostgresUrl.SchemaPattern, ErrorMessage = Snapconv.Postgres.PostgresUrl.SchemaRule)] public string Schema { get; init; } = DefaultSchema;
    /// <summary>How often a node records that it is alive. Default 5 s.</summary>
    public TimeSpan CheckinInterval { get; init; } = DefaultCheckinInterval;
    /// <summary>How long past a missed check-in the others wait before recovering a node's work. Default 10 s.</summary>
    public TimeSpan CheckinMisfireThreshold { get; init; } = DefaultCheckinMisfireThreshold;
    /// <summary>Quartz's wait between retries after a database failure. Default 2 s.</summary>
    public TimeSpan DbRetryInterval { get; init; } = DefaultDbRetryInterval;

    /// <summary>Every problem, each path under <paramref name="path"/>; empty when valid. Never shows the connection string.</summary>
    public IReadOnlyList<Snapconv.Core.Options.OptionError> Validate(string path = "") => Snapconv.Core.Options.OptionValidator.Check(this, path);

    /// <summary>Quartz's table prefix: the schema and Quartz's own <c>qrtz_</c>.</summary>
    public string TablePrefix => Schema + ".qrtz_";

    internal void Configure(IQuartzBuilder q, TimeSpan misfireThreshold) =>
        q.UsePersistentStore(s =>
        {
            s.UsePostgres(ConnectionString);
            s.UseClustering(c =>
            {
                c.CheckinInterval = CheckinInterval;
                c.CheckinMisfireThreshold = CheckinMisfireThreshold;
            });
            s.ConfigureStore(o =>
            {
                o.TablePrefix = TablePrefix;
                o.MisfireThreshold = misfireThreshold;
                o.DbRetryInterval = DbRetryInterval;
                // serve creates the schema itself under an advisory lock (QuartzSchema); Quartz checks it.
                o.SchemaProvisioning = SchemaProvisioning.Validate;
            });
        });
}

/// <summary>
/// Creates Quartz's tables on first start: Quartz's own PostgreSQL schema script (the one its package ships for
/// <see cref="SchemaProvisioning.CreateIfMissing"/>, so it always matches the Quartz version the tool runs), in the
/// store's schema, in one transaction under a PostgreSQL advisory lock. Nodes starting together wait for the first
/// one; every statement creates only what is missing, so a second run changes nothing.
/// </summary>
public static class QuartzSchema
{
    /// <summary>The advisory lock key (any fixed number: it only has to be the same on every node).</summary>
    public const long LockKey = 0x736E_6170_7172_747A; // "snapqrtz"
    private const string Resource = "Quartz.Impl.AdoJobStore.Schema.create_postgres.sql";

    /// <summary>Quartz's script with the table prefix filled in, split into its statements.</summary>
    /// <exception cref="InvalidOperationException">The Quartz package in use ships no such script.</exception>
    public static IReadOnlyList<string> Statements(string schema)
    {
        using var stream = typeof(IJob).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"the Quartz package in use has no PostgreSQL schema script ({Resource}).");
        using var reader = new StreamReader(stream);
        var script = reader.ReadToEnd().Replace("{0}", schema + ".qrtz_", StringComparison.Ordinal).Replace("{1}", "qrtz_", StringComparison.Ordinal);
        return script.Split("\n--;;", StringSplitOptions.TrimEntries)
            .Select(s => string.Join('\n', s.Split('\n').Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal))).Trim())
            .Where(s => s.Length > 0).ToList();
    }

    /// <summary>Creates the schema and whatever of Quartz's tables is missing; returns whether this call created the tables.</summary>
    /// <exception cref="ArgumentException"><paramref name="schema"/> is not a plain lower-case identifier.</exception>
    public static async Task<bool> EnsureAsync(string connectionString, string schema, CancellationToken ct)
    {
        // The schema goes into the statements as an identifier: only a plain one is accepted.
        if (!System.Text.RegularExpressions.Regex.IsMatch(schema, Snapconv.Postgres.PostgresUrl.SchemaPattern))
            throw new ArgumentException($"the schema of Quartz's tables must match [a-z_][a-z0-9_]* (was '{schema}').", nameof(schema));
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var l = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@k)", conn, tx))
        {
            l.Parameters.AddWithValue("k", LockKey);
            await l.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        bool existed;
        await using (var q = new NpgsqlCommand("SELECT to_regclass(@t) IS NOT NULL", conn, tx))
        {
            q.Parameters.AddWithValue("t", schema + ".qrtz_locks");
            existed = (bool)(await q.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
        }
        await using (var c = new NpgsqlCommand($"CREATE SCHEMA IF NOT EXISTS {schema}", conn, tx))
            await c.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        foreach (var statement in Statements(schema))
        {
            await using var c = new NpgsqlCommand(statement, conn, tx);
            await c.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return !existed;
    }
}

/// <summary>A node of the cluster as <c>/api/cluster</c> shows it.</summary>
/// <param name="Name">The node's name (Quartz's instance id).</param>
/// <param name="LastCheckinAt">Its last check-in, or null (one node, no store).</param>
/// <param name="State"><c>alive</c>, <c>overdue</c> (missed a check-in) or <c>failed</c> (its work is being recovered).</param>
/// <param name="Running">The jobs it is running, by name.</param>
public sealed record ClusterNode(string Name, DateTimeOffset? LastCheckinAt, string State, IReadOnlyList<string> Running);

/// <summary>
/// Reads the cluster from Quartz's own tables: <c>qrtz_scheduler_state</c> (a row per node and its last check-in) and
/// <c>qrtz_fired_triggers</c> (what each node is executing). Plain reads, so the answer never waits on Quartz's locks.
/// </summary>
public static class ClusterNodes
{
    /// <summary>The nodes, this one first, then by name.</summary>
    public static async Task<IReadOnlyList<ClusterNode>> ReadAsync(ClusterStoreOptions store, string thisNode, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(store.ConnectionString);
        await conn.OpenAsync(ct).ConfigureAwait(false);
        var nodes = new List<(string Name, DateTimeOffset At, TimeSpan Interval)>();
        await using (var c = new NpgsqlCommand($"SELECT instance_name, last_checkin_time, checkin_interval FROM {store.TablePrefix}scheduler_state WHERE sched_name = @s", conn))
        {
            c.CommandTimeout = 5;
            c.Parameters.AddWithValue("s", SchedulerOptions.SchedulerName);
            await using var r = await c.ExecuteReaderAsync(ct).ConfigureAwait(false);
            // Quartz.NET stores times as UTC ticks and intervals as milliseconds.
            while (await r.ReadAsync(ct).ConfigureAwait(false))
                nodes.Add((r.GetString(0), new DateTimeOffset(r.GetInt64(1), TimeSpan.Zero), TimeSpan.FromMilliseconds(r.GetInt64(2))));
        }
        var running = new List<(string Node, string Job)>();
        await using (var c = new NpgsqlCommand($"SELECT instance_name, job_name FROM {store.TablePrefix}fired_triggers WHERE sched_name = @s AND state = 'EXECUTING' AND job_name IS NOT NULL", conn))
        {
            c.CommandTimeout = 5;
            c.Parameters.AddWithValue("s", SchedulerOptions.SchedulerName);
            await using var r = await c.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false)) running.Add((r.GetString(0), r.GetString(1)));
        }
        return nodes.OrderBy(n => n.Name == thisNode ? 0 : 1).ThenBy(n => n.Name, StringComparer.Ordinal).Select(n =>
        {
            var age = now - n.At;
            var state = age <= n.Interval + n.Interval ? "alive" : age <= n.Interval + store.CheckinMisfireThreshold ? "overdue" : "failed";
            return new ClusterNode(n.Name, n.At, state, running.Where(x => x.Node == n.Name).Select(x => x.Job).Distinct().Order(StringComparer.Ordinal).ToList());
        }).ToList();
    }
}
