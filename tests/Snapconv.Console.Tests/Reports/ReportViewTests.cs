using Snapconv.Console.Reports;
using Snapconv.Core.Pipeline;

namespace Snapconv.Console.Tests.Reports;

public sealed class ReportViewTests
{
    [Fact]
    public void TryRead_ReportWrittenByCore_ReadsCountsReasonsCoverageObjectsAndCounters()
    {
        using var dir = new TempDir();
        var report = new RunReport { Rows = 12, Accepted = 8, Rejected = 3, Duplicates = 1, DurationSeconds = 1.5, Preset = "shopify-orders" };
        report.RejectedByReason["MISSING_USER_DATA"] = 1;
        report.RejectedByReason["INVALID_VALUE"] = 2;
        report.WarningsByReason["INVALID_PHONE"] = 4;
        report.CoverageCounts[0] = 8;   // em
        report.CoverageCounts[1] = 2;   // ph
        report.InputFiles.Add(new FileReport("in/a.csv") { Rows = 12, Accepted = 8, Rejected = 3, Duplicates = 1, MappedColumns = ["Email → em"], UnmappedColumns = ["Notes"] });
        report.Extra["sent"] = 8;
        report.Extra["acknowledged"] = 7;
        report.WriteJson(dir.File("report.json"));

        var view = ReportView.TryRead(dir.File("report.json"))!;

        Assert.Equal((12, 8, 3, 1), (view.Rows, view.Accepted, view.Rejected, view.Duplicates));
        Assert.Equal("shopify-orders", view.Preset);
        // Largest first.
        Assert.Equal(["INVALID_VALUE", "MISSING_USER_DATA"], view.RejectedByReason.Select(r => r.Key));
        Assert.Equal(4, view.WarningsByReason.Single(w => w.Key == "INVALID_PHONE").Value);
        Assert.Equal(1.0, view.Coverage.Single(c => c.Key == "em").Share);
        Assert.Equal(0.25, view.Coverage.Single(c => c.Key == "ph").Share);
        Assert.Equal(RunReport.CoverageKeys, view.Coverage.Select(c => c.Key));
        Assert.Equal("in/a.csv", view.InputObjects.Single().File);
        Assert.Equal(["Notes"], view.InputObjects.Single().UnmappedColumns);
        Assert.Equal(7, view.Counter("acknowledged"));
        Assert.Equal(["sent", "acknowledged"], view.Counters.Select(c => c.Key));
    }

    [Fact]
    public void TryRead_MissingOrNotJson_Null()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("bad.json"), "not json");
        Assert.Null(ReportView.TryRead(dir.File("none.json")));
        Assert.Null(ReportView.TryRead(dir.File("bad.json")));
        Assert.Null(ReportView.TryRead(null));
    }
}
