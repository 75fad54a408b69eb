using System.Text.Json;
using Snapconv.Core.Capi;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Pipeline;

/// <summary>Per-file counts in the run report.</summary>
public sealed class FileReport(string file)
{
    public string File { get; } = file;
    public long Rows { get; set; }
    public long Accepted { get; set; }
    public long Rejected { get; set; }
    public long Duplicates { get; set; }
    /// <summary>Rows the mapping's filter left out (not conversions).</summary>
    public long Filtered { get; set; }
    /// <summary>Rows folded into the row above (<c>group_by</c>).</summary>
    public long Folded { get; set; }
    public IReadOnlyList<string> MappedColumns { get; set; } = [];
    public IReadOnlyList<string> UnmappedColumns { get; set; } = [];
    /// <summary>Rows rejected as MISSING_EVENT_NAME: when they are all the file's rows, the summary names <c>--event-name</c>. Not in the JSON.</summary>
    public long MissingEventName { get; set; }

    /// <summary>True when the file had rows and every row that was not filtered lacked an event name (#15).</summary>
    public bool EveryRowMissedEventName => MissingEventName > 0 && MissingEventName == Rows - Filtered;
    /// <summary>
    /// The text encoding the file was read in (<c>utf-8</c>, <c>utf-8-bom</c>, <c>utf-16le</c>, <c>utf-16be</c>,
    /// <c>windows-1252</c>, or the name given with <c>--encoding</c>); null for JSON, Parquet and workbooks.
    /// </summary>
    public string? Encoding { get; set; }
    /// <summary>True when <see cref="Encoding"/> was detected rather than named by the user. Not in the JSON.</summary>
    public bool EncodingDetected { get; set; }
}

/// <summary>
/// What a run did (the <c>--report</c> JSON): rows, accepted, rejected, duplicates, reasons, warnings,
/// identifier coverage, per-file counts and duration. Delivery adds its own counters through
/// <see cref="Extra"/>.
/// </summary>
public sealed class RunReport
{
    public static readonly string[] CoverageKeys =
        ["em", "ph", "madid", "fn", "ln", "ge", "ct", "st", "zp", "country", "db", "external_id",
         "client_ip_address", "client_user_agent", "sc_click_id"];

