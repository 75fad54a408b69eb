using Npgsql;
using Snapconv.Postgres.Migrations;

namespace Snapconv.Postgres.Tests.Migrations;

[Collection(PostgresCollection.Name)]
public sealed class SchemaMigratorTests(PostgresFixture pg)
{
    private static readonly Migration[] Steps =
    [
        new(1, "one", "CREATE TABLE {schema}.a(id int PRIMARY KEY);"),
        new(2, "two", "CREATE TABLE {schema}.b(id int PRIMARY KEY); INSERT INTO {schema}.a VALUES (1);"),
    ];

    private static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql)
    {
        await using var c = db.CreateCommand(sql);
        return Convert.ToInt64(await c.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [SkippableFact]
    public async Task TwoNodesMigratingAtOnce_EachStepAppliedOnce_ByOneOfThem_TheOtherWaitsOnTheLock()
    {
        pg.Require();
        await using var db = pg.DataSource();
        var schema = PostgresFixture.NewSchema();
        // A third session holds the migration lock, so that both migrators are surely waiting on it at once.
        await using var holder = await db.OpenConnectionAsync();
        await using var tx = await holder.BeginTransactionAsync();
        await using (var c = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@c, hashtext(@s))", holder, tx))
        {
            c.Parameters.AddWithValue("c", SchemaMigrator.LockClass);
            c.Parameters.AddWithValue("s", schema);
            await c.ExecuteNonQueryAsync();
        }
        var first = SchemaMigrator.MigrateAsync(db, schema, Steps, "node-a", CancellationToken.None);
        var second = SchemaMigrator.MigrateAsync(db, schema, Steps, "node-b", CancellationToken.None);
        // Bounded wait until PostgreSQL shows both waiting for the lock.
        for (var i = 0; i < 200 && await ScalarAsync(db, $"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = {SchemaMigrator.LockClass}") < 2; i++)
            await Task.Delay(25);
        Assert.Equal(2, await ScalarAsync(db, $"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = {SchemaMigrator.LockClass}"));
        await tx.CommitAsync();
        var applied = await Task.WhenAll(first, second);
        var sorted = applied.OrderBy(a => a.Count).ToArray();
        Assert.Empty(sorted[0]);
        Assert.Equal([1, 2], sorted[1]);
        Assert.Equal(2, await ScalarAsync(db, $"SELECT count(*) FROM \"{schema}\".schema_migrations"));
        Assert.Equal(1, await ScalarAsync(db, $"SELECT count(*) FROM \"{schema}\".a"));
        Assert.Equal(2, await SchemaMigrator.VersionAsync(db, schema, CancellationToken.None));
    }

    [SkippableFact]
    public async Task Migrate_Again_AppliesNothing_AndANewStepOnly()
    {
        pg.Require();
        await using var db = pg.DataSource();
        var schema = PostgresFixture.NewSchema();
        Assert.Equal(0, await SchemaMigrator.VersionAsync(db, schema, CancellationToken.None));
        Assert.Equal([1], await SchemaMigrator.MigrateAsync(db, schema, Steps[..1], "n", CancellationToken.None));
        Assert.Empty(await SchemaMigrator.MigrateAsync(db, schema, Steps[..1], "n", CancellationToken.None));
        Assert.Equal([2], await SchemaMigrator.MigrateAsync(db, schema, Steps, "n", CancellationToken.None));
        Assert.Equal(1, await ScalarAsync(db, $"SELECT count(*) FROM \"{schema}\".a"));
    }

    [SkippableFact]
    public async Task FailingStep_LeavesNoStepHalfApplied()
    {
        pg.Require();
        await using var db = pg.DataSource();
        var schema = PostgresFixture.NewSchema();
        Migration[] broken = [Steps[0], new(2, "broken", "CREATE TABLE {schema}.b(id int); SELECT no_such_function();")];
        await Assert.ThrowsAsync<PostgresException>(() => SchemaMigrator.MigrateAsync(db, schema, broken, "n", CancellationToken.None));
        Assert.Equal(0, await SchemaMigrator.VersionAsync(db, schema, CancellationToken.None));
        Assert.Equal(0, await ScalarAsync(db, $"SELECT count(*) FROM pg_tables WHERE schemaname = '{schema}'"));
        Assert.Equal([1, 2], await SchemaMigrator.MigrateAsync(db, schema, Steps, "n", CancellationToken.None));
    }

    [SkippableFact]
    public async Task DatabaseNewerThanTheBuild_IsRefused_NamingBothVersions()
    {
        pg.Require();
        await using var db = pg.DataSource();
        var schema = PostgresFixture.NewSchema();
        await SchemaMigrator.MigrateAsync(db, schema, Steps, "new-node", CancellationToken.None);
        var e = await Assert.ThrowsAsync<SchemaTooNewException>(() => SchemaMigrator.MigrateAsync(db, schema, Steps[..1], "old-node", CancellationToken.None));
        Assert.Equal($"the store's schema {schema} is at version 2, and this snapconv knows versions up to 1: upgrade snapconv on this node before it joins.", e.Message);
    }

    [Fact]
    public async Task StepsOutOfOrder_AreRefusedBeforeConnecting()
    {
        await using var db = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=x");
        await Assert.ThrowsAsync<ArgumentException>(() => SchemaMigrator.MigrateAsync(db, "s", [Steps[1]], "n", CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => SchemaMigrator.MigrateAsync(db, "bad-name", Steps, "n", CancellationToken.None));
    }

    [SkippableFact]
    public async Task StoreOpen_MigratesTheProjectTables_InTheirOwnSchema()
    {
        pg.Require();
        var store = pg.NewStore();
        await using var db = pg.DataSource();
        Assert.Equal(PostgresStore.SchemaVersion, await SchemaMigrator.VersionAsync(db, store.Options.Schema, CancellationToken.None));
        var tables = new List<string>();
        await using (var c = db.CreateCommand($"SELECT tablename FROM pg_tables WHERE schemaname = '{store.Options.Schema}' ORDER BY 1"))
        await using (var r = await c.ExecuteReaderAsync())
            while (await r.ReadAsync()) tables.Add(r.GetString(0));
        Assert.Equal(["console_jobs", "ledger_batches", "ledger_events", "ledger_files", "ledger_owners", "run_log", "runs", "schema_migrations",
            "source_cursors", "source_objects"], tables);
    }
}
