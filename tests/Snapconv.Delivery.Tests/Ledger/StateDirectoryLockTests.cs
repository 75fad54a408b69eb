using Microsoft.Extensions.Time.Testing;
using Snapconv.Delivery.Ledger;

namespace Snapconv.Delivery.Tests.Ledger;

/// <summary>One writer per state directory (#16): the lock file, its holder's pid, waiting and --no-wait.</summary>
public sealed class StateDirectoryLockTests : IDisposable
{
    private readonly string _dir = Path.Combine(Directory.CreateTempSubdirectory("snapconv-lock-").FullName, "state");

    public void Dispose()
    {
        try { Directory.Delete(Path.GetDirectoryName(_dir)!, true); } catch (IOException) { }
    }

    [Fact]
    public void TryAcquire_Held_SecondFails_NamingTheHoldersPid()
    {
        using var held = StateDirectoryLock.TryAcquire(_dir, out var none);
        Assert.NotNull(held);
        Assert.Null(none);
        Assert.True(File.Exists(Path.Combine(_dir, StateDirectoryLock.FileName)));

        // An OS lock conflicts with a second open also in the same process (flock per open file).
        Assert.Null(StateDirectoryLock.TryAcquire(_dir, out var pid));
        if (!OperatingSystem.IsWindows()) Assert.Equal(Environment.ProcessId, pid);
    }

    [Fact]
    public void TryAcquire_AfterRelease_Succeeds_AndTheFileHoldsNoStalePid()
    {
        StateDirectoryLock.TryAcquire(_dir, out _)!.Dispose();
        using var again = StateDirectoryLock.TryAcquire(_dir, out _);
        Assert.NotNull(again);
        again.Dispose();
        Assert.Equal(0, new FileInfo(Path.Combine(_dir, StateDirectoryLock.FileName)).Length);
    }

    [Fact]
    public async Task AcquireAsync_NoWait_Held_ThrowsBusy_NamingFolderAndPid()
    {
        using var held = StateDirectoryLock.TryAcquire(_dir, out _);
        var e = await Assert.ThrowsAsync<StateDirectoryBusyException>(() =>
            StateDirectoryLock.AcquireAsync(_dir, new StateLockOptions { Wait = false }, new FakeTimeProvider(), CancellationToken.None));
        Assert.Equal(Path.GetFullPath(_dir), e.StateDir);
        Assert.Contains(Path.GetFullPath(_dir), e.Message);
        if (!OperatingSystem.IsWindows()) Assert.Contains($"pid {Environment.ProcessId}", e.Message);
    }

    [Fact]
    public async Task AcquireAsync_Held_WaitsOnTheInjectedClock_TellsOnce_TakesTheLockAfterRelease()
    {
        var clock = new FakeTimeProvider();
        var told = new List<string>();
        var held = StateDirectoryLock.TryAcquire(_dir, out _)!;
        var options = new StateLockOptions { PollInterval = TimeSpan.FromSeconds(1), OnWaiting = told.Add };

        // Runs synchronously up to its first wait: it has tried once, told the wait, and waits for the clock.
        var waiting = StateDirectoryLock.AcquireAsync(_dir, options, clock, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(waiting.IsCompleted);
        Assert.Single(told);
        Assert.Contains(Path.GetFullPath(_dir), told[0]);
        if (!OperatingSystem.IsWindows()) Assert.Contains($"pid {Environment.ProcessId}", told[0]);

        held.Dispose();
        // #17: the poll after the release takes the lock, one poll interval of the fake clock later (no real sleep; the
        // bound only guards against a hang).
        clock.Advance(TimeSpan.FromSeconds(1));
        using var mine = await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Path.GetFullPath(_dir), mine.StateDir);
        Assert.Single(told);
    }

    [Fact]
    public async Task AcquireAsync_CanceledWhileWaiting_Throws()
    {
        using var held = StateDirectoryLock.TryAcquire(_dir, out _);
        using var cts = new CancellationTokenSource();
        var waiting = StateDirectoryLock.AcquireAsync(_dir, new StateLockOptions(), new FakeTimeProvider(), cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }
}
