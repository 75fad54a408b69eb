using Snapconv.Console.Reports;

namespace Snapconv.Console.Runtime;

/// <summary>
/// A plain-language fix for each reason a row is rejected or warned about (the run page, the preview): the one table is
/// <see cref="ReasonFixes"/>; this name stays for the runtime's callers.
/// </summary>
public static class ReasonHints
{
    /// <summary>The fix of <paramref name="reason"/> (its name, e.g. <c>MISSING_USER_DATA</c>).</summary>
    public static string Fix(string reason) => ReasonFixes.For(reason).Fix;
}
