using Snapconv.Core.Pipeline;

namespace Snapconv.Core.Tests.Pipeline;

public sealed class RunReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("snapconv-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TryRead_ReportItWrote_ReadsEveryKeyBack()
    {
        var written = new RunReport
        {
            StartedAt = new DateTimeOffset(2026, 12, 5, 22, 40, 1, TimeSpan.Zero), Preset = "square-transactions",
            Rows = 20, Accepted = 8, Rejected = 3, Duplicates = 1, Filtered = 6, Folded = 2, PhonesInScientificNotation = 1,
            DurationSeconds = 1.25,
        };
        written.FilteredByRule["refund"] = 6;
        written.RejectedByReason["MISSING_USER_DATA"] = 1;
        written.RejectedByReason["INVALID_VALUE"] = 2;
        written.WarningsByReason["INVALID_PHONE"] = 4;
        written.CoverageCounts[0] = 8;
        written.CoverageCounts[1] = 3;
        written.InputFiles.Add(new FileReport("in/a.csv")
        {
            Encoding = "windows-1252", Rows = 20, Accepted = 8, Rejected = 3, Duplicates = 1, Filtered = 6, Folded = 2,
            MappedColumns = ["Email → em"], UnmappedColumns = ["Notes"],
        });
        written.Extra["sent"] = 8;
        written.Extra["acknowledged"] = 7;
        var path = Path.Combine(_dir, "report.json");
        written.WriteJson(path);

        var read = RunReport.TryRead(path)!;

        Assert.Equal(written.StartedAt, read.StartedAt);
        Assert.Equal("square-transactions", read.Preset);
        Assert.Equal((20L, 8L, 3L, 1L, 6L, 2L, 1L), (read.Rows, read.Accepted, read.Rejected, read.Duplicates, read.Filtered, read.Folded, read.PhonesInScientificNotation));
        Assert.Equal(1.25, read.DurationSeconds);
        Assert.Equal(written.FilteredByRule, read.FilteredByRule);
        Assert.Equal(written.RejectedByReason, read.RejectedByReason);
        Assert.Equal(written.WarningsByReason, read.WarningsByReason);
        Assert.Equal(written.CoverageCounts, read.CoverageCounts);
        var file = Assert.Single(read.InputFiles);
        Assert.Equal(("in/a.csv", "windows-1252", 20L, 8L, 3L, 1L, 6L, 2L), (file.File, file.Encoding, file.Rows, file.Accepted, file.Rejected, file.Duplicates, file.Filtered, file.Folded));
        Assert.Equal(["Email → em"], file.MappedColumns);
        Assert.Equal(["Notes"], file.UnmappedColumns);
        // The counters come back in the order they were written (the summary's order), and nothing else joins them.
        Assert.Equal(written.Extra.ToList(), read.Extra.ToList());
    }

    [Fact]
    public void TryRead_MissingTooLargeOrNotJson_Null()
    {
        var bad = Path.Combine(_dir, "bad.json");
        File.WriteAllText(bad, "{ not json");
        var array = Path.Combine(_dir, "array.json");
        File.WriteAllText(array, "[1, 2]");
        var large = Path.Combine(_dir, "large.json");
        using (var f = File.Create(large)) f.SetLength(RunReport.MaxReadBytes + 1);

        Assert.Null(RunReport.TryRead(null));
        Assert.Null(RunReport.TryRead(Path.Combine(_dir, "none.json")));
        Assert.Null(RunReport.TryRead(bad));
        Assert.Null(RunReport.TryRead(array));
        Assert.Null(RunReport.TryRead(large));
    }
}
