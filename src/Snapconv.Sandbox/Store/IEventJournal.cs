namespace Snapconv.Sandbox.Store;

/// <summary>
/// Durable copy of stored live events (SQLite with <c>--db</c>). The in-memory store stays the working
/// set; a journal is written in the pixel's lock so its order matches, and is read back at start.
/// </summary>
internal interface IEventJournal : IDisposable
{
    /// <summary>Persists newly stored events and events changed by a merge, in one transaction.</summary>
    void Write(string pixelId, IReadOnlyList<JournalRow> added, IReadOnlyList<JournalRow> merged);

    /// <summary>Every journaled event, per pixel in stored order.</summary>
    IEnumerable<JournaledEvent> ReadAll();
}

/// <summary>One journaled event.</summary>
internal readonly record struct JournaledEvent(string PixelId, int Seq, long ReceivedAtMs, byte[] Json);

/// <summary>One stored event to journal: its sequence number, arrival and JSON as stored.</summary>
internal readonly record struct JournalRow(int Seq, long ReceivedAtMs, ReadOnlyMemory<byte> Json);
