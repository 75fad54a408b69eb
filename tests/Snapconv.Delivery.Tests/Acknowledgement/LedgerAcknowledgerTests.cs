using Snapconv.Delivery.Acknowledgement;
using Snapconv.Delivery.Batching;
using Snapconv.Delivery.Capi;
using Snapconv.Delivery.Ledger;
using Snapconv.Delivery.Splitting;
using Snapconv.Delivery.Tests.Batching;
using Snapconv.Delivery.Upload;

namespace Snapconv.Delivery.Tests.Acknowledgement;

public class LedgerAcknowledgerTests
{
    private static readonly CapiResponse Ok = new(ResponseKind.Acknowledged, 200, [], null, null);

    [Fact]
    public void Begin_EventsAcknowledgedByAnEarlierRun_SkippedAndCounted()
    {
        var ledger = new MemoryLedger();
        var events = Outgoing.Events(5);
        ledger.AcknowledgedBefore([events[1].Key, events[3].Key]);
        var stats = new DeliveryStats();
        var batch = new LedgerAcknowledger(ledger, isLive: true, stats).Begin(events);
        Assert.NotNull(batch);
        Assert.Equal([1L, 3L, 5L], batch.Events.Select(e => e.Row.Row));
        Assert.Equal(["begin 1 (3)"], ledger.Calls);
        Assert.Equal(2, stats.SkippedAlreadyAcknowledged);
        Assert.Equal(3, stats.Sent);
        Assert.Equal(LedgerState.Sent, ledger.StateOf(events[0].Key));
    }

    [Fact]
    public void Begin_EverythingAcknowledgedBefore_NoBatch()
    {
        var ledger = new MemoryLedger();
        var events = Outgoing.Events(2);
        ledger.AcknowledgedBefore(events.Select(e => e.Key));
        Assert.Null(new LedgerAcknowledger(ledger, true, new DeliveryStats()).Begin(events));
        Assert.Empty(ledger.Calls);
    }

    [Fact]
    public void Record_SplitBatch_EachEventGetsItsOwnState()
    {
        var ledger = new MemoryLedger();
        var stats = new DeliveryStats();
        var ack = new LedgerAcknowledger(ledger, true, stats);
        var batch = ack.Begin(Outgoing.Events(4))!;
        var e = batch.Events;
        ack.Record(batch, new Settlement(SettlementKind.Acknowledged, [e[0], e[2]], false, Ok));
        ack.Record(batch, new Settlement(SettlementKind.Rejected, [e[1]], false, Ok) { Rejections = [new ApiRejection(e[1], "516", "bad name")] });
        ack.Record(batch, new Settlement(SettlementKind.Failed, [e[3]], false, CapiResponse.Network("lost")));

        Assert.Equal(["begin 1 (4)", "set 1 Acknowledged (2)", "set 1 Rejected (1)"], ledger.Calls);
        Assert.Equal([LedgerState.Acknowledged, LedgerState.Rejected, LedgerState.Acknowledged, LedgerState.Sent], e.Select(x => ledger.StateOf(x.Key)));
        Assert.Equal((2, 1, 1), (stats.Acknowledged, stats.RejectedByApi, stats.FailedPending));
        var r = Assert.Single(ack.Rejections);
        Assert.Equal(("516", 2L), (r.Code, r.Event.Row.Row));
    }

    [Fact]
    public void Record_WholeBatch_OneBatchWrite()
    {
        var ledger = new MemoryLedger();
        var ack = new LedgerAcknowledger(ledger, true, new DeliveryStats());
        var first = ack.Begin(Outgoing.Events(3))!;
        ack.Record(first, new Settlement(SettlementKind.Acknowledged, first.Events, true, Ok));
        var second = ack.Begin(Outgoing.Events(2).Select(x => x with { Key = new EventKey(x.Key.Value + 100) }).ToList())!;
        ack.Record(second, new Settlement(SettlementKind.Failed, second.Events, true, CapiResponse.Network("lost")));
        Assert.Equal(["begin 1 (3)", "ack 1", "begin 2 (2)", "fail 2"], ledger.Calls);
        Assert.All(first.Events, x => Assert.Equal(LedgerState.Acknowledged, ledger.StateOf(x.Key)));
        Assert.All(second.Events, x => Assert.Equal(LedgerState.Sent, ledger.StateOf(x.Key)));
    }

    [Fact]
    public void Record_NotLive_CountsButRecordsNoDelivery()
    {
        var ledger = new MemoryLedger();
        var stats = new DeliveryStats();
        var ack = new LedgerAcknowledger(ledger, isLive: false, stats);
        var batch = ack.Begin(Outgoing.Events(2))!;
        ack.Record(batch, new Settlement(SettlementKind.Acknowledged, batch.Events, true, Ok));
        Assert.Equal(["begin 1 (2)"], ledger.Calls);
        Assert.Equal(2, stats.Acknowledged);
    }

    [Fact]
    public void Record_Fatal_Throws()
    {
        var ack = new LedgerAcknowledger(new MemoryLedger(), true, new DeliveryStats());
        var batch = ack.Begin(Outgoing.Events(1))!;
        Assert.Throws<ArgumentOutOfRangeException>(() => ack.Record(batch, new Settlement(SettlementKind.Fatal, batch.Events, true, Ok)));
    }
}
