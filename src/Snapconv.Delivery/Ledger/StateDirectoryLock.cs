using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Snapconv.Delivery.Ledger;

/// <summary>How a run takes the lock of its state directory (<see cref="StateDirectoryLock"/>).</summary>
public sealed record StateLockOptions
{
    /// <summary>Default time between two attempts while another process holds the lock: 250 ms.</summary>
    public const int DefaultPollMilliseconds = 250;

    /// <summary>Wait for the holder to finish (true, the default) or fail at once with <see cref="StateDirectoryBusyException"/>.</summary>
    public bool Wait { get; init; } = true;
    /// <summary>Time between two attempts while waiting. Default 250 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(DefaultPollMilliseconds);
    /// <summary>Told once, when the run starts to wait (a sentence naming the folder and the holder's pid). Default none.</summary>
    public Action<string>? OnWaiting { get; init; }

    /// <summary>Every problem, each path under <paramref name="path"/>; empty when valid.</summary>
    public IReadOnlyList<Snapconv.Core.Options.OptionError> Validate(string path = "") => Snapconv.Core.Options.OptionValidator.Check(this, path);
}

/// <summary>Another process holds the state directory and the caller asked not to wait (exit 2).</summary>
public sealed class StateDirectoryBusyException(string stateDir, int? holderPid)
    : Exception($"the state directory {stateDir} is in use by another snapconv ({StateDirectoryLock.Holder(holderPid)}); nothing was read or sent. " +
                "Run again when it has finished, or leave out --no-wait to wait for it.")
{
    /// <summary>Full path of the state directory.</summary>
    public string StateDir { get; } = stateDir;
    /// <summary>Process id of the holder, when it could be read.</summary>
    public int? HolderPid { get; } = holderPid;
}

/// <summary>
/// One writer per state directory: an exclusive OS file lock on <c>{state_dir}/lock</c> (a file opened with
/// <see cref="FileShare.None"/>: <c>flock</c> on Linux and macOS, a sharing lock on Windows), held by a delivery
/// run — <c>upload</c>, each job of <c>run</c>, <c>serve</c> for its whole life — so two processes never send from
/// one ledger. The file holds the holder's process id. The operating system releases the lock when the process
/// ends, also when it is killed: no stale lock to clean up and no timing guess. The file itself stays.
/// </summary>
public sealed class StateDirectoryLock : IDisposable
{
    /// <summary>File name inside the state directory.</summary>
    public const string FileName = "lock";

    private FileStream? _stream;

    private StateDirectoryLock(string stateDir, FileStream stream)
    {
        StateDir = stateDir;
        _stream = stream;
    }

    /// <summary>Full path of the locked state directory.</summary>
    public string StateDir { get; }

    /// <summary>Takes the lock of <paramref name="stateDir"/> (created if missing), or returns null at once with the holder's pid (when readable).</summary>
    public static StateDirectoryLock? TryAcquire(string stateDir, out int? holderPid)
    {
        var dir = Path.GetFullPath(stateDir);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, FileName);
        holderPid = null;
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException) when (File.Exists(path))
        {
            holderPid = ReadPid(path);
            return null;
        }
        try
        {
            var pid = Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            stream.SetLength(0);
            stream.Write(pid);
            stream.Flush(flushToDisk: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        return new StateDirectoryLock(dir, stream);
    }

    /// <summary>
    /// Takes the lock of <paramref name="stateDir"/>, waiting (polled every <see cref="StateLockOptions.PollInterval"/>)
    /// while another process holds it, unless <see cref="StateLockOptions.Wait"/> is false. The waits run on <paramref name="clock"/>.
    /// </summary>
    /// <exception cref="StateDirectoryBusyException">Held elsewhere and <see cref="StateLockOptions.Wait"/> is false.</exception>
    /// <exception cref="OperationCanceledException">Stopped while waiting.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are not valid (<see cref="StateLockOptions.Validate"/>).</exception>
    public static async Task<StateDirectoryLock> AcquireAsync(string stateDir, StateLockOptions options, TimeProvider clock, CancellationToken ct)
    {
        if (options.Validate() is [var first, ..]) throw new ArgumentException(first.ToString(), nameof(options));
        var told = false;
        // Bounded by the holder's life (the OS frees the lock when it ends) or by ct.
        for (var attempt = 0; ; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            if (TryAcquire(stateDir, out var pid) is { } held) return held;
            if (!options.Wait) throw new StateDirectoryBusyException(Path.GetFullPath(stateDir), pid);
            // The holder writes its pid just after it took the lock: a second look names it when the first was too early.
            if (!told && (pid is not null || attempt > 0))
            {
                told = true;
                options.OnWaiting?.Invoke($"waiting for the state directory {Path.GetFullPath(stateDir)}: another snapconv ({Holder(pid)}) is using it; " +
                    "this run starts when it has finished (--no-wait stops instead).");
            }
            await Task.Delay(options.PollInterval, clock, ct).ConfigureAwait(false);
        }
    }

    internal static string Holder(int? pid) => pid is { } p ? "pid " + p.ToString(CultureInfo.InvariantCulture) : "pid unknown";

    /// <summary>Releases the lock (the file stays; it is emptied first so no stale pid is shown).</summary>
    public void Dispose()
    {
        var s = Interlocked.Exchange(ref _stream, null);
        if (s is null) return;
        try { s.SetLength(0); } catch (IOException) { }
        s.Dispose();
    }

    /// <summary>
    /// The pid in a lock file another process holds. .NET's own open of a file takes a shared <c>flock</c>, which the
    /// holder's exclusive one refuses, so the file is opened with the C library's <c>open</c> (no lock). Null when it
    /// cannot be read (Windows refuses any open while the holder's handle is there).
    /// </summary>
    private static int? ReadPid(string path)
    {
        if (OperatingSystem.IsWindows()) return null;
        try
        {
            var fd = Native.Open(path, 0 /* O_RDONLY */);
            if (fd < 0) return null;
            using var handle = new SafeFileHandle(fd, ownsHandle: true);
            using var stream = new FileStream(handle, FileAccess.Read, 1);
            Span<byte> buffer = stackalloc byte[32];
            var n = stream.Read(buffer);
            return int.TryParse(Encoding.ASCII.GetString(buffer[..n]).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
        }
        catch (Exception e) when (e is IOException or DllNotFoundException or EntryPointNotFoundException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static class Native
    {
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    }
}
