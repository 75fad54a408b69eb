namespace Snapconv.Core.Pipeline;

/// <summary>What became of a row in this run.</summary>
public enum RowDisposition { Accepted, Rejected, Duplicate, Filtered, Folded }
