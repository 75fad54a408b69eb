using Microsoft.Data.Sqlite;

namespace Snapconv.Storage;

/// <summary>
/// Opens a SQLite file the way every snapconv store keeps one (the delivery ledger, the sources ledger, the
/// sandbox's journal): no pooling (each store holds its one connection), WAL, <c>synchronous=NORMAL</c> and a
/// busy timeout so a second process waits for a lock instead of failing at once.
/// </summary>
/// <remarks>
/// This file is compiled into each project that keeps a SQLite store (<c>src/Shared</c> is linked, not a
/// project): Core has no database and the stores' projects do not reference each other, so one source file is
/// the smallest shared spot that keeps the opening written once.
/// </remarks>
internal static class SqliteFile
{
    /// <summary>How long a statement waits for another connection's lock. Default: 10 s.</summary>
    public const int BusyTimeoutMs = 10_000;

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/> with the shared PRAGMAs.</summary>
    /// <exception cref="SqliteException">The file cannot be opened or is not a database.</exception>
    public static SqliteConnection Open(string path)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            db.Open();
            using var c = db.CreateCommand();
            c.CommandText = $"""
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=NORMAL;
                PRAGMA busy_timeout={BusyTimeoutMs};
                """;
            c.ExecuteNonQuery();
            return db;
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }
}
