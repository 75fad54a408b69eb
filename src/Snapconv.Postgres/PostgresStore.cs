using System.ComponentModel.DataAnnotations;
using Npgsql;
using Snapconv.Delivery.Ledger;
using Snapconv.Postgres.Ledger;
using Snapconv.Postgres.Migrations;
using Snapconv.Postgres.State;
using Snapconv.Sources.Ledger;
using Snapconv.State;

namespace Snapconv.Postgres;

/// <summary>How a node reaches the cluster's PostgreSQL store.</summary>
public sealed record PostgresStoreOptions
{
    /// <summary>
    /// Npgsql connection string (from <see cref="PostgresUrl.ToConnectionString"/>). It may hold the password:
    /// never print or log it.
    /// </summary>
    [Required] public required string ConnectionString { get; init; }
    /// <summary>Schema of the project's tables. Default <c>snapconv</c> (<see cref="PostgresUrl.DefaultSchema"/>).</summary>
    [RegularExpression(PostgresUrl.SchemaPattern, ErrorMessage = PostgresUrl.SchemaRule)]
    public string Schema { get; init; } = PostgresUrl.DefaultSchema;
    /// <summary>This node's name, recorded with its ledger sessions and migrations. Default <see cref="DefaultNodeName"/>.</summary>
    [Required] public string NodeName { get; init; } = DefaultNodeName;

    /// <summary>Every problem, each path under <paramref name="path"/>; empty when valid. Never shows the connection string.</summary>
    public IReadOnlyList<Snapconv.Core.Options.OptionError> Validate(string path = "") => Snapconv.Core.Options.OptionValidator.Check(this, path);

    /// <summary>The host name and process id (<c>HOST:PID</c>), as <c>--node-name</c>'s default.</summary>
    public static string DefaultNodeName => $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>The options of <paramref name="url"/> (password by reference, see <see cref="PostgresUrl.ToConnectionString"/>).</summary>
    public static PostgresStoreOptions From(PostgresUrl url, string? passwordEnv = null, string? nodeName = null, Func<string, string?>? env = null)
    {
        var node = nodeName ?? DefaultNodeName;
        return new PostgresStoreOptions
        {
            ConnectionString = url.ToConnectionString(passwordEnv, "snapconv " + node, env),
            Schema = url.Schema,
            NodeName = node,
        };
    }
}

/// <summary>
/// The cluster's store on PostgreSQL: opened once per process (<see cref="OpenAsync"/> migrates the schema to this
/// build's version first), it hands out the ledgers every node shares. Thread-safe.
/// </summary>
public sealed class PostgresStore : IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _pooled;
    private readonly string _sessions;

    private PostgresStore(PostgresStoreOptions options, NpgsqlDataSource pooled)
    {
        Options = options;
        _pooled = pooled;
        // Ledger sessions hold a session-level advisory lock for their life; closing one must end the server
        // session (a pooled connection would keep the lock until its reset), so they are not pooled.
        _sessions = new NpgsqlConnectionStringBuilder(options.ConnectionString) { Pooling = false }.ConnectionString;
    }

    /// <summary>The options it was opened with.</summary>
    public PostgresStoreOptions Options { get; }

    /// <summary>The schema version this build migrates to.</summary>
    public static int SchemaVersion => StoreMigrations.All.Count;

    /// <summary>Pooled connections to the store (for the parts of the project that keep their own tables here).</summary>
    public NpgsqlDataSource DataSource => _pooled;

    /// <summary>Connects, and migrates the schema to <see cref="SchemaVersion"/> (see <see cref="SchemaMigrator"/>).</summary>
    /// <exception cref="SchemaTooNewException">The database is at a newer version than this build knows.</exception>
    /// <exception cref="NpgsqlException">PostgreSQL is unreachable or refused the login (retriable).</exception>
    public static async Task<PostgresStore> OpenAsync(PostgresStoreOptions options, CancellationToken ct)
    {
        if (options.Validate() is { Count: > 0 } errors) throw new ArgumentException(string.Join("; ", errors), nameof(options));
        var pooled = NpgsqlDataSource.Create(options.ConnectionString);
        try
        {
            await SchemaMigrator.MigrateAsync(pooled, options.Schema, StoreMigrations.All, options.NodeName, ct).ConfigureAwait(false);
            return new PostgresStore(options, pooled);
        }
        catch
        {
            await pooled.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Opens a delivery ledger session: one per delivery run (its owner id and lock live as long as it). Times
    /// come from <paramref name="clock"/>.
    /// </summary>
    /// <exception cref="NpgsqlException">PostgreSQL is unreachable.</exception>
    public IDeliveryLedger OpenDeliveryLedger(TimeProvider clock) =>
        new PostgresDeliveryLedger(_sessions, Options.Schema, Options.NodeName, clock);

    /// <summary>The source ledger (pooled connections; no session of its own).</summary>
    public ISourceLedger OpenSourceLedger(TimeProvider clock) => new PostgresSourceLedger(_pooled, Options.Schema, clock);

    /// <summary>The console's store (jobs, runs with their node, log lines) on pooled connections; disposing it leaves them to this store.</summary>
    public IStateStore OpenStateStore() => new PostgresStateStore(_pooled, Options.Schema, Display);

    /// <summary>The store as it may be printed: <c>postgresql://USER@HOST:PORT/DB (schema S)</c>, never the password.</summary>
    public string Display
    {
        get
        {
            var b = new NpgsqlConnectionStringBuilder(Options.ConnectionString);
            return $"postgresql://{b.Username}@{b.Host}:{b.Port}/{b.Database} (schema {Options.Schema})";
        }
    }

    /// <inheritdoc />
    public void Dispose() => _pooled.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _pooled.DisposeAsync();
}
