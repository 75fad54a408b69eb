using Snapconv.Core.Formats;
using Snapconv.Core.Mapping;

namespace Snapconv.Core.Pipeline;

/// <summary>One input file as the pipeline saw it: its columns and how they were bound.</summary>
public sealed record InputFile(string Name, IReadOnlyList<string> Headers, BoundMapping Mapping)
{
    /// <summary>The encoding its text was decoded with; null for formats not decoded as text (JSON, Parquet, workbooks).</summary>
    public TextEncoding? Encoding { get; init; }
}
