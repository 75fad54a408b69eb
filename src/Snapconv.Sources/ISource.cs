namespace Snapconv.Sources;

/// <summary>
/// One object a source offers: a file, an S3 object, an HTTP resource or a SQL result set. Its identity
/// (<see cref="Key"/>, <see cref="Size"/>, <see cref="Version"/>) is what the object ledger compares between runs;
/// a null size or version means "unknown until fetched" (the content hash decides).
/// </summary>
/// <param name="Key">Stable name inside the source, e.g. <c>exports/2024-05-01.csv</c>. Never holds secrets.</param>
/// <param name="Size">Bytes, when the listing tells.</param>
/// <param name="Version">ETag, modification time or cursor, when the listing tells.</param>
/// <param name="Modified">Last modification time, when the listing tells (picks the newest companion object, e.g. contacts).</param>
public sealed record SourceObject(string Key, long? Size, string? Version, DateTimeOffset? Modified = null)
{
    /// <summary>File name used for the staged copy (keeps the extension, so the format is detected).</summary>
    public string FileName
    {
        get
        {
            // "url#name" (HTTP) names its staged file after the '#'.
            var hash = Key.LastIndexOf('#');
            var name = hash >= 0 ? Key[(hash + 1)..] : Key.TrimEnd('/');
            var slash = name.LastIndexOf('/');
            name = slash >= 0 ? name[(slash + 1)..] : name;
            return name.Length == 0 ? "object" : name;
        }
    }
}

/// <summary>What a fetch produced.</summary>
/// <param name="NotModified">The source said the object did not change since <c>previous</c> (HTTP 304); nothing was written.</param>
/// <param name="Version">The version learnt while fetching (ETag, Last-Modified, new cursor), if any.</param>
/// <param name="LocalPath">When set, the object is already a local file at this path and was not copied.</param>
/// <param name="Rows">Rows written (SQL), or null.</param>
/// <param name="Cursor">The cursor to store once the object's events settled (SQL), or null to keep the old one.</param>
public sealed record FetchResult(bool NotModified = false, string? Version = null, string? LocalPath = null, long? Rows = null, string? Cursor = null);

/// <summary>
/// A place conversions come from. A source lists objects and fetches one at a time into a local file (streamed,
/// never held in memory); <see cref="CommitAsync"/> runs after the object's events all settled (archive it,
/// advance a cursor). Implementations are small, one per kind, created by <see cref="SourceFactory"/>.
/// </summary>
/// <remarks>
/// Errors: <see cref="SourceException"/> for anything the user can act on (unreachable host, refused login,
/// host-key mismatch, missing bucket), with fixed wording that names the source and never a secret.
/// </remarks>
public interface ISource : IAsyncDisposable
{
    /// <summary>Kind and location for logs, e.g. <c>sftp 127.0.0.1:2222/exports</c>; never a secret.</summary>
    string Description { get; }

    /// <summary>The objects currently offered, sorted by key (ordinal).</summary>
    Task<IReadOnlyList<SourceObject>> ListAsync(SourceContext context, CancellationToken ct);

    /// <summary>Streams <paramref name="obj"/> into <paramref name="destination"/> (a new file).</summary>
    /// <param name="previousVersion">The version delivered before, for conditional requests; null when none.</param>
    Task<FetchResult> FetchAsync(SourceObject obj, string destination, string? previousVersion, SourceContext context, CancellationToken ct);

    /// <summary>Called once the object's events all settled (acknowledged or rejected). Default: nothing.</summary>
    Task CommitAsync(SourceObject obj, FetchResult fetched, SourceContext context, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>What a source may need from the run: the cursor of the job (SQL) and a log.</summary>
public sealed class SourceContext(string job, string? cursor, Action<string>? log = null)
{
    /// <summary>The job's name.</summary>
    public string Job { get; } = job;
    /// <summary>The last committed cursor (SQL), or null before the first run.</summary>
    public string? Cursor { get; } = cursor;
    /// <summary>Writes one log sentence (no secrets, no row content).</summary>
    public void Log(string message) => log?.Invoke(message);
}

/// <summary>A source problem the user can act on; the message has fixed wording and names no secret.</summary>
public sealed class SourceException(string message, Exception? inner = null, bool isConfiguration = false) : Exception(message, inner)
{
    /// <summary>True for a configuration problem (bad host key, missing setting): retrying will not help.</summary>
    public bool IsConfiguration { get; } = isConfiguration;
}
