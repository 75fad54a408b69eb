using Spectre.Console;

namespace Snapconv.Cli.Console;

/// <summary>
/// Progress of a long command on stderr: nothing for work that ends within <see cref="Quiet"/>; then a live
/// line on a terminal, or a plain line every few seconds when stderr is redirected (logs, CI).
/// </summary>
internal static class LiveProgress
{
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);
    /// <summary>Time between two plain lines when stderr is redirected.</summary>
    public static readonly TimeSpan PlainEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(250);

    /// <param name="work">The command's work.</param>
    /// <param name="line">The current state as one line (no markup, no personal data).</param>
    /// <param name="clock">Clock of the quiet time and the refreshes (the command's).</param>
    public static Task<T> RunAsync<T>(Task<T> work, Func<string> line, TimeProvider clock) =>
        RunAsync(work, line, clock, !System.Console.IsErrorRedirected && Terminal.Err.Profile.Capabilities.Interactive, System.Console.Error);

    /// <param name="interactive">A live line on a terminal (true) or plain lines to <paramref name="plain"/>.</param>
    /// <param name="plain">Where the plain lines go (stderr).</param>
    internal static async Task<T> RunAsync<T>(Task<T> work, Func<string> line, TimeProvider clock, bool interactive, TextWriter plain)
    {
        await Task.WhenAny(work, Task.Delay(Quiet, clock, CancellationToken.None));
        if (work.IsCompleted) return await work;
        if (interactive)
        {
            return await Terminal.Err.Progress().AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new SpinnerColumn(), new ElapsedTimeColumn())
                .StartAsync(async p =>
                {
                    var task = p.AddTask(Markup.Escape(line()), maxValue: double.MaxValue);
                    while (!work.IsCompleted)
                    {
                        await Task.WhenAny(work, Task.Delay(Refresh, clock, CancellationToken.None));
                        task.Description = Markup.Escape(line());
                    }
                    return await work;
                });
        }
        while (!work.IsCompleted)
        {
            await plain.WriteLineAsync(line());
            await Task.WhenAny(work, Task.Delay(PlainEvery, clock, CancellationToken.None));
        }
        return await work;
    }
}
