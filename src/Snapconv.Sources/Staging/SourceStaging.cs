using System.Globalization;
using System.Security.Cryptography;
using Snapconv.Sources.Ledger;

namespace Snapconv.Sources.Staging;

/// <summary>Why an object is read in this run.</summary>
public enum ObjectChange
{
    /// <summary>Never seen before.</summary>
    New,
    /// <summary>Delivered before, and its content changed since (same key, different size/version/hash): reported and re-delivered.</summary>
    Changed,
    /// <summary>Read before but not all its events settled: the run resumes it (acknowledged events are skipped).</summary>
    Resumed,
}

/// <summary>An object read into a local file for this run.</summary>
/// <param name="Path">The local file the pipeline reads.</param>
/// <param name="Temporary">True when <paramref name="Path"/> is a staged copy (deleted after the run).</param>
public sealed record StagedObject(SourceObject Object, string Path, bool Temporary, ObjectChange Change, byte[] Sha256, long Size, string? Version, FetchResult Fetch);

/// <summary>The outcome of staging: the files to deliver, what was skipped, and warnings (changed objects).</summary>
public sealed record StagingResult(IReadOnlyList<StagedObject> Staged, int Listed, int Skipped, IReadOnlyList<string> Warnings)
{
    /// <summary>The local files, in key order.</summary>
    public IReadOnlyList<string> Files => Staged.Select(s => s.Path).ToList();
}

/// <summary>
/// Lists a source and brings each new, changed or half-delivered object into the staging folder, using the
/// <see cref="ISourceLedger"/> to skip what was delivered (without reading it when the listing's size and version
/// match). <see cref="CommitAsync"/> finalises the objects once the run settled; <see cref="Cleanup"/> removes the
/// staged copies.
/// </summary>
public sealed class SourceStaging(ISource source, ISourceLedger ledger, string job, string stagingDir)
{
    /// <summary>
    /// How a source creates a staged copy (it holds the user's rows): a new file, private to the owner (0600) on Unix,
    /// asynchronous. The staging folder itself is created 0700.
    /// </summary>
    public static FileStreamOptions StagedFileOptions =>
        Snapconv.Core.Output.OutputFile.Options(isPrivate: true, FileMode.CreateNew, FileAccess.Write, 1 << 16, FileOptions.Asynchronous);

    /// <summary>Objects read in one run at most (the rest wait for the next run). Default 10,000.</summary>
    public int MaxObjectsPerRun { get; init; } = 10_000;

    /// <summary>Keys that are not delivered (a job's companion objects, e.g. contacts): left out of the listing,
    /// never staged, never recorded in the ledger. Default none.</summary>
    public IReadOnlySet<string>? ExcludeKeys { get; init; }

    /// <summary>Lists and fetches. On failure, the staged copies made so far are removed and the exception propagates.</summary>
    /// <exception cref="SourceException">The source is unreachable or misconfigured.</exception>
    public async Task<StagingResult> StageAsync(Action<string>? log, CancellationToken ct)
    {
        var context = new SourceContext(job, ledger.GetCursor(job), log);
        var listed = await source.ListAsync(context, ct).ConfigureAwait(false);
        if (ExcludeKeys is { Count: > 0 } exclude) listed = listed.Where(o => !exclude.Contains(o.Key)).ToList();
        var staged = new List<StagedObject>();
        var warnings = new List<string>();
        var skipped = 0;
        CreatePrivateDirectory(stagingDir);
        try
        {
            foreach (var obj in listed)
            {
                ct.ThrowIfCancellationRequested();
                if (staged.Count >= MaxObjectsPerRun) break;
                var rec = ledger.Find(job, obj.Key);
                if (rec is { State: ObjectState.Delivered } && obj.Size is { } size && obj.Version is { } version
                    && rec.Size == size && rec.Version == version)
                {
                    skipped++;
                    continue;
                }
                var dest = Path.Combine(stagingDir, $"{staged.Count:D4}-{Sanitize(obj.FileName)}");
                if (File.Exists(dest)) File.Delete(dest);
                var fetched = await source.FetchAsync(obj, dest, rec is { State: ObjectState.Delivered } ? rec.Version : null, context, ct).ConfigureAwait(false);
                if (fetched.NotModified)
                {
                    skipped++;
                    continue;
                }
                var path = fetched.LocalPath ?? dest;
                var temporary = fetched.LocalPath is null;
                var (hash, length) = await HashAsync(path, ct).ConfigureAwait(false);
                var identityVersion = obj.Version ?? fetched.Version;
                if (fetched.Rows == 0 || (rec is { State: ObjectState.Delivered } && rec.Sha256.AsSpan().SequenceEqual(hash)))
                {
                    // Same bytes as delivered (only the version moved), or a query with no new rows: nothing to send.
                    if (rec is { State: ObjectState.Delivered }) ledger.Record(job, rec with { Size = obj.Size ?? length, Version = identityVersion });
                    if (temporary) File.Delete(path);
                    skipped++;
                    continue;
                }
                var change = rec is null ? ObjectChange.New : rec.State == ObjectState.Delivered ? ObjectChange.Changed : ObjectChange.Resumed;
                if (change == ObjectChange.Changed)
                {
                    warnings.Add(string.Create(CultureInfo.InvariantCulture,
                        $"object '{obj.Key}' changed since it was delivered (size {rec!.Size?.ToString(CultureInfo.InvariantCulture) ?? "?"} → {length}); re-delivering it: rows already acknowledged keep their event ids and are not sent twice."));
                }
                ledger.Record(job, new ObjectRecord(obj.Key, obj.Size ?? length, identityVersion, hash, ObjectState.Pending));
                staged.Add(new StagedObject(obj, path, temporary, change, hash, length, identityVersion, fetched));
                log?.Invoke($"staged {obj.Key} ({change.ToString().ToLowerInvariant()}, {length.ToString(CultureInfo.InvariantCulture)} bytes)");
            }
        }
        catch
        {
            Cleanup(staged);
            throw;
        }
        return new StagingResult(staged, listed.Count, skipped, warnings);
    }

