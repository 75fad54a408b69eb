using System.Buffers;
using Polly;
using Snapconv.Delivery.Batching;
using Snapconv.Delivery.Capi;
using Snapconv.Delivery.RateLimit;
using Snapconv.Delivery.Resilience;
using Snapconv.Delivery.Upload;

namespace Snapconv.Delivery.Sending;

/// <summary>
/// Sends one request: writes the body, then, inside the Polly retry pipeline (spec §7: backoff for 5xx and
/// network errors, Retry-After for 429), waits for the pacer and posts. Tells the pacer about 429s and answers.
/// Returns the last classified answer; throws only <see cref="OperationCanceledException"/>. Thread-safe.
/// </summary>
internal sealed class BatchSender
{
    private readonly CapiClient _client;
    private readonly RequestEnvelope _envelope;
    private readonly RequestPacer _pacer;
    private readonly RetryOptions _retryOptions;
    private readonly ResiliencePipeline<CapiResponse> _retry;
    private readonly DeliveryStats _stats;
    private readonly TimeProvider _clock;

    public BatchSender(CapiClient client, RequestEnvelope envelope, RequestPacer pacer, RetryOptions retry, Random jitter,
        TimeProvider clock, DeliveryStats stats)
    {
        _client = client;
        _envelope = envelope;
        _pacer = pacer;
        _retryOptions = retry;
        _stats = stats;
        _clock = clock;
        _retry = RetryPipelineFactory.Create(retry, clock, jitter, _ => Interlocked.Increment(ref stats.RetryCount));
    }

    /// <summary>Posts <paramref name="items"/> as one request, retrying as spec §7 says.</summary>
    public async Task<CapiResponse> SendAsync(IReadOnlyList<OutgoingEvent> items, CancellationToken ct)
    {
        var body = ArrayPool<byte>.Shared.Rent(_envelope.Length(items));
        try
        {
            var memory = new ReadOnlyMemory<byte>(body, 0, _envelope.Write(items, body));
            var context = ResilienceContextPool.Shared.Get(ct);
            try
            {
                return await _retry.ExecuteAsync(static (ctx, s) => s.Self.AttemptAsync(s.Body, ctx.CancellationToken),
                    context, (Self: this, Body: memory)).ConfigureAwait(false);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    private async ValueTask<CapiResponse> AttemptAsync(ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        await _pacer.WaitAsync(ct).ConfigureAwait(false);
        var started = _clock.GetTimestamp();
        var r = await _client.PostAsync(body, ct).ConfigureAwait(false);
        _stats.AddLatency(_clock.GetElapsedTime(started).TotalMilliseconds);
        Interlocked.Increment(ref _stats.RequestCount);
        if (r.Kind == ResponseKind.Throttled)
        {
            Interlocked.Increment(ref _stats.ThrottledCount);
            _pacer.OnThrottled();
            var pause = r.RetryAfter ?? _retryOptions.BaseDelay;
            _pacer.Pause(pause > _retryOptions.RetryAfterCap ? _retryOptions.RetryAfterCap : pause);
        }
        else if (r.Kind != ResponseKind.Transient)
        {
            // Answered without throttling (5xx and timeouts say nothing about the rate).
            _pacer.OnAnswered();
        }
        return r;
    }
}
