using Snapconv.Core.Capi;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Tests.Validation;

/// <summary>A built row keeps its rejection and first warning inline and a list only from the second warning on.</summary>
public sealed class BuiltRowTests
{
    private static readonly RowRef Row = new("in.csv", 7);

    [Fact]
    public void Warnings_KeepTheirOrderAndRow_FromOneToThree()
    {
        var r = new BuiltRow(Row);
        Assert.Null(r.Warnings);
        Assert.Equal(0, r.WarningCount);
        r.Warn("event_time", Reason.EventTimeNotAttributable);
        Assert.Equal([new RowIssue(Row, "event_time", Reason.EventTimeNotAttributable)], r.Warnings!);
        r.Warn("phone", Reason.InvalidPhone);
        r.Warn("email", Reason.InvalidEmail);
        Assert.Equal(3, r.WarningCount);
        Assert.Equal(
            [new RowIssue(Row, "event_time", Reason.EventTimeNotAttributable), new RowIssue(Row, "phone", Reason.InvalidPhone),
             new RowIssue(Row, "email", Reason.InvalidEmail)],
            r.Warnings!);
        Assert.Equal([Reason.EventTimeNotAttributable, Reason.InvalidPhone, Reason.InvalidEmail],
            Enumerable.Range(0, r.WarningCount).Select(r.WarningReason));
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
