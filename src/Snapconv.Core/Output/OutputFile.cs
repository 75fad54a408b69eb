namespace Snapconv.Core.Output;

/// <summary>
/// A file snapconv writes (report, rejects, events, preprocess output), written to a temporary file in the same folder
/// and renamed over <see cref="Path"/> by <see cref="Commit"/>: a run that fails leaves no half-written file, and an
/// old file is replaced only by a complete one, never truncated first. Disposing without <see cref="Commit"/> deletes
/// the temporary file. Files holding raw PII are created private (owner read/write only, 0600) on Unix.
/// </summary>
public sealed class OutputFile : IDisposable
{
    /// <summary>Owner read and write only: the mode of files holding raw PII (rejects, events, staged copies).</summary>
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _temp;
    private FileStream? _stream;
    private bool _committed;

    /// <summary>Creates the temporary file for <paramref name="path"/>.</summary>
    /// <param name="isPrivate">Create it 0600 (it holds raw PII). Default: the process's usual mode.</param>
    /// <exception cref="IOException">The folder does not exist or cannot be written.</exception>
    public OutputFile(string path, bool isPrivate, int bufferSize = 1 << 16)
    {
        Path = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(Path)!;
        _temp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(Path)}.{Guid.NewGuid().ToString("N")[..8]}.tmp");
        _stream = new FileStream(_temp, Options(isPrivate, FileMode.CreateNew, FileAccess.Write, bufferSize));
    }

    /// <summary>Full path of the final file.</summary>
    public string Path { get; }

    /// <summary>The stream to write (the temporary file).</summary>
    public FileStream Stream => _stream ?? throw new ObjectDisposedException(nameof(OutputFile));

    /// <summary>Flushes, closes and renames the temporary file over <see cref="Path"/> (replacing an old file at once).</summary>
    public void Commit()
    {
        var s = Stream;
        s.Flush(flushToDisk: true);
        s.Dispose();
        _stream = null;
        File.Move(_temp, Path, overwrite: true);
        _committed = true;
    }

    /// <summary>Closes the file; without <see cref="Commit"/>, deletes the temporary file (the old file, if any, stays).</summary>
    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
        if (_committed) return;
        try { File.Delete(_temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Writes a whole file at once through a temporary file (e.g. a report).</summary>
    public static void WriteAll(string path, bool isPrivate, Action<Stream> write)
    {
        using var file = new OutputFile(path, isPrivate);
        write(file.Stream);
        file.Commit();
    }

    /// <summary>
    /// Stream options of a new file; <paramref name="isPrivate"/> sets mode 0600 on Unix (Windows files inherit the
    /// folder's access list).
    /// </summary>
    public static FileStreamOptions Options(bool isPrivate, FileMode mode, FileAccess access, int bufferSize = 1 << 16, FileOptions options = FileOptions.None)
    {
        var o = new FileStreamOptions { Mode = mode, Access = access, Share = FileShare.None, BufferSize = bufferSize, Options = options };
        if (isPrivate && !OperatingSystem.IsWindows()) o.UnixCreateMode = PrivateMode;
        return o;
    }
}
