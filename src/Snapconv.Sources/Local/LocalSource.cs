using System.Globalization;
using Snapconv.Core.Formats;

namespace Snapconv.Sources.Local;

/// <summary>Files under a local folder matching a glob; moved to <c>archive_dir</c> once delivered.</summary>
internal sealed class LocalSource(LocalSourceOptions options) : ISource
{
    private readonly GlobPattern _glob = new(options.Pattern);

    public string Description => $"local {options.Path}";

    public Task<IReadOnlyList<SourceObject>> ListAsync(SourceContext context, CancellationToken ct)
    {
        if (!Directory.Exists(options.Path)) throw new SourceException($"local source: folder '{options.Path}' does not exist.");
        var root = Path.GetFullPath(options.Path);
        var archive = options.ArchiveDir is null ? null : Path.GetFullPath(options.ArchiveDir);
        var list = new List<SourceObject>();
        List<string> matches;
        try
        {
            matches = _glob.MatchFiles(root, skipHidden: true);
        }
        catch (UnauthorizedAccessException)
        {
            throw new SourceException($"local source: a folder under '{options.Path}' cannot be read (permission denied).");
        }
        foreach (var rel in matches)
        {
            var file = Path.Combine(root, rel);
            if (archive is not null && file.StartsWith(archive + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue;
            // Hidden files and folders are never read, even by a pattern naming them.
            if (rel.Split('/').Any(s => s.StartsWith('.')) || (File.GetAttributes(file) & FileAttributes.Hidden) != 0) continue;
            var info = new FileInfo(file);
            list.Add(new SourceObject(rel, info.Length, info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture), new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero)));
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return Task.FromResult<IReadOnlyList<SourceObject>>(list);
    }

    public Task<FetchResult> FetchAsync(SourceObject obj, string destination, string? previousVersion, SourceContext context, CancellationToken ct)
    {
        // A local file is read in place: no copy.
        var path = Path.Combine(Path.GetFullPath(options.Path), obj.Key);
        if (!File.Exists(path)) throw new SourceException($"local source: '{obj.Key}' disappeared before it was read.");
        return Task.FromResult(new FetchResult(LocalPath: path));
    }

    public Task CommitAsync(SourceObject obj, FetchResult fetched, SourceContext context, CancellationToken ct)
    {
        if (options.ArchiveDir is null) return Task.CompletedTask;
        var from = Path.Combine(Path.GetFullPath(options.Path), obj.Key);
        var to = Path.Combine(Path.GetFullPath(options.ArchiveDir), obj.Key);
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        if (File.Exists(from))
        {
            File.Move(from, to, overwrite: true);
            context.Log($"archived {obj.Key} to {options.ArchiveDir}");
        }
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
