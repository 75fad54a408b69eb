using Snapconv.Core.Pipeline;

namespace Snapconv.Delivery.Upload;

/// <summary>Live counters of an upload (thread-safe reads), also written to the run report's extra keys.</summary>
public sealed class DeliveryStats
{
    internal long RowsRead;
    internal long SentCount;
    internal long AcknowledgedCount;
    internal long SkippedCount;
    internal long RejectedCount;
    internal long FailedCount;
    internal long RetryCount;
    internal long ThrottledCount;
    internal long RequestCount;
    private readonly List<double> _latencyMs = [];
    private readonly Lock _gate = new();

    /// <summary>Rows read so far (all rows, not only accepted).</summary>
    public long Rows => Interlocked.Read(ref RowsRead);
    /// <summary>Distinct events handed to the API in this run.</summary>
    public long Sent => Interlocked.Read(ref SentCount);
    /// <summary>Events Snap answered VALID for.</summary>
    public long Acknowledged => Interlocked.Read(ref AcknowledgedCount);
    /// <summary>Accepted events not sent because an earlier run had them acknowledged.</summary>
    public long SkippedAlreadyAcknowledged => Interlocked.Read(ref SkippedCount);
    /// <summary>Events Snap rejected (in the rejects file with Snap's code and message).</summary>
    public long RejectedByApi => Interlocked.Read(ref RejectedCount);
    /// <summary>Events whose batch failed after retries (pending for the next run).</summary>
    public long FailedPending => Interlocked.Read(ref FailedCount);
    /// <summary>Requests repeated after a transient failure or 429.</summary>
    public long Retries => Interlocked.Read(ref RetryCount);
    /// <summary>429 answers.</summary>
    public long Throttled => Interlocked.Read(ref ThrottledCount);
    /// <summary>HTTP requests made (retries included).</summary>
    public long Requests => Interlocked.Read(ref RequestCount);

    internal void AddLatency(double ms)
    {
        lock (_gate) _latencyMs.Add(ms);
    }

    /// <summary>The <paramref name="p"/>-quantile (0..1) of request latency in ms; 0 without requests.</summary>
    public double LatencyPercentile(double p)
    {
        lock (_gate)
        {
            if (_latencyMs.Count == 0) return 0;
            var sorted = _latencyMs.ToArray();
            Array.Sort(sorted);
            return sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(p * sorted.Length))];
        }
    }

    /// <summary>The delivery keys of the run report (issue #5), in the order written.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Counts() =>
    [
        new("sent", Sent), new("acknowledged", Acknowledged), new("skipped_already_acknowledged", SkippedAlreadyAcknowledged),
        new("rejected_by_api", RejectedByApi), new("failed_pending", FailedPending), new("retries", Retries),
        new("throttled", Throttled), new("requests", Requests),
    ];

    /// <summary>Writes the delivery keys of the run report (issue #5).</summary>
    public void WriteTo(RunReport report)
    {
        foreach (var (key, value) in Counts()) report.Extra[key] = value;
    }
}
