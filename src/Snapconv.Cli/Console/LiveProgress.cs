using Spectre.Console;

namespace Snapconv.Cli.Console;

/// <summary>
/// Progress of a long command on stderr: nothing for work that ends within <see cref="Quiet"/>; then a live
/// line on a terminal, or a plain line every few seconds when stderr is redirected (logs, CI).
/// </summary>
internal static class LiveProgress
{
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan PlainEvery = TimeSpan.FromSeconds(5);

    /// <param name="line">The current state as one line (no markup, no personal data).</param>
    public static async Task<T> RunAsync<T>(Task<T> work, Func<string> line)
    {
        await Task.WhenAny(work, Task.Delay(Quiet, CancellationToken.None));
        if (work.IsCompleted) return await work;
        if (!System.Console.IsErrorRedirected && Terminal.Err.Profile.Capabilities.Interactive)
        {
            return await Terminal.Err.Progress().AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new SpinnerColumn(), new ElapsedTimeColumn())
                .StartAsync(async p =>
                {
                    var task = p.AddTask(Markup.Escape(line()), maxValue: double.MaxValue);
                    while (!work.IsCompleted)
                    {
                        await Task.WhenAny(work, Task.Delay(250, CancellationToken.None));
                        task.Description = Markup.Escape(line());
                    }
                    return await work;
                });
        }
        while (!work.IsCompleted)
        {
            await System.Console.Error.WriteLineAsync(line());
            await Task.WhenAny(work, Task.Delay(PlainEvery, CancellationToken.None));
        }
        return await work;
    }
}
