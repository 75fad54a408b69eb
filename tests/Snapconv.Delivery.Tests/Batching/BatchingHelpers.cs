using System.Text;
using Snapconv.Core.Validation;
using Snapconv.Delivery.Batching;
using Snapconv.Delivery.Ledger;

namespace Snapconv.Delivery.Tests.Batching;

internal static class Outgoing
{
    /// <summary>An event of <paramref name="bytes"/> JSON bytes (an object with an id and padding), row <paramref name="i"/> + 1.</summary>
    public static OutgoingEvent Event(int i, int bytes = 40)
    {
        var head = "{\"event_id\":\"e" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\",\"pad\":\"";
        var json = head + new string('x', Math.Max(0, bytes - head.Length - 2)) + "\"}";
        return new OutgoingEvent(new EventKey((UInt128)(i + 1)), Encoding.UTF8.GetBytes(json), new RowRef("f.csv", i + 1), null, null);
    }

    public static List<OutgoingEvent> Events(int count, int bytes = 40) => Enumerable.Range(0, count).Select(i => Event(i, bytes)).ToList();
}
