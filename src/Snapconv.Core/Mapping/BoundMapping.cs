using Snapconv.Core.Formats;

namespace Snapconv.Core.Mapping;

/// <summary>A source column bound to the field it fills.</summary>
public sealed record ColumnBinding(int Ordinal, string Header, TargetField Field, bool AlreadyHashed, bool PreserveCase, string? Format);

/// <summary>
/// A <see cref="MappingSpec"/> resolved against one file's headers: explicit rules first (exact header,
/// then case/punctuation-insensitive), then auto-detection of the remaining headers.
/// </summary>
public sealed class BoundMapping
{
    public IReadOnlyList<ColumnBinding> Bindings { get; }
    public IReadOnlyDictionary<TargetField, string> Constants { get; }
    /// <summary>Headers that fill nothing (shown in the report so a user can spot a missed column).</summary>
    public IReadOnlyList<string> Unmapped { get; }

    private BoundMapping(List<ColumnBinding> bindings, IReadOnlyDictionary<TargetField, string> constants, List<string> unmapped)
    {
        Bindings = bindings;
        Constants = constants;
        Unmapped = unmapped;
    }

    public bool Fills(TargetField f) => Constants.ContainsKey(f) || Bindings.Any(b => b.Field == f);

    /// <exception cref="InputException">A rule names a column the file does not have.</exception>
    public static BoundMapping Bind(MappingSpec spec, IReadOnlyList<string> headers, string sourceName)
    {
        var bindings = new List<ColumnBinding>();
        var used = new bool[headers.Count];
        foreach (var rule in spec.Columns)
        {
            var ordinal = Find(headers, rule.Column);
            if (ordinal < 0)
                throw new InputException(sourceName, $"the mapping names column '{rule.Column}', which the file does not have; its columns are: {string.Join(", ", headers)}");
            used[ordinal] = true;
            if (rule.Field != TargetField.Ignore)
                bindings.Add(new ColumnBinding(ordinal, headers[ordinal], rule.Field, rule.AlreadyHashed, rule.PreserveCase, rule.Format));
        }
        var unmapped = new List<string>();
        for (var i = 0; i < headers.Count; i++)
        {
            if (used[i]) continue;
            if (spec.AutoDetect && HeaderAutoDetect.TryDetect(headers[i], out var field, out var hashed)
                && !(IsSingle(field) && bindings.Any(b => b.Field == field)))
                bindings.Add(new ColumnBinding(i, headers[i], field, hashed, false, null));
            else
                unmapped.Add(headers[i]);
        }
        return new BoundMapping(bindings, spec.Constants, unmapped);
    }

    // Fields that take one value: a second auto-detected column would only compete with the first.
    private static bool IsSingle(TargetField f) => f is TargetField.EventName or TargetField.EventTime
        or TargetField.ActionSource or TargetField.EventId or TargetField.ClientDedupId or TargetField.Value
        or TargetField.Currency or TargetField.OrderId or TargetField.Db or TargetField.ExternalId
        or TargetField.Madid or TargetField.Country;

    private static int Find(IReadOnlyList<string> headers, string column)
    {
        for (var i = 0; i < headers.Count; i++)
            if (string.Equals(headers[i], column, StringComparison.Ordinal)) return i;
        var key = HeaderAutoDetect.Key(column);
        for (var i = 0; i < headers.Count; i++)
            if (HeaderAutoDetect.Key(headers[i]) == key) return i;
        return -1;
    }
}
