using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;
using Snapconv.Sources.Ledger;
using Snapconv.Sources.Staging;
using Snapconv.Sources.Tests.Servers;

namespace Snapconv.Sources.Tests;

/// <summary>The SQL source's incremental cursor, against a real PostgreSQL 15 and SQLite.</summary>
public sealed class SqlSourceTests(PostgresServer pg) : IClassFixture<PostgresServer>, IDisposable
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "snapconv-sql-" + Guid.NewGuid().ToString("N")[..10]);

    private async Task<StagingResult> StageAsync(ISource source, SourceLedger ledger) =>
        await new SourceStaging(source, ledger, "crm", Path.Combine(_state, "staging")).StageAsync(null, default);

    [SkippableFact]
    public async Task Postgres_Cursor_AdvancesOnlyAfterCommit_AndReadsOnlyNewRows()
    {
        pg.Require();
        var table = "sales_" + Guid.NewGuid().ToString("N")[..6];
        await using (var c = new NpgsqlConnection(pg.ConnectionString))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = $"""
                CREATE TABLE {table}(id int, email text, amount numeric(10,2), updated_at timestamptz);
                INSERT INTO {table} VALUES (1,'a@example.com',10.5,'2024-05-01T10:00:00Z'),(2,'b@example.com',20,'2024-05-01T11:00:00Z');
                """;
            await cmd.ExecuteNonQueryAsync();
        }
        using var ledger = new SourceLedger(_state, TimeProvider.System);
        var options = new SqlSourceOptions
        {
            Driver = SqlDriver.Postgres, ConnectionEnv = "PG", CursorColumn = "updated_at", CursorStart = "2024-01-01T00:00:00Z",
            Query = $"SELECT id AS order_id, email, amount, updated_at FROM {table} WHERE updated_at > @cursor ORDER BY updated_at",
        };
        await using var source = SourceFactory.Create(options, n => n == "PG" ? pg.ConnectionString : null);

        var first = await StageAsync(source, ledger);
        var staged = Assert.Single(first.Staged);
        Assert.Equal(2, staged.Fetch.Rows);
        var lines = File.ReadAllLines(staged.Path);
        Assert.Equal("order_id,email,amount,updated_at", lines[0]);
        Assert.StartsWith("1,a@example.com,10.50,2024-05-01T10:00:00", lines[1]);
        Assert.Null(ledger.GetCursor("crm")); // not settled yet

        // Not committed (the run did not settle): the same rows come again.
        SourceStaging.Cleanup(first.Staged);
        var again = await StageAsync(source, ledger);
        Assert.Equal(2, Assert.Single(again.Staged).Fetch.Rows);
        await new SourceStaging(source, ledger, "crm", "x").CommitAsync(again, null, default);
        SourceStaging.Cleanup(again.Staged);
        Assert.Equal("tz:2024-05-01T11:00:00.0000000Z", ledger.GetCursor("crm"));

        Assert.Empty((await StageAsync(source, ledger)).Staged); // nothing new

        await using (var c = new NpgsqlConnection(pg.ConnectionString))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = $"INSERT INTO {table} VALUES (3,'c@example.com',5,'2024-05-02T09:00:00Z')";
            await cmd.ExecuteNonQueryAsync();
        }
        var third = await StageAsync(source, ledger);
        var only = Assert.Single(third.Staged);
        Assert.Equal(1, only.Fetch.Rows);
        Assert.Contains("c@example.com", File.ReadAllText(only.Path));
        SourceStaging.Cleanup(third.Staged);
    }

    [SkippableFact]
    public async Task Postgres_Unreachable_IsRetryable_BadQuery_IsConfiguration_WithoutEchoingData()
    {
        pg.Require();
        var down = $"Host=127.0.0.1;Port={TestServer.FreePort()};Username=snap;Timeout=3";
        await using var s1 = SourceFactory.Create(new SqlSourceOptions { Driver = SqlDriver.Postgres, ConnectionEnv = "PG", Query = "SELECT 1" }, _ => down);
        Directory.CreateDirectory(_state);
        var e1 = await Assert.ThrowsAsync<SourceException>(() => s1.FetchAsync(new SourceObject("q", null, null), Path.Combine(_state, "a.csv"), null, new SourceContext("j", null), default));
        Assert.False(e1.IsConfiguration);
        await using var s2 = SourceFactory.Create(new SqlSourceOptions { Driver = SqlDriver.Postgres, ConnectionEnv = "PG", Query = "SELECT 'secret@x.com'::int" }, _ => pg.ConnectionString);
        var e2 = await Assert.ThrowsAsync<SourceException>(() => s2.FetchAsync(new SourceObject("q", null, null), Path.Combine(_state, "b.csv"), null, new SourceContext("j", null), default));
        Assert.True(e2.IsConfiguration);
        Assert.DoesNotContain("secret", e2.Message);
    }

    [Fact]
    public async Task Sqlite_IntegerCursor_ReadsIncrementally()
    {
        Directory.CreateDirectory(_state);
        var db = Path.Combine(_state, "crm.db");
        await using (var c = new SqliteConnection($"Data Source={db}"))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE s(id INTEGER, email TEXT); INSERT INTO s VALUES (1,'a@x.com'),(2,'b@x.com');";
            await cmd.ExecuteNonQueryAsync();
        }
        using var ledger = new SourceLedger(_state, TimeProvider.System);
        await using var source = SourceFactory.Create(new SqlSourceOptions
        {
            Driver = SqlDriver.Sqlite, Connection = $"Data Source={db};Pooling=false", CursorColumn = "id", CursorStart = "0",
            Query = "SELECT id, email FROM s WHERE id > @cursor",
        });
        var first = await StageAsync(source, ledger);
        await new SourceStaging(source, ledger, "crm", "x").CommitAsync(first, null, default);
        SourceStaging.Cleanup(first.Staged);
        Assert.Equal("i:2", ledger.GetCursor("crm"));
        await using (var c = new SqliteConnection($"Data Source={db};Pooling=false"))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "INSERT INTO s VALUES (3,'c@x.com')";
            await cmd.ExecuteNonQueryAsync();
        }
        var next = await StageAsync(source, ledger);
        Assert.Equal(["id,email", "3,c@x.com"], File.ReadAllLines(Assert.Single(next.Staged).Path));
        SourceStaging.Cleanup(next.Staged);
    }

    [Fact]
    public void Options_LiteralPassword_IsRefused()
    {
        var errors = new SqlSourceOptions { Driver = SqlDriver.Postgres, Connection = "Host=h;Password=x", Query = "SELECT 1" }.Validate("jobs[0].source").Select(e => e.ToString());
        Assert.Contains(errors, e => e.StartsWith("jobs[0].source.connection: holds a password", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_state, true); } catch (IOException) { }
    }
}

