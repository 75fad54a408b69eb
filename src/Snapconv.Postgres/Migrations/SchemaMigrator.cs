using System.Globalization;
using Npgsql;

namespace Snapconv.Postgres.Migrations;

/// <summary>One step of the project's PostgreSQL schema. <paramref name="Sql"/> names the schema as <c>{schema}</c>.</summary>
/// <param name="Version">Its number: the steps run in this order, each once per database.</param>
/// <param name="Description">What it adds (stored with the version).</param>
public sealed record Migration(int Version, string Description, string Sql);

/// <summary>The store's schema is newer than this build knows: an older node must not write to it (exit 2).</summary>
public sealed class SchemaTooNewException(string schema, int found, int known)
    : Exception($"the store's schema {schema} is at version {found}, and this snapconv knows versions up to {known}: upgrade snapconv on this node before it joins.")
{
    /// <summary>The version the database is at.</summary>
    public int Found { get; } = found;
    /// <summary>The newest version this build has.</summary>
    public int Known { get; } = known;
}

/// <summary>
/// Brings a schema to the newest version, by version number, idempotently, whichever node starts first: one
/// transaction holding <c>pg_advisory_xact_lock</c> on a key of the schema's name creates the schema and the
/// <c>schema_migrations</c> table if missing, reads the version, and applies the newer steps in order, recording
/// each. A second node starting at the same moment waits for that lock (not for a timer), then finds the steps
/// done and applies none. PostgreSQL's DDL is transactional: a node killed mid-migration leaves no step half
/// applied, and the next start runs it again.
/// </summary>
public static class SchemaMigrator
{
    /// <summary>First half of the advisory-lock key of migrations (<c>'SNAP'</c>); the second is <c>hashtext(schema)</c>.</summary>
    public const int LockClass = 0x534E4150;

    /// <summary>Migrates <paramref name="schema"/> with <paramref name="migrations"/> (ordered by version, numbers unique and positive).</summary>
    /// <returns>The versions this call applied (none when another node had done it).</returns>
    /// <exception cref="SchemaTooNewException">The database is at a version this build does not know.</exception>
    /// <exception cref="ArgumentException">The steps are not numbered 1, 2, … in order, or the schema name is unsafe.</exception>
    /// <exception cref="NpgsqlException">PostgreSQL is unreachable or refused a step.</exception>
    public static async Task<IReadOnlyList<int>> MigrateAsync(NpgsqlDataSource db, string schema, IReadOnlyList<Migration> migrations, string appliedBy, CancellationToken ct)
    {
        if (!PostgresUrl.SchemaName().IsMatch(schema)) throw new ArgumentException("unsafe schema name", nameof(schema));
        for (var i = 0; i < migrations.Count; i++)
            if (migrations[i].Version != i + 1) throw new ArgumentException("migrations must be numbered 1, 2, … in order", nameof(migrations));
        var q = Quote(schema);
        await using var conn = await db.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false);
        await ExecAsync(conn, tx, "SELECT pg_advisory_xact_lock(@c, hashtext(@s))", ct, ("c", LockClass), ("s", schema)).ConfigureAwait(false);
        await ExecAsync(conn, tx, $"""
            CREATE SCHEMA IF NOT EXISTS {q};
            CREATE TABLE IF NOT EXISTS {q}.schema_migrations(version integer PRIMARY KEY, description text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL);
            """, ct).ConfigureAwait(false);
        int current;
        await using (var c = new NpgsqlCommand($"SELECT COALESCE(max(version), 0) FROM {q}.schema_migrations", conn, tx))
            current = Convert.ToInt32(await c.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (current > migrations.Count) throw new SchemaTooNewException(schema, current, migrations.Count);
        var applied = new List<int>();
        foreach (var m in migrations.Where(m => m.Version > current))
        {
            await ExecAsync(conn, tx, m.Sql.Replace("{schema}", q, StringComparison.Ordinal), ct).ConfigureAwait(false);
            await ExecAsync(conn, tx, $"INSERT INTO {q}.schema_migrations(version, description, applied_by) VALUES (@v, @d, @b)", ct,
                ("v", m.Version), ("d", m.Description), ("b", appliedBy)).ConfigureAwait(false);
            applied.Add(m.Version);
        }
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return applied;
    }

    /// <summary>The version <paramref name="schema"/> is at (0 when never migrated).</summary>
    public static async Task<int> VersionAsync(NpgsqlDataSource db, string schema, CancellationToken ct)
    {
        await using var c = db.CreateCommand("SELECT to_regclass(@t) IS NOT NULL");
        c.Parameters.AddWithValue("t", Quote(schema) + ".schema_migrations");
        if (await c.ExecuteScalarAsync(ct).ConfigureAwait(false) is not true) return 0;
        await using var v = db.CreateCommand($"SELECT COALESCE(max(version), 0) FROM {Quote(schema)}.schema_migrations");
        return Convert.ToInt32(await v.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>The schema name as an SQL identifier (checked to be a plain lower-case name first).</summary>
    internal static string Quote(string schema) => '"' + schema + '"';

    private static async Task ExecAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct, params (string Name, object Value)[] args)
    {
        await using var c = new NpgsqlCommand(sql, conn, tx);
        foreach (var (name, value) in args) c.Parameters.AddWithValue(name, value);
        await c.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
