using System.CommandLine;
using Snapconv.Core.Options;

namespace Snapconv.Cli.Commands;

/// <summary>
/// Shows an options record's problems by the flags a user typed: the key <c>max_event_age_days</c> is the flag
/// <c>--max-event-age-days</c> (<see cref="OptionNames"/>'s one name rule), so the CLI and job files report the same
/// message, each under its own name.
/// </summary>
internal static class OptionFlags
{
    /// <summary>Throws a <see cref="UsageException"/> listing every problem, or returns when there is none.</summary>
    public static void ThrowIfAny(IReadOnlyList<OptionError> errors, ParseResult r)
    {
        if (errors.Count == 0) return;
        var command = r.CommandResult.Command;
        throw new UsageException(string.Join(Environment.NewLine + "       ", errors.Select(e => Describe(e, command))));
    }

    /// <summary><c>--flag: message</c> when <paramref name="command"/> has the key's flag; else <c>path: message</c>.</summary>
    public static string Describe(OptionError error, Command command)
    {
        var flag = OptionNames.Flag(error.Path);
        return !error.Path.Contains('.', StringComparison.Ordinal) && command.Options.Any(o => o.Name == flag || o.Aliases.Contains(flag))
            ? $"{flag}: {error.Message}"
            : error.ToString();
    }
}
