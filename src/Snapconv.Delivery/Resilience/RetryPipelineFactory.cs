using Polly;
using Polly.Retry;
using Snapconv.Delivery.Capi;

namespace Snapconv.Delivery.Resilience;

/// <summary>Per-request retry bookkeeping carried in Polly's <see cref="ResilienceContext"/>.</summary>
internal sealed class AttemptState
{
    public int Transient;
    public int Throttled;
}

/// <summary>
/// Builds the Polly 8 retry strategy of spec §7: network errors, timeouts and 5xx back off exponentially
/// with full jitter up to <see cref="RetryOptions.MaxAttempts"/>; 429 honours Retry-After (capped) with
/// its own budget. Waits run on the injected <see cref="TimeProvider"/>.
/// </summary>
internal static class RetryPipelineFactory
{
    public static readonly ResiliencePropertyKey<AttemptState> StateKey = new("snapconv.attempts");

    public static ResiliencePipeline<CapiResponse> Create(RetryOptions o, TimeProvider clock, Random jitter, Action<CapiResponse> onRetry)
    {
        var gate = new Lock();
        return new ResiliencePipelineBuilder<CapiResponse> { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions<CapiResponse>
            {
                MaxRetryAttempts = int.MaxValue,
                ShouldHandle = args =>
                {
                    if (args.Outcome.Result is not { } r) return ValueTask.FromResult(false);
                    var st = args.Context.Properties.GetValue(StateKey, new AttemptState());
                    args.Context.Properties.Set(StateKey, st);
                    return ValueTask.FromResult(r.Kind switch
                    {
                        ResponseKind.Transient => ++st.Transient < o.MaxAttempts,
                        ResponseKind.Throttled => ++st.Throttled < o.MaxThrottledAttempts,
                        _ => false,
                    });
                },
                DelayGenerator = args =>
                {
                    var r = args.Outcome.Result;
                    if (r?.RetryAfter is { } ra)
                        return ValueTask.FromResult<TimeSpan?>(ra > o.RetryAfterCap ? o.RetryAfterCap : ra);
                    var st = args.Context.Properties.GetValue(StateKey, new AttemptState());
                    double unit;
                    lock (gate) unit = jitter.NextDouble();
                    var retry = r?.Kind == ResponseKind.Throttled ? st.Throttled - 1 : st.Transient - 1;
                    return ValueTask.FromResult<TimeSpan?>(o.Backoff(Math.Max(0, retry), unit));
                },
                OnRetry = args =>
                {
                    if (args.Outcome.Result is { } r) onRetry(r);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }
}
