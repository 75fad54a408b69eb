using Npgsql;

namespace Snapconv.Postgres.Tests;

/// <summary>One private PostgreSQL 15 for the tests of this project (started on loopback); each test gets a schema of its own.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private readonly List<PostgresStore> _stores = [];

    public PostgresServer Server { get; } = new();

    /// <summary>Skips (or fails under CI=true) when PostgreSQL is not installed.</summary>
    public void Require() => Server.Require();

    public string ConnectionString => Server.ConnectionString;

    /// <summary>A schema name no other test uses.</summary>
    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A store on a fresh schema (migrated), disposed with the fixture.</summary>
    public PostgresStore NewStore(string? node = null)
    {
        Require();
        var store = PostgresStore.OpenAsync(new PostgresStoreOptions { ConnectionString = ConnectionString, Schema = NewSchema(), NodeName = node ?? "test-node" },
            CancellationToken.None).GetAwaiter().GetResult();
        lock (_stores) _stores.Add(store);
        return store;
    }

    /// <summary>A second store (another node) on <paramref name="schema"/>; the caller disposes it.</summary>
    public Task<PostgresStore> OpenStoreAsync(string schema, string node)
    {
        Require();
        return PostgresStore.OpenAsync(new PostgresStoreOptions { ConnectionString = ConnectionString, Schema = schema, NodeName = node }, CancellationToken.None);
    }

    public NpgsqlDataSource DataSource() => NpgsqlDataSource.Create(ConnectionString);

    public Task InitializeAsync() => Server.InitializeAsync();

    public async Task DisposeAsync()
    {
        foreach (var s in _stores) await s.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await Server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
