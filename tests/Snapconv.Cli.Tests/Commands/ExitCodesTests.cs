using System.Runtime.InteropServices;
using Microsoft.Extensions.Time.Testing;
using Snapconv.Cli.Commands;
using Snapconv.Cli.Console;
using Snapconv.Core.Formats;
using Snapconv.Core.Pipeline;

namespace Snapconv.Cli.Tests.Commands;

// #16: every exception becomes an exit code and one line; the trace of an unexpected one goes only to the --debug log.
public class ExitCodesTests
{
    private const string Secret = "jane.doe@example.com";

    private static Exception Thrown(Exception e)
    {
        try { throw e; }
        catch (Exception caught) { return caught; }
    }

    [Fact]
    public void Report_UnexpectedWithoutDebug_OneLineNamingCommandAndType_NoMessageNoTrace()
    {
        var error = new StringWriter();
        var e = Thrown(new InvalidOperationException("value " + Secret));

        var code = ExitCodes.Report(e, error, new CliRun("snapconv validate", null, null, TimeProvider.System));

        Assert.Equal(ExitCodes.Unexpected, code);
        var text = error.ToString();
        Assert.Single(text.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("snapconv validate: unexpected failure (InvalidOperationException)", text, StringComparison.Ordinal);
        Assert.Contains("--debug", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_UnexpectedInRows_NamesFileAndRows()
    {
        var error = new StringWriter();
        var e = Thrown(new RowFailureException("orders.csv", 1200, 1200, Thrown(new IOException("disk " + Secret))));

        ExitCodes.Report(e, error, new CliRun("snapconv upload", null, null, TimeProvider.System));

        Assert.StartsWith("snapconv upload: unexpected failure (IOException) reading orders.csv row 1200", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 0, "opening orders.csv")]
    [InlineData(5, 5, "reading orders.csv row 5")]
    [InlineData(65, 128, "reading orders.csv rows 65-128")]
    public void Describe_Rows_FixedWording(long first, long last, string expected) =>
        Assert.Equal(expected, RowFailureException.Describe("orders.csv", first, last));

    [Fact]
    public void Report_UnexpectedWithDebugLog_TraceOnlyInTheLog_OwnerOnly()
    {
        using var tmp = new TempDir();
        var log = tmp.File("debug.log");
        var error = new StringWriter();
        var e = Thrown(new InvalidOperationException("value " + Secret));

        ExitCodes.Report(e, error, new CliRun("snapconv validate", log, null, TimeProvider.System), new FakeTimeProvider());

        Assert.Single(error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"the details are in {log}", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", error.ToString(), StringComparison.Ordinal);
        var written = File.ReadAllText(log);
        Assert.Contains("snapconv validate: unexpected failure", written, StringComparison.Ordinal);
        Assert.Contains(nameof(Thrown), written, StringComparison.Ordinal); // the stack trace
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(log));
    }

    [Fact]
    public void Report_UsageAndInput_Exit2WithTheirMessage()
    {
        var error = new StringWriter();
        Assert.Equal(2, ExitCodes.Report(new UsageException("--rows must be 1..10000000."), error, null));
        Assert.Equal(2, ExitCodes.Report(new InputException("a.csv", "bad", 3, "Email"), error, null));
        Assert.Equal($"error: --rows must be 1..10000000.{Environment.NewLine}error: a.csv, row 3, field 'Email': bad{Environment.NewLine}", error.ToString());
    }

    [Fact]
    public void Report_StoppedBySigterm_Exit143()
    {
        var error = new StringWriter();
        using var signals = new StopSignals(new StringWriter(), _ => { }, new FakeTimeProvider());
        signals.OnSignal(PosixSignal.SIGTERM);

        Assert.Equal(143, ExitCodes.Report(new OperationCanceledException(), error, new CliRun("snapconv validate", null, signals, TimeProvider.System)));
        Assert.Equal(130, ExitCodes.Report(new OperationCanceledException(), error, new CliRun("snapconv validate", null, null, TimeProvider.System)));
    }

    [Theory]
    [InlineData(true, null, "snapconv-debug.log")]
    [InlineData(false, null, null)]
    [InlineData(false, "/tmp/x.log", "/tmp/x.log")]
    [InlineData(true, "/tmp/x.log", "/tmp/x.log")]
    public void DebugLog_Resolve_FlagOrVariable(bool flag, string? variable, string? expected) =>
        Assert.Equal(expected, DebugLog.Resolve(flag, name => name == DebugLog.PathVariable ? variable : null));

    [Fact]
    public void ListenFailure_InUseMessage_NamesThePort() =>
        Assert.Equal("--urls: port 8787 is already in use (http://127.0.0.1:8787); stop what listens there or pick another port with --urls.",
            ListenFailure.InUseMessage("--urls", "http://127.0.0.1:8787"));

    [Fact]
    public async Task CliApp_DebugOption_ParsesOnEveryCommand()
    {
        // --debug is global: a command given it runs as without it (here: a usage error, exit 2).
        Assert.Equal(2, await CliApp.RunAsync(["demo", "--rows", "0", "--debug"]));
    }
}
