using System.Text.Json;
using Snapconv.Core.Pipeline;

namespace Snapconv.Console.Reports;

/// <summary>One input object of a run: where it came from and what its rows gave.</summary>
public sealed record InputObjectView(string File, string? Encoding, long Rows, long Accepted, long Rejected, long Duplicates, long Filtered,
    long Folded, IReadOnlyList<string> MappedColumns, IReadOnlyList<string> UnmappedColumns);

/// <summary>The share of accepted events that carry one identifier (<c>em</c> 0.93).</summary>
public sealed record CoverageView(string Key, string Label, double Share);

/// <summary>
/// A run's <c>report.json</c> as the console shows it: the file <see cref="RunReport.WriteJson(Stream)"/> wrote (the
/// same report the CLI prints and writes), read back. Read-only, no PII (the report holds none).
/// </summary>
public sealed record ReportView
{
    /// <summary>Largest report read (a report is a few kB; anything bigger is not one of ours).</summary>
    public const long MaxBytes = 4 * 1024 * 1024;

    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "started_at", "preset", "rows", "accepted", "rejected", "duplicates", "filtered", "filtered_by_rule", "folded",
        "rejected_by_reason", "warnings_by_reason", "identifier_coverage", "input_files", "duration_seconds",
    };

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

    /// <summary>The report at <paramref name="path"/>, or null when there is none or it cannot be read.</summary>
    public static ReportView? TryRead(string? path)
    {
        if (path is null) return null;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > MaxBytes) return null;
            using var stream = info.OpenRead();
            using var doc = JsonDocument.Parse(stream);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? From(doc.RootElement) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads a report object (as <see cref="RunReport.WriteJson(Stream)"/> writes it).</summary>
    public static ReportView From(JsonElement r)
    {
        var coverage = r.TryGetProperty("identifier_coverage", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
        return new ReportView
        {
            Rows = Long(r, "rows"), Accepted = Long(r, "accepted"), Rejected = Long(r, "rejected"), Duplicates = Long(r, "duplicates"),
            Filtered = Long(r, "filtered"), Folded = Long(r, "folded"),
            Preset = r.TryGetProperty("preset", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null,
            DurationSeconds = r.TryGetProperty("duration_seconds", out var d) && d.TryGetDouble(out var ds) ? ds : 0,
            RejectedByReason = Counts(r, "rejected_by_reason"),
            WarningsByReason = Counts(r, "warnings_by_reason"),
            FilteredByRule = Counts(r, "filtered_by_rule"),
            Coverage = [.. RunReport.CoverageKeys.Select(k => new CoverageView(k, CoverageLabels.GetValueOrDefault(k, k),
                coverage.ValueKind == JsonValueKind.Object && coverage.TryGetProperty(k, out var v) && v.TryGetDouble(out var share) ? share : 0))],
            InputObjects = r.TryGetProperty("input_files", out var files) && files.ValueKind == JsonValueKind.Array
                ? [.. files.EnumerateArray().Where(f => f.ValueKind == JsonValueKind.Object).Select(f => new InputObjectView(
                    Str(f, "file") ?? "", Str(f, "encoding"), Long(f, "rows"), Long(f, "accepted"), Long(f, "rejected"), Long(f, "duplicates"),
                    Long(f, "filtered"), Long(f, "folded"), Strings(f, "mapped_columns"), Strings(f, "unmapped_columns")))]
                : [],
            Counters = [.. r.EnumerateObject()
                .Where(x => !Known.Contains(x.Name) && x.Value.ValueKind == JsonValueKind.Number && x.Value.TryGetInt64(out _))
                .Select(x => KeyValuePair.Create(x.Name, x.Value.GetInt64()))],
        };
    }

    /// <summary>A counter of <see cref="Counters"/>, 0 when absent.</summary>
    public long Counter(string name) => Counters.FirstOrDefault(c => c.Key == name).Value;

    private static long Long(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.TryGetInt64(out var n) ? n : 0;

    private static string? Str(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static IReadOnlyList<string> Strings(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? [.. v.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.String).Select(s => s.GetString()!)]
            : [];

    // Largest first: the reason that costs the most rows leads.
    private static IReadOnlyList<KeyValuePair<string, long>> Counts(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object
            ? [.. v.EnumerateObject().Where(x => x.Value.TryGetInt64(out _)).Select(x => KeyValuePair.Create(x.Name, x.Value.GetInt64()))
                .OrderByDescending(x => x.Value).ThenBy(x => x.Key, StringComparer.Ordinal)]
            : [];
}
