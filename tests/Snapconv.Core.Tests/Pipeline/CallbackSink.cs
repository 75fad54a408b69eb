using Snapconv.Core.Capi;
using Snapconv.Core.Pipeline;

namespace Snapconv.Core.Tests.Pipeline;

/// <summary>A run's sink that hands every accepted event to a callback (tests that inspect what a run accepts).</summary>
internal sealed class CallbackSink(Action<CapiEvent> onEvent) : IAcceptedEventSink
{
    public ValueTask AcceptAsync(AcceptedEvent accepted, RunReport live, CancellationToken ct)
    {
        onEvent(accepted.Event);
        return ValueTask.CompletedTask;
    }

    public ValueTask<SinkOutcome> CompleteAsync(RunReport live, CancellationToken ct) => ValueTask.FromResult(SinkOutcome.None);
}
