using Snapconv.Core.Validation;

namespace Snapconv.Core.Pipeline;

/// <summary>A run of consecutive rows of one file, normalized and validated, in file order.</summary>
public sealed class ProcessedBlock(InputFile file, BuiltRow[] rows, string?[][] fields, bool isLastOfFile)
{
    public InputFile File { get; } = file;
    public BuiltRow[] Rows { get; } = rows;
    /// <summary>The raw fields of each row (for the rejects file); index-aligned with <see cref="Rows"/>.</summary>
    public string?[][] Fields { get; } = fields;
    /// <summary>True on the last block of a file (also for an empty file, whose block has no rows).</summary>
    public bool IsLastOfFile { get; } = isLastOfFile;
}
