using System.Globalization;
using Snapconv.Core.Capi;

namespace Snapconv.Core.Mapping;

/// <summary>
/// <c>group_by</c> (<see cref="MappingSpec.GroupBy"/>): consecutive rows with the same non-blank key are one event, built
/// from the group's first row; each following row adds its <c>content_ids</c> and its <c>num_items</c> to that event and
/// is counted as folded. The reader never splits a group between blocks (<see cref="GroupStart"/>), so a worker sees
/// whole groups and folds them before the event leaves it. Thread-safe (no state).
/// </summary>
internal sealed class GroupFolder
{
    /// <summary>The most rows one group may have: a key that never changes (a wrong column) must not hold the file in memory.</summary>
    public const int MaxGroupRows = 10_000;

    private readonly int _key;
    private readonly ColumnBinding[] _contentIds;
    private readonly ColumnBinding? _numItems;

    public GroupFolder(int keyOrdinal, IEnumerable<ColumnBinding> bindings)
    {
        _key = keyOrdinal;
        _contentIds = bindings.Where(b => b.Field == TargetField.ContentIds).ToArray();
        _numItems = bindings.FirstOrDefault(b => b.Field == TargetField.NumItems);
    }

    /// <summary>True when <paramref name="row"/> continues the group of <paramref name="above"/> (same non-blank key).</summary>
    public static bool Continues(int key, ReadOnlySpan<string?> row, ReadOnlySpan<string?> above)
    {
        if ((uint)key >= (uint)row.Length) return false;
        var k = row[key];
        return !string.IsNullOrWhiteSpace(k) && string.Equals(k.Trim(), above[key]?.Trim(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The index of the first row of the last group among the first <paramref name="count"/> rows of a flat cell array:
    /// the rows from there on may continue in rows not read yet, so the reader carries them over to the next block.
    /// </summary>
    public static int GroupStart(int key, string?[] cells, int width, int count)
    {
        var i = count - 1;
        while (i > 0 && Continues(key, cells.AsSpan(i * width, width), cells.AsSpan((i - 1) * width, width))) i--;
        return Math.Max(i, 0);
    }

    public bool Continues(ReadOnlySpan<string?> row, ReadOnlySpan<string?> above) => Continues(_key, row, above);

    /// <summary>The header of the <c>num_items</c> column, named when a folded row's quantity is no whole number.</summary>
    public string? NumItemsHeader => _numItems?.Header;

    /// <summary>
    /// Folds <paramref name="row"/> into <paramref name="data"/>, the custom data of its group's first row: its content ids
    /// and its quantity added. False when the row's <c>num_items</c> is no whole number (left out: the caller warns).
    /// </summary>
    public bool Fold(CustomData data, ReadOnlySpan<string?> row)
    {
        foreach (var b in _contentIds)
            if (Cell(row, b.Ordinal) is { } ids) RowFields.AddContentIds(data, ids);
        if (_numItems is null || Cell(row, _numItems.Ordinal) is not { } raw) return true;
        if (!TryQuantity(raw, out var n)) return false;
        data.NumItems = (int)Math.Min((long)(data.NumItems ?? 0) + n, int.MaxValue);
        return true;
    }

    /// <summary>A quantity: a whole number, also written <c>1.0</c> (Square).</summary>
    private static bool TryQuantity(string raw, out int n)
    {
        n = 0;
        if (int.TryParse(raw.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n)) return n >= 0;
        if (decimal.TryParse(raw.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) && d == decimal.Truncate(d) && d <= int.MaxValue)
        {
            n = (int)d;
            return true;
        }
        return false;
    }

    private static string? Cell(ReadOnlySpan<string?> fields, int ordinal) =>
        (uint)ordinal < (uint)fields.Length && !string.IsNullOrWhiteSpace(fields[ordinal]) ? fields[ordinal] : null;
}
