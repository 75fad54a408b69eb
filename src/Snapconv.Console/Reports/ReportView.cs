using Snapconv.Core.Pipeline;

namespace Snapconv.Console.Reports;

/// <summary>One input object of a run: where it came from and what its rows gave.</summary>
public sealed record InputObjectView(string File, string? Encoding, long Rows, long Accepted, long Rejected, long Duplicates, long Filtered,
    long Folded, IReadOnlyList<string> MappedColumns, IReadOnlyList<string> UnmappedColumns);

/// <summary>The share of accepted events that carry one identifier (<c>em</c> 0.93).</summary>
public sealed record CoverageView(string Key, string Label, double Share);

/// <summary>
/// A run's <c>report.json</c> as the console shows it: the file <see cref="RunReport.WriteJson(Stream)"/> wrote (the
/// same report the CLI prints and writes), read back by <see cref="RunReport.TryRead"/>. Read-only, no PII (the report holds none).
/// </summary>
public sealed record ReportView
{
    /// <summary>What each identifier key is, for a person.</summary>
    public static readonly IReadOnlyDictionary<string, string> CoverageLabels = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["em"] = "E-mail", ["ph"] = "Phone", ["madid"] = "Mobile ad id", ["fn"] = "First name", ["ln"] = "Last name",
        ["ge"] = "Gender", ["ct"] = "City", ["st"] = "State", ["zp"] = "Zip code", ["country"] = "Country",
        ["db"] = "Birth date", ["external_id"] = "External id", ["client_ip_address"] = "IP address",
        ["client_user_agent"] = "User agent", ["sc_click_id"] = "Snap click id",
    };

    public long Rows { get; init; }
    public long Accepted { get; init; }
    public long Rejected { get; init; }
    public long Duplicates { get; init; }
    public long Filtered { get; init; }
    public long Folded { get; init; }
    public string? Preset { get; init; }
    public double DurationSeconds { get; init; }
    public IReadOnlyList<KeyValuePair<string, long>> RejectedByReason { get; init; } = [];
    public IReadOnlyList<KeyValuePair<string, long>> WarningsByReason { get; init; } = [];
    public IReadOnlyList<KeyValuePair<string, long>> FilteredByRule { get; init; } = [];
    /// <summary>Every coverage key of <see cref="RunReport.CoverageKeys"/>, in that order.</summary>
    public IReadOnlyList<CoverageView> Coverage { get; init; } = [];
    public IReadOnlyList<InputObjectView> InputObjects { get; init; } = [];
    /// <summary>Delivery and source counters (<c>sent</c>, <c>acknowledged</c>, <c>requests</c>, …) in the file's order.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Counters { get; init; } = [];

    /// <summary>The report at <paramref name="path"/> (<see cref="RunReport.TryRead"/>), or null when there is none or it cannot be read.</summary>
    public static ReportView? TryRead(string? path) => RunReport.TryRead(path) is { } report ? From(report) : null;

    /// <summary>A report as the console shows it: reasons largest first, every coverage key with its label, counters in the file's order.</summary>
    public static ReportView From(RunReport r) => new()
    {
        Rows = r.Rows, Accepted = r.Accepted, Rejected = r.Rejected, Duplicates = r.Duplicates, Filtered = r.Filtered, Folded = r.Folded,
        Preset = r.Preset,
        DurationSeconds = r.DurationSeconds,
        RejectedByReason = LargestFirst(r.RejectedByReason),
        WarningsByReason = LargestFirst(r.WarningsByReason),
        FilteredByRule = LargestFirst(r.FilteredByRule),
        Coverage = [.. RunReport.CoverageKeys.Select(k => new CoverageView(k, CoverageLabels.GetValueOrDefault(k, k), r.Coverage(k)))],
        InputObjects = [.. r.InputFiles.Select(f => new InputObjectView(f.File, f.Encoding, f.Rows, f.Accepted, f.Rejected, f.Duplicates,
            f.Filtered, f.Folded, f.MappedColumns, f.UnmappedColumns))],
        Counters = [.. r.Extra.Select(x => KeyValuePair.Create(x.Key, x.Value))],
    };

    /// <summary>A counter of <see cref="Counters"/>, 0 when absent.</summary>
    public long Counter(string name) => Counters.FirstOrDefault(c => c.Key == name).Value;

    // Largest first: the reason that costs the most rows leads.
    private static IReadOnlyList<KeyValuePair<string, long>> LargestFirst(SortedDictionary<string, long> counts) =>
        [.. counts.OrderByDescending(x => x.Value).ThenBy(x => x.Key, StringComparer.Ordinal)];
}
