using Snapconv.Core.Pipeline;
using Snapconv.Delivery.Capi;
using Snapconv.Delivery.Upload;

namespace Snapconv.Delivery.Tests.Upload;

/// <summary>The delivery sink runs the shared sink suite.</summary>
public sealed class DeliverySinkConformance : SinkConformance
{
    internal override IAcceptedEventSink Create(SinkFixture f) =>
        new DeliverySink(f.Options, f.Ledger, new CapiClient(f.Options, f.Clock, f.Snap), f.Clock, f.Stats, f.Stop);
}
