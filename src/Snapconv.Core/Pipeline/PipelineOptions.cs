namespace Snapconv.Core.Pipeline;

/// <summary>How rows flow from the reader to the workers.</summary>
public sealed record PipelineOptions
{
    /// <summary>
    /// Cells a block holds when <see cref="BlockSize"/> is not given: 256 rows of a lean 7-column export, 146 of a
    /// 14-column one, 64 (the least) of anything wider. Fewer, larger blocks cost less a row (per-block work, and less
    /// of it compiled twice by tiered JIT: a lean 1M-row validate 0.94–0.97× the CPU of 64-row blocks), but a block's
    /// objects must still die young: with 256 rows of the 14-column export more of them lived through a gen0 collection
    /// (+7 % CPU), and with 2,048-row blocks most did, which cost half the throughput (bench: pipeline --block).
    /// </summary>
    public const int CellsPerBlock = 2048;

    /// <summary>The least and most rows of a block sized by its file's width.</summary>
    public const int MinBlockRows = 64, MaxBlockRows = 256;

    /// <summary>The rows of a block of a file of <paramref name="width"/> columns when <see cref="BlockSize"/> is not given.</summary>
    public static int BlockRowsFor(int width) => Math.Clamp(CellsPerBlock / Math.Max(width, 1), MinBlockRows, MaxBlockRows);

    /// <summary>Rows handed to a worker at once. Null (default): by the file's width (<see cref="BlockRowsFor"/>).</summary>
    public int? BlockSize { get; init; }
    /// <summary>Blocks read ahead of the consumer: bounds memory. Default 4 per core.</summary>
    public int MaxBlocksInFlight { get; init; } = Environment.ProcessorCount * 4;
    /// <summary>How many dedup keys stay in memory before they spill to a temporary file. Null: the default.</summary>
    public Dedup.SpillingKeySetOptions? Dedup { get; init; }
}
