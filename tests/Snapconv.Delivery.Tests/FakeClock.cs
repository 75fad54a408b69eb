using Microsoft.Extensions.Time.Testing;

namespace Snapconv.Delivery.Tests;

/// <summary>Drives work that waits on a <see cref="FakeTimeProvider"/>: advances it in steps until the work ends.</summary>
internal static class FakeClock
{
    /// <summary>Advances <paramref name="clock"/> by <paramref name="step"/> until <paramref name="task"/> ends (at most <paramref name="maxSteps"/> steps).</summary>
    public static async Task<T> DriveAsync<T>(FakeTimeProvider clock, Task<T> task, TimeSpan step, int maxSteps = 10_000)
    {
        for (var i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            // Lets continuations on the thread pool (an HTTP answer, a retry's next attempt) reach their next wait.
            await Task.WhenAny(task, Task.Delay(2));
            if (!task.IsCompleted) clock.Advance(step);
        }
        return await task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
