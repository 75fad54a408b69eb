using System.CommandLine;
using Snapconv.Delivery.Ledger;

namespace Snapconv.Cli.Commands;

/// <summary><c>--no-wait</c> of <c>upload</c>, <c>run</c> and <c>serve</c>: what to do when another process holds the state directory.</summary>
internal static class StateLockFlags
{
    public static Option<bool> NoWait() => new("--no-wait")
    {
        Description = "When another snapconv uses the same state directory, exit 2 at once instead of waiting for it.",
    };

    /// <summary>The lock options of a command; waiting is told on stderr.</summary>
    public static StateLockOptions Resolve(ParseResult r, Option<bool> noWait) => new()
    {
        Wait = !r.GetValue(noWait),
        OnWaiting = m => System.Console.Error.WriteLine(m),
    };
}
