using Snapconv.Core.Capi;
using Snapconv.Core.Dedup;
using Snapconv.Core.Mapping;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Tests.Pipeline;

/// <summary>The consumer remembers the last warning it counted; counts must stay exact as reasons alternate and repeat.</summary>
public sealed class RunAccumulatorWarningTests
{
    [Fact]
    public void AlternatingAndRepeatedWarnings_AreCountedOncePerAcceptedEvent()
    {
        using var acc = new RunAccumulator(TimeProvider.System);
        var file = new InputFile("in.csv", ["email"], BoundMapping.Bind(MappingSpec.Empty, ["email"], "in.csv"));
        Reason[][] rows =
        [
            [Reason.EventTimeNotAttributable], [Reason.InvalidPhone], [Reason.EventTimeNotAttributable, Reason.InvalidPhone],
            [Reason.EventTimeNotAttributable], [Reason.InvalidPhone, Reason.InvalidPhone], [], [Reason.EventTimeNotAttributable],
        ];
        for (var i = 0; i < rows.Length; i++)
        {
            var row = new BuiltRow(new RowRef("in.csv", i + 1)) { Event = new CapiEvent { EventName = "PURCHASE", EventId = "e" + i } };
            row.Event.UserData.Em = ["x"];
            row.DedupKeys = InRunDeduper.KeysOf(row.Event);
            foreach (var w in rows[i]) row.Warn("f", w);
            Assert.Equal(RowDisposition.Accepted, acc.Add(file, row));
            var expected = rows.Take(i + 1).SelectMany(r => r.Distinct()).GroupBy(r => r.Name).ToDictionary(g => g.Key, g => (long)g.Count());
            Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal), acc.Report.WarningsByReason);
        }
    }
}
