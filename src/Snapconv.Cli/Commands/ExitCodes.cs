using Snapconv.Cli.Console;
using Snapconv.Core.Formats;
using Snapconv.Jobs;

namespace Snapconv.Cli.Commands;

/// <summary>The one place exceptions become exit codes (the codes themselves are <see cref="ExitCode"/>'s).</summary>
internal static class ExitCodes
{
    public const int Ok = ExitCode.Ok;
    public const int Unexpected = ExitCode.Unexpected;
    public const int UsageOrInput = ExitCode.UsageOrInput;
    public const int SampleGate = ExitCode.SampleGate;
    public const int PendingAfterRetries = ExitCode.Retriable;
    /// <summary>Stopped by Ctrl+C (SIGINT), or cancelled in-process.</summary>
    public const int StoppedBySigint = ExitCode.StoppedBySigint;
    /// <summary>Stopped by SIGTERM.</summary>
    public const int StoppedBySigterm = ExitCode.StoppedBySigterm;

    public static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e)
        {
            return Report(e, System.Console.Error, CliRun.Current);
        }
    }

    /// <summary>
    /// Turns an exception into its exit code and one line on <paramref name="error"/> (#16): usage and input errors say
    /// what is wrong; a stop says so; anything else is an unexpected failure named by the command, its type and, when
    /// known, the file and rows — never its message or stack trace, which go only to the <c>--debug</c> log.
    /// </summary>
    public static int Report(Exception e, TextWriter error, CliRun? run, TimeProvider? clock = null)
    {
        switch (e)
        {
            case UsageException:
                error.WriteLine("error: " + Snapconv.Core.Redaction.Redactor.Text(e.Message));
                return UsageOrInput;
            case InputException:
                // InputException messages name file, row and field, never cell contents.
                error.WriteLine("error: " + Snapconv.Core.Redaction.Redactor.Text(e.Message));
                return UsageOrInput;
            case Snapconv.Delivery.Ledger.StateDirectoryBusyException:
                error.WriteLine("error: " + e.Message);
                return UsageOrInput;
            case OperationCanceledException:
                error.WriteLine("stopped.");
                return run?.Signals?.StopExitCode ?? StoppedBySigint;
        }
        var command = run?.Command ?? "snapconv";
        var line = $"{command}: unexpected failure {DescribeUnexpected(e)}";
        if (run?.DebugLog is { } log)
        {
            line += DebugLog.TryWrite(log, command, e, clock ?? run.Clock)
                ? $"; the details are in {log}. Please report it."
                : $"; the details could not be written to {log}. Please report it.";
        }
        else line += ". Please report it with the command you ran; --debug writes the details to " + DebugLog.DefaultPath + ".";
        error.WriteLine(line);
        return Unexpected;
    }

    /// <summary>
    /// <c>(IOException) reading orders.csv row 1200</c>: the failure's type and where it happened, in fixed wording (a
    /// library's message can carry data).
    /// </summary>
    public static string DescribeUnexpected(Exception e) => UnexpectedFailure.Describe(e);

    /// <summary>Writes a job's unexpected failure to the <c>--debug</c> log of the current command, when it is on.</summary>
    public static void WriteJobFailure(string job, Exception e)
    {
        if (CliRun.Current is { DebugLog: { } debugLog } run) DebugLog.TryWrite(debugLog, $"{run.Command} (job {job})", e, run.Clock);
    }
}
