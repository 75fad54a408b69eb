using Microsoft.Data.Sqlite;
using Snapconv.Storage;

namespace Snapconv.Sandbox.Store;

/// <summary>SQLite journal (<c>--db FILE</c>): one table, batched inserts in one transaction per request.</summary>
internal sealed class SqliteEventJournal : IEventJournal
{
    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();

    public SqliteEventJournal(string path)
    {
        _db = SqliteFile.Open(path);
        using var cmd = _db.CreateCommand();
        cmd.CommandText = """
            CREATE TABLE IF NOT EXISTS events (
                pixel_id TEXT NOT NULL,
                seq INTEGER NOT NULL,
                received_at_ms INTEGER NOT NULL,
                json BLOB NOT NULL,
                PRIMARY KEY (pixel_id, seq)) WITHOUT ROWID;
            """;
        cmd.ExecuteNonQuery();
    }

    public void Write(string pixelId, IReadOnlyList<JournalRow> added, IReadOnlyList<JournalRow> merged)
    {
        if (added.Count == 0 && merged.Count == 0) return;
        lock (_gate)
        {
            using var tx = _db.BeginTransaction();
            using var insert = _db.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT OR REPLACE INTO events (pixel_id, seq, received_at_ms, json) VALUES ($p, $s, $r, $j)";
            var p = insert.Parameters.Add("$p", SqliteType.Text);
            var s = insert.Parameters.Add("$s", SqliteType.Integer);
            var r = insert.Parameters.Add("$r", SqliteType.Integer);
            var j = insert.Parameters.Add("$j", SqliteType.Blob);
            insert.Prepare();
            p.Value = pixelId;
            foreach (var list in new[] { added, merged })
            {
                foreach (var e in list)
                {
                    s.Value = e.Seq;
                    r.Value = e.ReceivedAtMs;
                    j.Value = e.Json.ToArray();
                    insert.ExecuteNonQuery();
                }
            }
            tx.Commit();
        }
    }

    public IEnumerable<JournaledEvent> ReadAll()
    {
        var result = new List<JournaledEvent>();
        lock (_gate)
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT pixel_id, seq, received_at_ms, json FROM events ORDER BY pixel_id, seq";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
                result.Add(new JournaledEvent(reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2), (byte[])reader.GetValue(3)));
        }
        return result;
    }

    public void Dispose()
    {
        lock (_gate) _db.Dispose();
    }
}
