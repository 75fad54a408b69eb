using System.Runtime.InteropServices;

namespace Snapconv.Cli.Console;

/// <summary>
/// Owns SIGINT (Ctrl+C) and SIGTERM for one CLI process (#16). The first signal cancels <see cref="Token"/>: the command
/// stops at its next block of rows, in-flight batches finish or stay pending, and it exits with its own code (130 for
/// SIGINT, 143 for SIGTERM, 4 when an upload leaves events pending). A second signal, or a command that has not stopped
/// within <see cref="StopTimeout"/>, ends the process at once with 130/143 and one line on stderr.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    /// <summary>Exit code of a process stopped by SIGINT (128 + 2).</summary>
    public const int SigintExitCode = Snapconv.Jobs.ExitCode.StoppedBySigint;
    /// <summary>Exit code of a process stopped by SIGTERM (128 + 15).</summary>
    public const int SigtermExitCode = Snapconv.Jobs.ExitCode.StoppedBySigterm;

    /// <summary>
    /// The longest a command may take to stop after the first signal before the process is ended anyway: <c>serve</c>
    /// waits up to 30 s for its running jobs; every other command stops within about a second.
    /// </summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(40);

    private readonly CancellationTokenSource _cts = new();
    private readonly TextWriter _error;
    private readonly Action<int> _exitNow;
    private readonly TimeProvider _clock;
    private readonly List<IDisposable> _registrations = [];
    private ITimer? _watchdog;
    private int _exitCode;

    /// <param name="error">Where the one-line messages go (stderr).</param>
    /// <param name="exitNow">Ends the process with the code at once (tests pass a recorder).</param>
    /// <param name="clock">Clock of the stop timeout.</param>
    internal StopSignals(TextWriter error, Action<int> exitNow, TimeProvider clock)
    {
        _error = error;
        _exitNow = exitNow;
        _clock = clock;
    }

    /// <summary>Registers the process's SIGINT and SIGTERM handlers (instead of the runtime's and the parser's).</summary>
    public static StopSignals Install(TimeProvider clock)
    {
        var signals = new StopSignals(System.Console.Error, ExitAtOnce, clock);
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            signals._registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                // The runtime's default would end the process without the command's cleanup.
                context.Cancel = true;
                signals.OnSignal(context.Signal);
            }));
        }
        return signals;
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>130 or 143 once a signal arrived; null before.</summary>
    public int? StopExitCode => Volatile.Read(ref _exitCode) is var code && code != 0 ? code : null;

    /// <summary>Handles one SIGINT or SIGTERM: the first stops the command, the next ends the process.</summary>
    internal void OnSignal(PosixSignal signal)
    {
        var code = signal == PosixSignal.SIGINT ? SigintExitCode : SigtermExitCode;
        var name = signal == PosixSignal.SIGINT ? "SIGINT" : "SIGTERM";
        if (Interlocked.CompareExchange(ref _exitCode, code, 0) == 0)
        {
            WriteLine($"snapconv: {name} received, stopping (in-flight batches finish or stay pending); send it again to quit at once.");
            _watchdog = _clock.CreateTimer(_ => Expire(code), null, StopTimeout, Timeout.InfiniteTimeSpan);
            // Cancellation callbacks run on the thread that cancels; keep them off the signal's thread so a callback
            // that throws or blocks cannot take the process down or delay the next signal.
            _ = Task.Run(() =>
            {
                try { _cts.Cancel(); }
                catch (AggregateException) { }
                catch (ObjectDisposedException) { }
            });
            return;
        }
        WriteLine($"snapconv: second {name}, quitting at once; unanswered batches stay pending for the next run.");
        _exitNow(code);
    }

    private void Expire(int code)
    {
        WriteLine($"snapconv: did not stop within {StopTimeout.TotalSeconds:0} s, quitting; unanswered batches stay pending for the next run.");
        _exitNow(code);
    }

    private void WriteLine(string line)
    {
        try
        {
            _error.WriteLine(line);
            _error.Flush();
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
    }

    /// <summary>Ends the process now: no exit handlers, no waiting for threads (the ledger is committed batch by batch).</summary>
    internal static void ExitAtOnce(int code)
    {
        if (OperatingSystem.IsWindows()) Environment.Exit(code);
        else SysExit(code);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void SysExit(int status);

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _watchdog?.Dispose();
        _cts.Dispose();
    }
}
