using System.Runtime.InteropServices;
using Microsoft.Extensions.Time.Testing;
using Snapconv.Cli.Console;

namespace Snapconv.Cli.Tests.Console;

// #16: the first signal stops the command, a second one (or a stop that takes too long) ends the process at once.
public class StopSignalsTests
{
    private sealed class Recorder
    {
        public List<int> Exits { get; } = [];
        public StringWriter Error { get; } = new();
        public FakeTimeProvider Clock { get; } = new();
        public StopSignals Create() => new(Error, Exits.Add, Clock);
        public string[] Lines => Error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
    }

    private static async Task WaitCancelledAsync(CancellationToken token)
    {
        // Cancellation runs on the thread pool, off the signal's thread; bounded wait for it.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try { await Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(token, bound.Token).Token); }
        catch (OperationCanceledException) { }
        Assert.True(token.IsCancellationRequested, "the first signal cancels the token");
    }

    [Theory]
    [InlineData(PosixSignal.SIGTERM, 143)]
    [InlineData(PosixSignal.SIGINT, 130)]
    public async Task OnSignal_First_CancelsTokenWithItsExitCode_AndDoesNotExit(PosixSignal signal, int expected)
    {
        var r = new Recorder();
        using var signals = r.Create();
        Assert.Null(signals.StopExitCode);

        signals.OnSignal(signal);

        await WaitCancelledAsync(signals.Token);
        Assert.Equal(expected, signals.StopExitCode);
        Assert.Empty(r.Exits);
        Assert.Single(r.Lines);
        Assert.Contains("stopping", r.Lines[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PosixSignal.SIGTERM, 143, "SIGTERM")]
    [InlineData(PosixSignal.SIGINT, 130, "SIGINT")]
    public void OnSignal_Second_ExitsAtOnceWithOneLine(PosixSignal signal, int expected, string name)
    {
        var r = new Recorder();
        using var signals = r.Create();

        signals.OnSignal(signal);
        signals.OnSignal(signal);

        Assert.Equal([expected], r.Exits);
        Assert.Equal(2, r.Lines.Length);
        Assert.StartsWith($"snapconv: second {name}", r.Lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void OnSignal_SigintThenSigterm_ExitsWithTheSecondSignalsCode()
    {
        var r = new Recorder();
        using var signals = r.Create();

        signals.OnSignal(PosixSignal.SIGINT);
        signals.OnSignal(PosixSignal.SIGTERM);

        Assert.Equal([143], r.Exits);
        Assert.Equal(130, signals.StopExitCode);
    }

    [Fact]
    public void OnSignal_CommandNotStoppedWithinTimeout_Exits()
    {
        var r = new Recorder();
        using var signals = r.Create();
        signals.OnSignal(PosixSignal.SIGTERM);

        r.Clock.Advance(StopSignals.StopTimeout - TimeSpan.FromSeconds(1));
        Assert.Empty(r.Exits);
        r.Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([143], r.Exits);
        Assert.Contains("did not stop within 40 s", r.Lines[^1], StringComparison.Ordinal);
    }
}
