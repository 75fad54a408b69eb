namespace Snapconv.Core.Formats;

/// <summary>
/// A <see cref="IRecordReader"/> whose source keeps typed values (Parquet), so callers can read, for example,
/// a timestamp as a <see cref="DateTime"/> and apply a time zone instead of re-parsing its text.
/// </summary>
public interface ITypedRecordReader : IRecordReader
{
    /// <summary>
    /// The typed value of the field at <paramref name="ordinal"/> in the current row, or null when absent.
    /// Values are CLR primitives, <see cref="string"/>, <see cref="decimal"/>, <see cref="DateTime"/>
    /// (<see cref="DateTimeKind.Utc"/> when the column is marked adjusted to UTC, otherwise
    /// <see cref="DateTimeKind.Unspecified"/>), <see cref="DateOnly"/>, <see cref="TimeSpan"/>, <see cref="Guid"/>
    /// or <see cref="byte"/>[]; repeated columns give their values joined with <c>;</c> as a string.
    /// </summary>
    object? GetValue(int ordinal);
}