/// <summary>
/// The SQL source (SQLite driver) runs the shared suite (#17): its one object is the query's result, and each put
/// replaces the table's rows with the CSV's.
/// </summary>
public sealed class SqliteSqlSourceConformanceTests : SourceConformance
{
    private string Db => Path.Combine(State, "crm.db");
    protected override bool ManyObjects => false;
    protected override bool GzipObjects => false;
    protected override bool ReadsAgainToCompare => true;
    protected override void Require() { }
    protected override string StagedName(string key) => "query.csv";
    protected override byte[] AsStaged(byte[] content) => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(content).Replace("\n", "\r\n", StringComparison.Ordinal));

    protected override async Task PutAsync(string key, byte[] content)
    {
        Directory.CreateDirectory(State);
        await using var c = new SqliteConnection($"Data Source={Db};Pooling=false");
        await c.OpenAsync();
        await using var tx = c.BeginTransaction();
        await using (var ddl = c.CreateCommand())
        {
            ddl.CommandText = "DROP TABLE IF EXISTS t; CREATE TABLE t(email TEXT, value INTEGER);";
            await ddl.ExecuteNonQueryAsync();
        }
        foreach (var line in Encoding.UTF8.GetString(content).Split('\n').Skip(1).Where(l => l.Length > 0))
        {
            var cells = line.Split(',');
            await using var insert = c.CreateCommand();
            insert.CommandText = "INSERT INTO t VALUES ($e, $v)";
            insert.Parameters.AddWithValue("$e", cells[0]);
            insert.Parameters.AddWithValue("$v", long.Parse(cells[1], System.Globalization.CultureInfo.InvariantCulture));
            await insert.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
    }

    protected override ISource Create() => SourceFactory.Create(new SqlSourceOptions
    {
        Driver = SqlDriver.Sqlite, Connection = $"Data Source={Db};Pooling=false", Query = "SELECT email, value FROM t ORDER BY rowid",
    });
}
