using System.CommandLine;
using Snapconv.Core.Formats;
using Snapconv.Core.Output;

namespace Snapconv.Cli.Commands;

/// <summary>Outputs never clobber inputs: checked once the inputs are listed, before any of them is read (#16).</summary>
internal static class OutputChecks
{
    /// <summary>
    /// Throws <see cref="UsageException"/> (exit 2) when <c>--output</c>, <c>--report</c>, <c>--rejects</c> or
    /// <c>--events-out</c> is an input (data file, mapping or contacts file) or the same file as another output.
    /// </summary>
    public static void Ensure(ConversionOptionSet set, ParseResult r, IReadOnlyList<string> files)
    {
        var outputs = new List<(string, string?)>
        {
            ("--report", r.GetValue(set.Report)),
            ("--rejects", r.GetValue(set.Rejects)),
            ("--events-out", r.GetValue(set.EventsOut)),
        };
        if (set.Output is { } o) outputs.Insert(0, ("--output", r.GetValue(o)));
        if (outputs.All(x => x.Item2 is null)) return;
        var inputs = new List<string>(files);
        if (r.GetValue(set.Mapping) is { } mapping) inputs.Add(mapping);
        if (r.GetValue(set.Contacts) is { Length: > 0 } contacts)
        {
            try { inputs.AddRange(InputResolver.Resolve(contacts)); }
            catch (InputException) { } // reported with its own message when the contacts are loaded
        }
        var clashes = OutputPaths.Clashes(outputs, inputs);
        if (clashes.Count > 0)
            throw new UsageException(string.Join(Environment.NewLine + "       ", clashes) + " Nothing was read or written.");
    }
}
