using System.Text.Json;
using Snapconv.Delivery.Batching;

namespace Snapconv.Delivery.Tests.Batching;

public class EventBatcherTests
{
    private static List<List<OutgoingEvent>> Cut(EventBatcher batcher, IEnumerable<OutgoingEvent> events)
    {
        var batches = new List<List<OutgoingEvent>>();
        foreach (var e in events)
            if (batcher.Add(e) is { } b) batches.Add(b);
        if (batcher.Flush() is { } last) batches.Add(last);
        return batches;
    }

    [Fact]
    public void Add_CountCap_CutsFullBatchesAndFlushGivesTheRest()
    {
        var batcher = new EventBatcher(new BatchCaps(3, 1 << 20), new RequestEnvelope(null));
        var batches = Cut(batcher, Outgoing.Events(7));
        Assert.Equal([3, 3, 1], batches.Select(b => b.Count));
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), batches.SelectMany(b => b).Select(e => e.Row.Row));
        Assert.Null(batcher.Flush());
    }

    [Fact]
    public void Add_ByteCap_NoBodyExceedsTheCapEnvelopeIncluded()
    {
        var envelope = new RequestEnvelope("TEST123");
        // 100-byte events: 10 of them with commas and the envelope need 1,010 + overhead bytes.
        var cap = 1024;
        var batcher = new EventBatcher(new BatchCaps(2_000, cap), envelope);
        var batches = Cut(batcher, Outgoing.Events(50, bytes: 100));
        Assert.All(batches, b => Assert.True(envelope.Length(b) <= cap, $"{envelope.Length(b)} > {cap}"));
        Assert.Equal(50, batches.Sum(b => b.Count));
        Assert.True(batches[0].Count == (cap - envelope.Overhead) / 101, $"first batch {batches[0].Count}");
    }

    [Fact]
    public void Add_EventLargerThanTheCap_GoesAlone()
    {
        var batcher = new EventBatcher(new BatchCaps(100, 1024), new RequestEnvelope(null));
        var events = new[] { Outgoing.Event(0), Outgoing.Event(1, bytes: 5_000), Outgoing.Event(2) };
        var batches = Cut(batcher, events);
        Assert.Equal([1, 1, 1], batches.Select(b => b.Count));
    }

    [Fact]
    public void RequestEnvelope_Write_IsTheJsonSnapReads()
    {
        var envelope = new RequestEnvelope("T\"1");
        var items = Outgoing.Events(3);
        var body = new byte[envelope.Length(items)];
        var n = envelope.Write(items, body);
        using var doc = JsonDocument.Parse(body.AsMemory(0, n));
        Assert.Equal(["e0", "e1", "e2"], doc.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("event_id").GetString()));
        Assert.Equal("T\"1", doc.RootElement.GetProperty("test_event_code").GetString());
        // Length counts a comma per event, one more than the body has.
        Assert.Equal(envelope.Length(items) - 1, n);
    }
}
