using System.Reflection;
using Snapconv.Console.Reports;
using Snapconv.Core.Capi;
using Snapconv.Core.Pipeline;

namespace Snapconv.Console.Tests.Reports;

public sealed class ReasonFixesTests
{
    private static IEnumerable<Reason> CoreReasons() =>
        typeof(Reason).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(Reason)).Select(f => (Reason)f.GetValue(null)!)
            .Append(EventBuilder.InvalidNumItems);

    [Fact]
    public void For_EveryReasonOfCore_HasItsOwnFixWithSnapsCode()
    {
        var reasons = CoreReasons().ToList();
        Assert.True(reasons.Count >= 25, $"only {reasons.Count} reasons found by reflection");
        foreach (var r in reasons)
        {
            Assert.True(ReasonFixes.IsKnown(r.Name), $"{r.Name} has no fix in ReasonFixes");
            var fix = ReasonFixes.For(r.Name);
            Assert.Equal(r.Code == r.Name ? null : r.Code, fix.SnapCode);
            Assert.Equal(r.IsWarning, fix.IsWarning);
            Assert.True(fix.Fix.Length > 40, $"{r.Name}: the fix is too short to help");
        }
    }

    [Fact]
    public void For_RunnerAndSnapReasons_HaveFixes()
    {
        Assert.True(ReasonFixes.IsKnown(ReasonFixes.SourceObjectChanged));
        Assert.True(ReasonFixes.IsKnown(ReasonFixes.RejectedBySnap));
    }

    [Fact]
    public void For_SnapsNumericCode_FindsTheReason()
    {
        Assert.Equal("MISSING_USER_DATA", ReasonFixes.For("505").Reason);
        Assert.Contains("e-mail column is mapped", ReasonFixes.For("MISSING_USER_DATA").Fix);
    }

    [Fact]
    public void For_UnknownCode_KeepsTheCodeWithSnapsAdvice()
    {
        var fix = ReasonFixes.For("E1234");
        Assert.Equal("E1234", fix.Reason);
        Assert.Equal(ReasonFixes.For(ReasonFixes.RejectedBySnap).Fix, fix.Fix);
    }
}
