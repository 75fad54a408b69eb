using Microsoft.Extensions.Time.Testing;
using Snapconv.Cli.Console;

namespace Snapconv.Cli.Tests.Console;

// #17: the progress line waits on the command's clock; the tests move a fake one instead of sleeping.
public class LiveProgressTests
{
    /// <summary>
    /// Runs <paramref name="test"/> without xunit's synchronization context: the progress loop's continuations then run
    /// inline when the fake clock fires its timers, so each <see cref="FakeTimeProvider.Advance"/> has had its effect when it returns.
    /// </summary>
    private static T WithoutContext<T>(Func<T> test)
    {
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try { return test(); }
        finally { SynchronizationContext.SetSynchronizationContext(previous); }
    }

    private static string[] Lines(StringWriter w) => w.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task RunAsync_WorkEndsWithinTheQuietTime_WritesNothing()
    {
        var plain = new StringWriter();
        var run = WithoutContext(() =>
        {
            var clock = new FakeTimeProvider();
            var work = new TaskCompletionSource<int>();
            var progress = LiveProgress.RunAsync(work.Task, () => "rows read 1", clock, interactive: false, plain);
            clock.Advance(LiveProgress.Quiet - TimeSpan.FromMilliseconds(1));
            work.SetResult(7);
            Assert.True(progress.IsCompletedSuccessfully);
            return progress;
        });
        Assert.Equal(7, await run);
        Assert.Equal("", plain.ToString());
    }

    [Fact]
    public async Task RunAsync_WorkLongerThanTheQuietTime_WritesALineEveryPlainIntervalOfTheClock()
    {
        var plain = new StringWriter();
        var run = WithoutContext(() =>
        {
            var clock = new FakeTimeProvider();
            var work = new TaskCompletionSource<int>();
            var n = 0;
            var progress = LiveProgress.RunAsync(work.Task, () => $"rows read {++n}", clock, interactive: false, plain);

            clock.Advance(LiveProgress.Quiet - TimeSpan.FromMilliseconds(1));
            Assert.Empty(Lines(plain));
            clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(["rows read 1"], Lines(plain));

            clock.Advance(LiveProgress.PlainEvery - TimeSpan.FromMilliseconds(1));
            Assert.Equal(["rows read 1"], Lines(plain));
            clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(["rows read 1", "rows read 2"], Lines(plain));

            work.SetResult(42);
            Assert.True(progress.IsCompletedSuccessfully);
            return progress;
        });
        Assert.Equal(42, await run);
        Assert.Equal(2, Lines(plain).Length);
    }
}
