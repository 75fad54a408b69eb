using System.ComponentModel.DataAnnotations;

namespace Snapconv.Core.Pipeline;

/// <summary>How rows flow from the reader to the workers.</summary>
public sealed record PipelineOptions
{
    public const int DefaultBlockSize = 2_048;

    /// <summary>Rows handed to a worker at once. Default 2,048.</summary>
    [Range(1, 1_000_000)] public int BlockSize { get; init; } = DefaultBlockSize;
    /// <summary>Blocks normalized at the same time. Default: the machine's cores.</summary>
    [Range(1, 256)] public int Workers { get; init; } = Environment.ProcessorCount;
    /// <summary>Blocks read ahead of the consumer: bounds memory. Default 2 per worker.</summary>
    public int MaxBlocksInFlight => Workers * 2;
}
