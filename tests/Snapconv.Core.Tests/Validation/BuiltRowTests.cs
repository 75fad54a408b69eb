using Snapconv.Core.Capi;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Tests.Validation;

/// <summary>
/// A built row keeps its first warning inline, a rejection, filter rule and second warning in a second object made for
/// the few rows that have one, and a list only from the third warning on.
/// </summary>
public sealed class BuiltRowTests
{
    private static readonly RowRef Row = new("in.csv", 7);

    [Fact]
    public void Warnings_KeepTheirOrderAndRow_FromOneToFour()
    {
        var r = new BuiltRow(Row);
        Assert.Null(r.Warnings);
        Assert.Equal(0, r.WarningCount);
        (string Field, Reason Reason)[] given =
        [
            ("event_time", Reason.EventTimeNotAttributable), ("event_time", Reason.EventTimeTooOld),
            ("phone", Reason.InvalidPhone), ("email", Reason.InvalidEmail),
        ];
        for (var n = 1; n <= given.Length; n++)
        {
            r.Warn(given[n - 1].Field, given[n - 1].Reason);
            Assert.Equal(n, r.WarningCount);
            Assert.Equal(given.Take(n).Select(g => new RowIssue(Row, g.Field, g.Reason)), r.Warnings!);
            Assert.Equal(given.Take(n).Select(g => g.Reason), Enumerable.Range(0, r.WarningCount).Select(r.WarningReason));
        }
        Assert.Null(r.Rejection);
        Assert.Null(r.FilteredBy);
    }

    [Fact]
    public void Filter_NamesTheRule_WithoutRejectingTheRow()
    {
        var r = new BuiltRow(Row);
        r.Warn("phone", Reason.InvalidPhone);
        r.Filter("not won");
        Assert.Equal("not won", r.FilteredBy);
        Assert.Null(r.Rejection);
        Assert.Equal([new RowIssue(Row, "phone", Reason.InvalidPhone)], r.Warnings!);
    }

    [Fact]
    public void CoverageOf_AnEventSetByHandAfterTheBuilt_IsThatEventsOwn()
    {
        var built = new CapiEvent();
        built.UserData.Madid = "m";
        var r = new BuiltRow(Row) { Event = built };
        r.SetCoverage();
        Assert.Equal(BuiltRow.CoverageMask(built.UserData), r.CoverageOf(built));
        var other = new CapiEvent();
        other.UserData.Em = ["a"];
        r.Event = other;   // replaced: the mask computed for the first event is not the second's
        Assert.Equal(BuiltRow.CoverageMask(other.UserData), r.CoverageOf(other));
        Assert.NotEqual(BuiltRow.CoverageMask(built.UserData), r.CoverageOf(other));
    }

    [Fact]
    public void Rejection_IsTheRowsFieldAndReason_AndDropsTheEvent()
    {
        var r = new BuiltRow(Row) { Event = new CapiEvent() };
        Assert.Null(r.Rejection);
        r.Reject("currency", Reason.InvalidCurrency);
        Assert.Equal(new RowIssue(Row, "currency", Reason.InvalidCurrency), r.Rejection);
        Assert.Null(r.Event);
    }
}