    /// <summary>Finalises every staged object after a run whose events all settled: the source's commit (archive),
    /// then the ledger (delivered, cursor).</summary>
    public async Task CommitAsync(StagingResult result, Action<string>? log, CancellationToken ct)
    {
        foreach (var s in result.Staged) await CommitObjectAsync(s, log, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Finalises one staged object whose own events all settled: the source's commit (archive), then the ledger
    /// (delivered, cursor). Not thread-safe: one object at a time.
    /// </summary>
    public async Task CommitObjectAsync(StagedObject s, Action<string>? log, CancellationToken ct)
    {
        var context = new SourceContext(job, ledger.GetCursor(job), log);
        await source.CommitAsync(s.Object, s.Fetch, context, ct).ConfigureAwait(false);
        ledger.Record(job, new ObjectRecord(s.Object.Key, s.Object.Size ?? s.Size, s.Version, s.Sha256, ObjectState.Delivered));
        if (s.Fetch.Cursor is { } cursor) ledger.SetCursor(job, cursor);
    }

    /// <summary>Deletes the staged copies (they hold the user's rows).</summary>
    public static void Cleanup(IEnumerable<StagedObject> staged)
    {
        foreach (var s in staged)
        {
            if (!s.Temporary) continue;
            try { File.Delete(s.Path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// The newest of <paramref name="objects"/>: latest <see cref="SourceObject.Modified"/> (objects without one count
    /// as oldest), ties broken by the greater key (export names usually carry their date). Null when empty.
    /// </summary>
    public static SourceObject? Newest(IEnumerable<SourceObject> objects) =>
        objects.OrderByDescending(o => o.Modified ?? DateTimeOffset.MinValue).ThenByDescending(o => o.Key, StringComparer.Ordinal).FirstOrDefault();

    /// <summary>
    /// Fetches a companion object (not delivered, not recorded in the ledger) into <paramref name="stagingDir"/>.
    /// Returns the local path, and whether it is a staged copy to delete after the run.
    /// </summary>
    public static async Task<(string Path, bool Temporary)> FetchCompanionAsync(ISource source, SourceObject obj, string stagingDir, SourceContext context, CancellationToken ct)
    {
        CreatePrivateDirectory(stagingDir);
        var dest = System.IO.Path.Combine(stagingDir, "companion-" + Sanitize(obj.FileName));
        if (File.Exists(dest)) File.Delete(dest);
        var fetched = await source.FetchAsync(obj, dest, null, context, ct).ConfigureAwait(false);
        return fetched.LocalPath is { } local ? (local, false) : (dest, true);
    }

    private static async Task<(byte[] Hash, long Length)> HashAsync(string path, CancellationToken ct)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous);
        var hash = await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false);
        return (hash, stream.Length);
    }

    private static void CreatePrivateDirectory(string dir)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(dir);
        else Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static string Sanitize(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray();
        var s = new string(chars);
        return s.Length > 100 ? s[^100..] : s;
    }
}
