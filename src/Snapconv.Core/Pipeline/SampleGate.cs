namespace Snapconv.Core.Pipeline;

/// <summary>
/// The first-sample gate of <c>upload</c> (as Meta's offline uploader does): when more than
/// <see cref="MaxRejectedShare"/> of the first <see cref="SampleRows"/> rows are rejected, nothing is
/// sent — a wrong mapping or timezone must not reach Snap as thousands of bad events.
/// </summary>
public sealed record SampleGate
{
    public const int DefaultSampleRows = 1_000;
    public const double DefaultMaxRejectedShare = 0.10;

    public int SampleRows { get; init; } = DefaultSampleRows;
    public double MaxRejectedShare { get; init; } = DefaultMaxRejectedShare;

    /// <summary>True when the sample has too many rejected rows to send anything.</summary>
    /// <param name="rowsInSample">Rows read, at most <see cref="SampleRows"/>.</param>
    /// <param name="rejectedInSample">Rows of the sample that were rejected.</param>
    public bool Trips(long rowsInSample, long rejectedInSample) =>
        rowsInSample > 0 && (double)rejectedInSample / rowsInSample > MaxRejectedShare;
}
