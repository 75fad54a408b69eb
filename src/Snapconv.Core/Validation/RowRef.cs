namespace Snapconv.Core.Validation;

/// <summary>Where an event came from: the input file as named and its 1-based data row.</summary>
public readonly record struct RowRef(string File, long Row);