    public DateTimeOffset StartedAt { get; set; }
    public long Rows { get; set; }
    public long Accepted { get; set; }
    public long Rejected { get; set; }
    public long Duplicates { get; set; }
    /// <summary>Rows the mapping's filter left out (deals not won, other event types): neither accepted nor rejected.</summary>
    public long Filtered { get; set; }
    /// <summary>
    /// Rows folded into the event of the row above (<c>group_by</c>: an order's further line items). Rows = accepted +
    /// rejected + filtered + duplicates + folded.
    /// </summary>
    public long Folded { get; set; }
    /// <summary>Filtered rows by the name of the rule that left them out.</summary>
    public SortedDictionary<string, long> FilteredByRule { get; } = new(StringComparer.Ordinal);
    /// <summary>The preset the run used (named, or recognised from the header); null for a plain mapping.</summary>
    public string? Preset { get; set; }
    public SortedDictionary<string, long> RejectedByReason { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, long> WarningsByReason { get; } = new(StringComparer.Ordinal);
    /// <summary>
    /// Rows (accepted or rejected) with a phone in scientific notation (<c>9.23228E+11</c>): the export was re-saved by a
    /// spreadsheet, which lost the digits. Each such phone is also an <c>INVALID_PHONE</c>; this count lets the summary
    /// say why once, not once a row (#15). Written to the report only when not zero.
    /// </summary>
    public long PhonesInScientificNotation { get; set; }
    public long[] CoverageCounts { get; } = new long[CoverageKeys.Length];
    public List<FileReport> InputFiles { get; } = [];
    public double DurationSeconds { get; set; }
    /// <summary>
    /// Further top-level keys (delivery and source counters), written after the validate keys in the order they were
    /// first set, so that the summary reads as the run went (sent, acknowledged, ... requests), not alphabetically.
    /// </summary>
    public OrderedDictionary<string, long> Extra { get; } = new(StringComparer.Ordinal);

    public double Coverage(string key)
    {
        var i = Array.IndexOf(CoverageKeys, key);
        return Accepted == 0 || i < 0 ? 0 : (double)CoverageCounts[i] / Accepted;
    }

    /// <summary>Counts an event whose <see cref="CoverageMask"/> is <paramref name="mask"/>: one increment per key present.</summary>
    internal void CountCoverage(uint mask)
    {
        for (; mask != 0; mask &= mask - 1) CoverageCounts[System.Numerics.BitOperations.TrailingZeroCount(mask)]++;
    }

    /// <summary>
    /// Bit i set when the key <see cref="CoverageKeys"/>[i] has a value (computed by <see cref="BuiltRow"/> on the worker
    /// that built the event, so the serial consumer only adds the set bits).
    /// </summary>
    internal static uint CoverageMask(UserData u) => BuiltRow.CoverageMask(u);

    public void WriteJson(Stream stream)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteString("started_at", StartedAt.ToString("O"));
        if (Preset is not null) w.WriteString("preset", Preset);
        w.WriteNumber("rows", Rows);
        w.WriteNumber("accepted", Accepted);
        w.WriteNumber("rejected", Rejected);
        w.WriteNumber("duplicates", Duplicates);
        if (Filtered > 0 || FilteredByRule.Count > 0)
        {
            w.WriteNumber("filtered", Filtered);
            Counts(w, "filtered_by_rule", FilteredByRule);
        }
        if (Folded > 0) w.WriteNumber("folded", Folded);
        Counts(w, "rejected_by_reason", RejectedByReason);
        Counts(w, "warnings_by_reason", WarningsByReason);
        if (PhonesInScientificNotation > 0) w.WriteNumber("phones_in_scientific_notation", PhonesInScientificNotation);
        w.WriteStartObject("identifier_coverage");
        foreach (var k in CoverageKeys) w.WriteNumber(k, Math.Round(Coverage(k), 4));
        w.WriteEndObject();
        foreach (var (k, v) in Extra) w.WriteNumber(k, v);
        w.WriteStartArray("input_files");
        foreach (var f in InputFiles)
        {
            w.WriteStartObject();
            w.WriteString("file", f.File);
            if (f.Encoding is not null) w.WriteString("encoding", f.Encoding);
            w.WriteNumber("rows", f.Rows);
            w.WriteNumber("accepted", f.Accepted);
            w.WriteNumber("rejected", f.Rejected);
            w.WriteNumber("duplicates", f.Duplicates);
            if (f.Filtered > 0) w.WriteNumber("filtered", f.Filtered);
            if (f.Folded > 0) w.WriteNumber("folded", f.Folded);
            Strings(w, "mapped_columns", f.MappedColumns);
            Strings(w, "unmapped_columns", f.UnmappedColumns);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("duration_seconds", Math.Round(DurationSeconds, 3));
        w.WriteEndObject();
    }

    /// <summary>Writes the report to <paramref name="path"/> through a temporary file renamed when complete (<see cref="Output.OutputFile"/>).</summary>
    public void WriteJson(string path) => Output.OutputFile.WriteAll(path, isPrivate: false, WriteJson);

    /// <summary>Largest report file <see cref="TryRead"/> reads: a report is a few kB, anything bigger is not one of ours.</summary>
    public const long MaxReadBytes = 4 * 1024 * 1024;

    /// <summary>
    /// The report at <paramref name="path"/> as <see cref="WriteJson(Stream)"/> wrote it (another process may have: the
    /// console shows the reports of runs), or null when there is none, it is larger than <see cref="MaxReadBytes"/> or it
    /// is not a report. Coverage comes back as counts of the accepted events (the file holds shares to four places).
    /// </summary>
    public static RunReport? TryRead(string? path)
    {
        if (path is null) return null;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > MaxReadBytes) return null;
            using var stream = info.OpenRead();
            using var doc = JsonDocument.Parse(stream);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? Read(doc.RootElement) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads a report object written by <see cref="WriteJson(Stream)"/>; missing or mistyped keys read as empty.</summary>
    public static RunReport Read(JsonElement r)
    {
        var report = new RunReport
        {
            StartedAt = Str(r, "started_at") is { } s && DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.RoundtripKind, out var t) ? t : default,
            Preset = Str(r, "preset"),
            Rows = Long(r, "rows"), Accepted = Long(r, "accepted"), Rejected = Long(r, "rejected"), Duplicates = Long(r, "duplicates"),
            Filtered = Long(r, "filtered"), Folded = Long(r, "folded"),
            PhonesInScientificNotation = Long(r, "phones_in_scientific_notation"),
            DurationSeconds = r.TryGetProperty("duration_seconds", out var d) && d.TryGetDouble(out var ds) ? ds : 0,
        };
        ReadCounts(r, "filtered_by_rule", report.FilteredByRule);
        ReadCounts(r, "rejected_by_reason", report.RejectedByReason);
        ReadCounts(r, "warnings_by_reason", report.WarningsByReason);
        if (r.TryGetProperty("identifier_coverage", out var c) && c.ValueKind == JsonValueKind.Object)
            for (var i = 0; i < CoverageKeys.Length; i++)
                if (c.TryGetProperty(CoverageKeys[i], out var v) && v.TryGetDouble(out var share))
                    report.CoverageCounts[i] = (long)Math.Round(share * report.Accepted);
        if (r.TryGetProperty("input_files", out var files) && files.ValueKind == JsonValueKind.Array)
            foreach (var f in files.EnumerateArray().Where(f => f.ValueKind == JsonValueKind.Object))
                report.InputFiles.Add(new FileReport(Str(f, "file") ?? "")
                {
                    Encoding = Str(f, "encoding"),
                    Rows = Long(f, "rows"), Accepted = Long(f, "accepted"), Rejected = Long(f, "rejected"), Duplicates = Long(f, "duplicates"),
                    Filtered = Long(f, "filtered"), Folded = Long(f, "folded"),
                    MappedColumns = ReadStrings(f, "mapped_columns"), UnmappedColumns = ReadStrings(f, "unmapped_columns"),
                });
        // Every other whole number at the top level is a counter of Extra, in the file's order.
        foreach (var x in r.EnumerateObject())
            if (!ValidateKeys.Contains(x.Name) && x.Value.ValueKind == JsonValueKind.Number && x.Value.TryGetInt64(out var n))
                report.Extra[x.Name] = n;
        return report;
    }

    /// <summary>The top-level keys <see cref="WriteJson(Stream)"/> writes itself; any other number is an <see cref="Extra"/> counter.</summary>
    private static readonly HashSet<string> ValidateKeys = new(StringComparer.Ordinal)
    {
        "started_at", "preset", "rows", "accepted", "rejected", "duplicates", "filtered", "filtered_by_rule", "folded",
        "rejected_by_reason", "warnings_by_reason", "phones_in_scientific_notation", "identifier_coverage", "input_files",
        "duration_seconds",
    };

    private static long Long(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.TryGetInt64(out var n) ? n : 0;

    private static string? Str(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static IReadOnlyList<string> ReadStrings(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? [.. v.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.String).Select(s => s.GetString()!)]
            : [];

    private static void ReadCounts(JsonElement o, string name, SortedDictionary<string, long> into)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Object) return;
        foreach (var x in v.EnumerateObject())
            if (x.Value.TryGetInt64(out var n)) into[x.Name] = n;
    }

    private static void Counts(Utf8JsonWriter w, string name, SortedDictionary<string, long> counts)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in counts) w.WriteNumber(k, v);
        w.WriteEndObject();
    }

    private static void Strings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
