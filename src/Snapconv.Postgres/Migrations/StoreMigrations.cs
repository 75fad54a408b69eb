namespace Snapconv.Postgres.Migrations;

/// <summary>
/// The project's tables on PostgreSQL, version by version (applied by <see cref="SchemaMigrator"/>). A step, once
/// released, never changes: a change is a new step. Quartz's own tables are not here: Quartz's schema script
/// creates them in their own schema.
/// </summary>
public static class StoreMigrations
{
    /// <summary>Every step, in order.</summary>
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "delivery ledger and source ledger", """
            CREATE TABLE {schema}.ledger_owners(
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                node text NOT NULL,
                started_at timestamptz NOT NULL);
            CREATE TABLE {schema}.ledger_files(
                path text NOT NULL,
                sha256 bytea NOT NULL,
                size bigint NOT NULL,
                mtime timestamptz NOT NULL,
                seen_at timestamptz NOT NULL,
                PRIMARY KEY(path, sha256));
            CREATE TABLE {schema}.ledger_batches(
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                owner bigint NOT NULL,
                state smallint NOT NULL,
                events integer NOT NULL,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL);
            CREATE TABLE {schema}.ledger_events(
                key uuid PRIMARY KEY,
                batch bigint NOT NULL,
                state smallint);
            CREATE TABLE {schema}.source_objects(
                job text COLLATE "C" NOT NULL,
                key text COLLATE "C" NOT NULL,
                size bigint,
                version text,
                sha256 bytea NOT NULL,
                state smallint NOT NULL,
                updated_at timestamptz NOT NULL,
                PRIMARY KEY(job, key));
            CREATE TABLE {schema}.source_cursors(
                job text COLLATE "C" PRIMARY KEY,
                value text NOT NULL,
                updated_at timestamptz NOT NULL);
            """),
        new(2, "console jobs, run history, run log", State.PostgresStateStore.MigrationSql),
    ];
}
