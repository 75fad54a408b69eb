using System.Globalization;
using Snapconv.Core.Mapping;
using Snapconv.Core.Formats;
using Snapconv.Core.Pipeline;
using Spectre.Console;

namespace Snapconv.Cli.Console;

/// <summary>The short summary table printed after a run (stderr).</summary>
internal static class RunSummary
{
    public static void Render(RunReport report, ConversionOutputs outputs, string title = "snapconv run")
    {
        var table = new Table().Border(TableBorder.Rounded).Title(title).AddColumn("").AddColumn(new TableColumn("count").RightAligned());
        if (report.Preset is not null) table.AddRow("preset", Markup.Escape(report.Preset));
        Row(table, "rows read", report.Rows);
        if (report.Filtered > 0)
        {
            Row(table, "filtered (not conversions)", report.Filtered);
            foreach (var (rule, n) in report.FilteredByRule) Row(table, "  " + rule, n);
        }
        if (report.Folded > 0) Row(table, "folded (line items of the order above)", report.Folded);
        Row(table, "accepted", report.Accepted);
        Row(table, "rejected", report.Rejected);
        foreach (var (reason, n) in report.RejectedByReason) Row(table, "  " + reason, n);
        Row(table, "duplicates (sent once)", report.Duplicates);
        foreach (var (reason, n) in report.WarningsByReason) Row(table, "warning " + reason, n);
        foreach (var (key, n) in report.Extra) Row(table, key.Replace('_', ' '), n);
        var rate = report.DurationSeconds > 0 ? report.Rows / report.DurationSeconds : 0;
        table.AddRow("duration", $"{report.DurationSeconds:0.00} s ({rate:N0} rows/s)");
        var coverage = string.Join("  ", new[] { "em", "ph", "madid" }.Select(k => $"{k} {report.Coverage(k):P0}"));
        table.AddRow("identifier coverage", Markup.Escape(coverage));
        Encodings(table, report.InputFiles);
        Terminal.Err.Write(table);
        foreach (var line in Recognised(report)) Terminal.Err.MarkupLine("[grey]mapping:[/] " + Markup.Escape(line));
        foreach (var f in report.InputFiles.Where(f => f.EveryRowMissedEventName))
            Terminal.Err.MarkupLine($"[yellow]{Markup.Escape(MissingEventNameLine(f))}[/]");
        foreach (var f in report.InputFiles.Where(f => f.EncodingDetected && f.Encoding == TextEncoding.Windows1252.Name))
            Terminal.Err.MarkupLine(Markup.Escape($"note: {f.File} is not UTF-8; it was read as windows-1252. If names look wrong in the rejects or events, name its encoding with --encoding."));
        if (report.PhonesInScientificNotation > 0)
            Terminal.Err.MarkupLine(Markup.Escape(SpreadsheetNote(report.PhonesInScientificNotation)));
        foreach (var (label, path) in new[] { ("report", outputs.ReportPath), ("rejects", outputs.RejectsPath), ("events", outputs.EventsPath), ("output", outputs.PreprocessCsvPath) })
            if (path is not null) Terminal.Err.MarkupLine($"[grey]{label}:[/] {Markup.Escape(path)}");
    }

    /// <summary>The most columns the summary lists per file; the report's <c>input_files[].mapped_columns</c> has them all.</summary>
    public const int MaxListedColumns = 10;

    /// <summary>
    /// What was recognised, one line per file (#15): the preset, or the columns and the fields they fill, shortened
    /// (a file with the same columns as the one before says so instead of repeating them).
    /// </summary>
    public static IEnumerable<string> Recognised(RunReport report)
    {
        if (report.Preset is not null)
        {
            yield return $"preset {report.Preset}";
            yield break;
        }
        IReadOnlyList<string>? previous = null;
        string? previousFile = null;
        foreach (var f in report.InputFiles)
        {
            if (previous is not null && f.MappedColumns.SequenceEqual(previous))
            {
                yield return $"{f.File}: as {previousFile}";
                continue;
            }
            previous = f.MappedColumns;
            previousFile = f.File;
            if (f.MappedColumns.Count == 0)
            {
                yield return $"{f.File}: no column recognised; name them in a mapping file (--mapping, see docs/mapping.md)";
                continue;
            }
            // "+1 more" would take the room of the one column it hides.
            var more = f.MappedColumns.Count > MaxListedColumns + 1 ? f.MappedColumns.Count - MaxListedColumns : 0;
            var shown = string.Join(", ", f.MappedColumns.Take(f.MappedColumns.Count - more));
            yield return more > 0
                ? string.Create(CultureInfo.InvariantCulture, $"{f.File}: {shown}, … +{more} more (all in the report)")
                : $"{f.File}: {shown}";
        }
    }

    /// <summary>The one line for a file whose every row lacked an event name (#15).</summary>
    public static string MissingEventNameLine(FileReport f) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{f.File}: all {f.MissingEventName:N0} rows were rejected as MISSING_EVENT_NAME (the file names no event); pass {DefaultEventName.Suggestion} (or the event these rows are).");

    /// <summary>The text encoding of each CSV/TSV file: one row when every file has the same.</summary>
    private static void Encodings(Table table, IReadOnlyList<FileReport> files)
    {
        var text = files.Where(f => f.Encoding is not null).ToList();
        if (text.Count == 0) return;
        if (text.All(f => f.Encoding == text[0].Encoding))
        {
            table.AddRow("encoding", Markup.Escape(text[0].Encoding!));
            return;
        }
        foreach (var f in text) table.AddRow(Markup.Escape("encoding " + Path.GetFileName(f.File)), Markup.Escape(f.Encoding!));
    }
    /// <summary>The one line that explains every phone a spreadsheet turned into scientific notation (#15).</summary>
    internal static string SpreadsheetNote(long rows) =>
        $"{rows.ToString("N0", CultureInfo.InvariantCulture)} {(rows == 1 ? "row has a phone" : "rows have phones")} in scientific notation (like 9.23228E+11): " +
        "the export was re-saved by a spreadsheet, which lost their digits, so they were left out (INVALID_PHONE). " +
        "Export the file again from its source and upload it without opening it in a spreadsheet.";

    private static void Row(Table t, string label, long n) =>
        t.AddRow(Markup.Escape(label), n.ToString("N0", CultureInfo.InvariantCulture));
}
