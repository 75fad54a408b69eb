namespace Snapconv.Core.Pipeline;

/// <summary>How rows flow from the reader to the workers.</summary>
public sealed record PipelineOptions
{
    /// <summary>
    /// Small blocks let a row's objects die young: with 2,048-row blocks most of them lived through a gen0
    /// collection and were promoted, which cost half the throughput (bench: pipeline --block).
    /// </summary>
    public const int DefaultBlockSize = 64;

    /// <summary>Rows handed to a worker at once. Default 64.</summary>
    public int BlockSize { get; init; } = DefaultBlockSize;
    /// <summary>Blocks read ahead of the consumer: bounds memory. Default 4 per core.</summary>
    public int MaxBlocksInFlight { get; init; } = Environment.ProcessorCount * 4;
    /// <summary>How many dedup keys stay in memory before they spill to a temporary file. Null: the default.</summary>
    public Dedup.SpillingKeySetOptions? Dedup { get; init; }
}
