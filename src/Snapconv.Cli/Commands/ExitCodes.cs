using Snapconv.Core.Formats;

namespace Snapconv.Cli.Commands;

/// <summary>Process exit codes, and the one place exceptions become them.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Unexpected = 1;
    public const int UsageOrInput = 2;
    public const int SampleGate = 3;
    public const int PendingAfterRetries = 4;

    public static async Task<int> Guard(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (UsageException e)
        {
            await System.Console.Error.WriteLineAsync("error: " + Snapconv.Core.Redaction.Redactor.Text(e.Message));
            return UsageOrInput;
        }
        catch (InputException e)
        {
            // InputException messages name file, row and field, never cell contents.
            await System.Console.Error.WriteLineAsync("error: " + Snapconv.Core.Redaction.Redactor.Text(e.Message));
            return UsageOrInput;
        }
        catch (Snapconv.Delivery.Ledger.StateDirectoryBusyException e)
        {
            await System.Console.Error.WriteLineAsync("error: " + e.Message);
            return UsageOrInput;
        }
        catch (OperationCanceledException)
        {
            await System.Console.Error.WriteLineAsync("stopped.");
            return 130;
        }
        catch (Exception e)
        {
            // Fixed wording and the exception type only: messages of library exceptions can carry data.
            await System.Console.Error.WriteLineAsync($"unexpected failure ({e.GetType().Name}); please report it with the command you ran.");
            if (Environment.GetEnvironmentVariable("SNAPCONV_DEBUG") == "1") await System.Console.Error.WriteLineAsync(e.ToString());
            return Unexpected;
        }
    }
}
