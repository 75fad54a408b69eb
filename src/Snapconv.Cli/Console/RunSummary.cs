using System.Globalization;
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
        Terminal.Err.Write(table);
        if (report.PhonesInScientificNotation > 0)
            Terminal.Err.MarkupLine(Markup.Escape(SpreadsheetNote(report.PhonesInScientificNotation)));
        foreach (var (label, path) in new[] { ("report", outputs.ReportPath), ("rejects", outputs.RejectsPath), ("events", outputs.EventsPath), ("output", outputs.PreprocessCsvPath) })
            if (path is not null) Terminal.Err.MarkupLine($"[grey]{label}:[/] {Markup.Escape(path)}");
    }

    /// <summary>The one line that explains every phone a spreadsheet turned into scientific notation (#15).</summary>
    internal static string SpreadsheetNote(long rows) =>
        $"{rows.ToString("N0", CultureInfo.InvariantCulture)} {(rows == 1 ? "row has a phone" : "rows have phones")} in scientific notation (like 9.23228E+11): " +
        "the export was re-saved by a spreadsheet, which lost their digits, so they were left out (INVALID_PHONE). " +
        "Export the file again from its source and upload it without opening it in a spreadsheet.";

    private static void Row(Table t, string label, long n) =>
        t.AddRow(Markup.Escape(label), n.ToString("N0", CultureInfo.InvariantCulture));
}
