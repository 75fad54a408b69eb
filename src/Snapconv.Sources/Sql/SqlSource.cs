using System.Data.Common;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;
using Snapconv.Sources.Staging;

namespace Snapconv.Sources.Sql;

/// <summary>
/// A SQL query whose rows are streamed from the data reader into a staged CSV file (never held in memory). With a
/// cursor column, the query reads <c>@cursor</c> and the largest value seen becomes the next cursor, stored only once
/// the run settled.
/// </summary>
internal sealed class SqlSource(SqlSourceOptions options, Func<string, string?> env) : ISource
{
    public string Description => $"sql {options.Driver.ToString().ToLowerInvariant()}";

    public Task<IReadOnlyList<SourceObject>> ListAsync(SourceContext context, CancellationToken ct) =>
        // One object per run: the query's result. Its identity is its content hash (and the cursor it ends at).
        Task.FromResult<IReadOnlyList<SourceObject>>([new SourceObject("query.csv", null, null)]);

    public async Task<FetchResult> FetchAsync(SourceObject obj, string destination, string? previousVersion, SourceContext context, CancellationToken ct)
    {
        var connectionString = options.Connection ?? env(options.ConnectionEnv!)
            ?? throw new SourceException($"sql source: environment variable {options.ConnectionEnv} is not set.", isConfiguration: true);
        var start = options.CursorColumn is null ? (SqlCursor?)null
            : context.Cursor is { } c ? SqlCursor.Decode(c) : SqlCursor.Infer(options.CursorStart!);
        try
        {
            await using var connection = Open(connectionString);
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = options.Query;
            command.CommandTimeout = options.TimeoutSecs;
            if (start is { } s)
            {
                var p = command.CreateParameter();
                p.ParameterName = "cursor";
                p.Value = s.ToParameter(options.Driver);
                command.Parameters.Add(p);
            }
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var (rows, max) = await WriteCsvAsync(reader, destination, start, ct).ConfigureAwait(false);
            return new FetchResult(Rows: rows, Cursor: max?.Encoded, Version: max?.Encoded);
        }
        catch (DbException e) when (e is not NpgsqlException { InnerException: SocketException or IOException or TimeoutException })
        {
            // The database's message can quote values: only the SQL state travels.
            var state = e.SqlState ?? (e as SqliteException)?.SqliteErrorCode.ToString(CultureInfo.InvariantCulture) ?? "?";
            throw new SourceException($"sql source: the query failed (SQL state {state}).", e, isConfiguration: e is PostgresException or SqliteException);
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or IOException or TimeoutException)
        {
            throw new SourceException($"sql source: the database is unreachable ({e.GetType().Name}).", e);
        }
        catch (ArgumentException e)
        {
            throw new SourceException("sql source: the connection string is not valid.", e, isConfiguration: true);
        }
    }

    private DbConnection Open(string connectionString) => options.Driver switch
    {
        SqlDriver.Postgres => new NpgsqlConnection(connectionString),
        _ => new SqliteConnection(connectionString),
    };

    /// <summary>Writes the rows as RFC 4180 CSV with a header; returns the row count and the largest cursor seen.</summary>
    private async Task<(long Rows, SqlCursor? Max)> WriteCsvAsync(DbDataReader reader, string destination, SqlCursor? start, CancellationToken ct)
    {
        var cursorOrdinal = -1;
        if (options.CursorColumn is { } col)
        {
            for (var i = 0; i < reader.FieldCount; i++)
                if (string.Equals(reader.GetName(i), col, StringComparison.OrdinalIgnoreCase)) cursorOrdinal = i;
            if (cursorOrdinal < 0) throw new SourceException($"sql source: the query returns no column '{col}' (cursor_column).", isConfiguration: true);
        }
        await using var file = new FileStream(destination, SourceStaging.StagedFileOptions);
        await using var w = new StreamWriter(file, new UTF8Encoding(false), 1 << 16);
        for (var i = 0; i < reader.FieldCount; i++)
        {
            if (i > 0) w.Write(',');
            Cell(w, reader.GetName(i));
        }
        w.Write("\r\n");
        long rows = 0;
        SqlCursor? max = start;
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                if (i > 0) w.Write(',');
                if (!reader.IsDBNull(i)) Cell(w, Format(reader.GetValue(i)));
            }
            w.Write("\r\n");
            rows++;
            if (cursorOrdinal >= 0 && !reader.IsDBNull(cursorOrdinal)
                && SqlCursor.FromValue(reader.GetValue(cursorOrdinal), reader.GetDataTypeName(cursorOrdinal)) is { } v
                && (max is null || max.Value.Kind != v.Kind || v.CompareTo(max.Value) > 0))
                max = v;
        }
        await w.FlushAsync(ct).ConfigureAwait(false);
        return (rows, rows == 0 ? null : max);
    }

    private static string Format(object value) => value switch
    {
        DateTime d => d.Kind == DateTimeKind.Utc ? d.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", CultureInfo.InvariantCulture) : d.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        DateTimeOffset o => o.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        byte[] bytes => Convert.ToBase64String(bytes),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static void Cell(TextWriter w, string value)
    {
        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0 && (value.Length == 0 || (value[0] != ' ' && value[^1] != ' ')))
        {
            w.Write(value);
            return;
        }
        w.Write('"');
        w.Write(value.Replace("\"", "\"\"", StringComparison.Ordinal));
        w.Write('"');
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
