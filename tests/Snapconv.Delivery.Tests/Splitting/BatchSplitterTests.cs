using Snapconv.Delivery.Batching;
using Snapconv.Delivery.Capi;
using Snapconv.Delivery.Splitting;
using Snapconv.Delivery.Tests.Batching;

namespace Snapconv.Delivery.Tests.Splitting;

public class BatchSplitterTests
{
    /// <summary>A fake Snap as a send function: events whose row is in <c>bad</c> are invalid.</summary>
    private sealed class FakeSend(HashSet<long> bad, Func<int, int>? index = null, bool named = true)
    {
        public readonly List<int> Sizes = [];
        public Func<IReadOnlyList<OutgoingEvent>, CapiResponse>? Override;

        public Task<CapiResponse> SendAsync(IReadOnlyList<OutgoingEvent> items, CancellationToken ct)
        {
            lock (Sizes) Sizes.Add(items.Count);
            if (Override is { } o) return Task.FromResult(o(items));
            var errors = items.Select((e, i) => (e, i)).Where(x => bad.Contains(x.e.Row.Row))
                .Select(x => new EventError((index ?? (i => i))(x.i), "INVALID_EVENT_TIME", "bad time")).ToList();
            if (errors.Count == 0) return Task.FromResult(new CapiResponse(ResponseKind.Acknowledged, 200, [], null, null));
            return Task.FromResult(new CapiResponse(ResponseKind.Invalid, 400, named ? errors : [], null, named ? null : "invalid"));
        }
    }

    private static async Task<List<Settlement>> DeliverAsync(FakeSend snap, int count, CancellationToken ct = default)
    {
        var batch = new OutgoingBatch(1, Outgoing.Events(count).ToArray());
        var settled = new List<Settlement>();
        await foreach (var s in new BatchSplitter(snap.SendAsync).DeliverAsync(batch, ct)) settled.Add(s);
        return settled;
    }

    private static List<long> Rows(IEnumerable<Settlement> s, SettlementKind kind) =>
        s.Where(x => x.Kind == kind).SelectMany(x => x.Events).Select(e => e.Row.Row).Order().ToList();

    [Fact]
    public async Task Deliver_AllValid_OneWholeAcknowledgement()
    {
        var snap = new FakeSend([]);
        var settled = await DeliverAsync(snap, 10);
        var s = Assert.Single(settled);
        Assert.Equal(SettlementKind.Acknowledged, s.Kind);
        Assert.True(s.Whole);
        Assert.Equal(10, s.Events.Count);
        Assert.Equal([10], snap.Sizes);
    }

    [Fact]
    public async Task Deliver_InvalidWithTrueIndices_RejectsNamedAndResendsTheRestOnce()
    {
        var snap = new FakeSend([3, 7]);
        var settled = await DeliverAsync(snap, 10);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i).Except([3L, 7L]), Rows(settled, SettlementKind.Acknowledged));
        Assert.Equal([3L, 7L], Rows(settled, SettlementKind.Rejected));
        Assert.All(settled, s => Assert.False(s.Whole));
        Assert.Equal([10, 8, 2], snap.Sizes);
        var rejected = settled.Single(s => s.Kind == SettlementKind.Rejected);
        Assert.All(rejected.Rejections, r => Assert.Equal("INVALID_EVENT_TIME", r.Code));
    }

    [Theory]
    [InlineData(1)]   // one-based
    [InlineData(-1)]  // shifted the other way
    public async Task Deliver_WrongIndices_NeverRejectsAValidEvent(int shift)
    {
        var bad = new HashSet<long> { 2, 9, 10, 31 };
        var snap = new FakeSend(bad, i => i + shift);
        var settled = await DeliverAsync(snap, 40);
        Assert.Equal(bad.Order(), Rows(settled, SettlementKind.Rejected));
        Assert.Equal(40 - bad.Count, Rows(settled, SettlementKind.Acknowledged).Count);
        Assert.DoesNotContain(settled, s => s.Kind == SettlementKind.Failed);
    }

    [Fact]
    public async Task Deliver_InvalidWithoutIndices_BisectsDownToTheBadEvents()
    {
        var snap = new FakeSend([5], named: false);
        var settled = await DeliverAsync(snap, 16);
        Assert.Equal([5L], Rows(settled, SettlementKind.Rejected));
        Assert.Equal(15, Rows(settled, SettlementKind.Acknowledged).Count);
        Assert.Equal("invalid", settled.Single(s => s.Kind == SettlementKind.Rejected).Rejections[0].Message);
        // 16 → 8+8 → 4+4 → 2+2 → 1+1: a request per level for the bad half plus its good sibling.
        Assert.Equal(1 + 2 * 4, snap.Sizes.Count);
    }

    [Fact]
    public async Task Deliver_TooLarge_HalvesUntilItFits()
    {
        var snap = new FakeSend([]);
        snap.Override = items => new CapiResponse(items.Count > 3 ? ResponseKind.TooLarge : ResponseKind.Acknowledged, items.Count > 3 ? 413 : 200, [], null, null);
        var settled = await DeliverAsync(snap, 10);
        Assert.Equal(10, Rows(settled, SettlementKind.Acknowledged).Count);
        Assert.All(settled, s => Assert.True(s.Events.Count <= 3));
    }

    [Fact]
    public async Task Deliver_TransientAfterRetries_WholeBatchFailsPending()
    {
        var snap = new FakeSend([]) { Override = _ => CapiResponse.Network("connection lost") };
        var s = Assert.Single(await DeliverAsync(snap, 5));
        Assert.Equal(SettlementKind.Failed, s.Kind);
        Assert.True(s.Whole);
        Assert.Equal(5, s.Events.Count);
    }

    [Fact]
    public async Task Deliver_Fatal_YieldsFatalAndSendsNothingMore()
    {
        var snap = new FakeSend([]) { Override = _ => new CapiResponse(ResponseKind.Fatal, 401, [], null, "Unauthorized resources") };
        var s = Assert.Single(await DeliverAsync(snap, 5));
        Assert.Equal(SettlementKind.Fatal, s.Kind);
        Assert.Equal(401, s.Response.HttpStatus);
        Assert.Single(snap.Sizes);
    }

    [Fact]
    public async Task Deliver_Cancelled_SendsNothing()
    {
        var snap = new FakeSend([]);
        Assert.Empty(await DeliverAsync(snap, 5, new CancellationToken(canceled: true)));
        Assert.Empty(snap.Sizes);
    }
}
