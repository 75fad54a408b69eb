using Snapconv.Core.Formats;
using Snapconv.Core.Normalization;

namespace Snapconv.Core.Mapping;

/// <summary>A source column bound to the field it fills.</summary>
public sealed record ColumnBinding(int Ordinal, string Header, TargetField Field, bool AlreadyHashed, bool PreserveCase, string? Format)
{
    /// <summary>Split the cell into several values (see <see cref="ColumnRule.Split"/>).</summary>
    public bool Split { get; init; }
    public ExtractKind Extract { get; init; }
    /// <summary>The column read when this one's cell is blank (<see cref="ColumnRule.Fallback"/>); -1: none.</summary>
    public int FallbackOrdinal { get; init; } = -1;
    public string? FallbackHeader { get; init; }
    /// <summary>value: read as a till writes amounts (<see cref="ColumnRule.Money"/>).</summary>
    public bool Money { get; init; }
    /// <summary>value: the column subtracted (<see cref="ColumnRule.Less"/>); -1: none.</summary>
    public int LessOrdinal { get; init; } = -1;
    public string? LessHeader { get; init; }
    /// <summary>event_time: the time-of-day column (<see cref="ColumnRule.TimeColumn"/>); -1: none.</summary>
    public int TimeOrdinal { get; init; } = -1;
    /// <summary>event_time: the zone-name column (<see cref="ColumnRule.ZoneColumn"/>); -1: none.</summary>
    public int ZoneOrdinal { get; init; } = -1;
    /// <summary>Bound by its header's common name (<see cref="HeaderAutoDetect"/>), not by a mapping rule.</summary>
    public bool AutoDetected { get; init; }
}

/// <summary>A filter condition bound to a column ordinal.</summary>
public sealed record BoundCondition(int Ordinal, string Header, FrozenSetOfValues Values, bool Negate);

/// <summary>A filter rule bound to a file: holds when any bound condition holds.</summary>
public sealed record BoundFilterRule(string Name, IReadOnlyList<BoundCondition> Any);

/// <summary>A join bound to the main file: where its keys come from (main-file ordinals or earlier joins' columns).</summary>
public sealed record BoundJoin(JoinSpec Spec, int JoinIndex, IReadOnlyList<BoundJoinKey> Keys)
{
    /// <summary>The main-file header(s) the keys come from, named in rejections when nothing matched.</summary>
    public string KeyHeaders => string.Join(", ", Keys.Select(k => k.Label));
}

/// <summary>A join key: a main-file column (<see cref="Ordinal"/> ≥ 0) or column <see cref="Column"/> of the rows join <see cref="FromJoin"/> matched.</summary>
public sealed record BoundJoinKey(string Label, int Ordinal, int FromJoin, int Column);

/// <summary>
/// A case-insensitive set of trimmed filter values; <c>""</c> in the set matches a blank or missing cell. A cell is read
/// as every other: trimmed, without a spreadsheet's leading text marker (<c>'Paid</c>, #15).
/// </summary>
public sealed class FrozenSetOfValues(IEnumerable<string> values)
{
    private readonly HashSet<string> _set = new(values.Select(v => v.Trim()), StringComparer.OrdinalIgnoreCase);
    public bool Contains(string? value) => _set.Contains(TextCleaner.WithoutTextMarker(value?.Trim() ?? ""));
}

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
    /// <summary>The row filter's rules, in order (empty: every row is a conversion).</summary>
    public IReadOnlyList<BoundFilterRule> Filter { get; private init; } = [];
    /// <summary>The joins, in order (empty: none).</summary>
    public IReadOnlyList<BoundJoin> Joins { get; private init; } = [];
    /// <summary>The preset the mapping came from, if any.</summary>
    public string? PresetName { get; private init; }
    /// <summary>The <c>group_by</c> column's ordinal (see <see cref="MappingSpec.GroupBy"/>); -1: every row is an event.</summary>
    public int GroupByOrdinal { get; private init; } = -1;

    private BoundMapping(List<ColumnBinding> bindings, IReadOnlyDictionary<TargetField, string> constants, List<string> unmapped)
    {
        Bindings = bindings;
        Constants = constants;
        Unmapped = unmapped;
    }

    /// <summary>Exports' own bookkeeping columns (Dynamics 365's <c>(Do Not Modify) …</c>): never auto-detected nor listed as unmapped.</summary>
    internal static bool IsSystemColumn(string header) => header.StartsWith("(Do Not Modify)", StringComparison.OrdinalIgnoreCase);

    public bool Fills(TargetField f) => Constants.ContainsKey(f) || Bindings.Any(b => b.Field == f);

    /// <exception cref="InputException">A rule names a column the file does not have.</exception>
    public static BoundMapping Bind(MappingSpec spec, IReadOnlyList<string> headers, string sourceName)
    {
        var bindings = new List<ColumnBinding>();
        var used = new bool[headers.Count];
        foreach (var rule in spec.Columns)
        {
            var ordinal = Find(headers, rule.Column);
            var fallback = rule.Fallback is { } fb ? Find(headers, fb) : -1;
            if (ordinal < 0 && fallback >= 0)
            {
                // The file lacks the column but has its fallback (an older export): the fallback is the column.
                ordinal = fallback;
                fallback = -1;
            }
            if (ordinal < 0)
            {
                if (rule.Optional) continue;
                throw new InputException(sourceName, $"the mapping names column '{rule.Column}', which the file does not have; its columns are: {string.Join(", ", headers)}");
            }
            used[ordinal] = true;
            if (fallback >= 0) used[fallback] = true;
            var less = Other(rule.Less, "less");
            var time = Other(rule.TimeColumn, "time_column");
            var zone = Other(rule.ZoneColumn, "zone_column");
            if (rule.Field != TargetField.Ignore)
                bindings.Add(new ColumnBinding(ordinal, headers[ordinal], rule.Field, rule.AlreadyHashed, rule.PreserveCase, rule.Format)
                {
                    Split = rule.Split, Extract = rule.Extract, FallbackOrdinal = fallback, FallbackHeader = fallback >= 0 ? headers[fallback] : null,
                    Money = rule.Money, LessOrdinal = less, LessHeader = less >= 0 ? headers[less] : null, TimeOrdinal = time, ZoneOrdinal = zone,
                });

            int Other(string? column, string key)
            {
                if (column is null) return -1;
                var at = Find(headers, column);
                if (at < 0) throw new InputException(sourceName, $"the mapping's {key} of column '{rule.Column}' names column '{column}', which the file does not have; its columns are: {string.Join(", ", headers)}");
                used[at] = true;
                return at;
            }
        }
        var groupBy = -1;
        if (spec.GroupBy is { } groupColumn && (groupBy = Find(headers, groupColumn)) < 0)
            throw new InputException(sourceName, $"the mapping's group_by names column '{groupColumn}', which the file does not have; its columns are: {string.Join(", ", headers)}");
        var filter = BindFilter(spec, headers, sourceName, used);
        var joins = BindJoins(spec, headers, sourceName, used);
        var unmapped = new List<string>();
        AutoDetect(spec, headers, used, bindings, unmapped);
        return new BoundMapping(bindings, spec.Constants, unmapped) { Filter = filter, Joins = joins, PresetName = spec.PresetName, GroupByOrdinal = groupBy };
    }

    /// <summary>
    /// Binds the columns no rule named by their common names, in two passes over the headers (linear: a file may have
    /// 16,384 columns). Of several columns for one single-valued field, or for one name or address field, the best-ranked
    /// wins (billing before shipping; ties: the first); e-mail and phone take every column, as Snap takes several values.
    /// A field a rule fills already is not filled again by a single-valued column.
    /// </summary>
    private static void AutoDetect(MappingSpec spec, IReadOnlyList<string> headers, bool[] used, List<ColumnBinding> bindings, List<string> unmapped)
    {
        var fieldCount = Enum.GetValues<TargetField>().Length;
        var explicitField = new bool[fieldCount];
        foreach (var b in bindings) explicitField[(int)b.Field] = true;
        var detected = new (TargetField Field, bool Hashed, int Rank)?[headers.Count];
        var best = new int[fieldCount];
        Array.Fill(best, int.MaxValue);
        if (spec.AutoDetect)
        {
            for (var i = 0; i < headers.Count; i++)
            {
                if (used[i] || IsSystemColumn(headers[i]) || !HeaderAutoDetect.TryDetect(headers[i], out var field, out var hashed, out var rank)) continue;
                if (IsSingle(field) && explicitField[(int)field]) continue;
                detected[i] = (field, hashed, rank);
                best[(int)field] = Math.Min(best[(int)field], rank);
            }
        }
        var taken = new bool[fieldCount];
        for (var i = 0; i < headers.Count; i++)
        {
            if (used[i] || IsSystemColumn(headers[i])) continue;
            if (detected[i] is { } d && Wins(d.Field, d.Rank, best, taken))
            {
                bindings.Add(new ColumnBinding(i, headers[i], d.Field, d.Hashed, false, null) { AutoDetected = true });
                taken[(int)d.Field] = true;
            }
            else unmapped.Add(headers[i]);
        }
    }

    private static bool Wins(TargetField field, int rank, int[] best, bool[] taken)
    {
        if (field is TargetField.Em or TargetField.Ph) return true;
        if (rank != best[(int)field]) return false;
        return !IsSingle(field) || !taken[(int)field];
    }

    private static List<BoundFilterRule> BindFilter(MappingSpec spec, IReadOnlyList<string> headers, string sourceName, bool[] used)
    {
        var rules = new List<BoundFilterRule>();
        foreach (var rule in spec.Filter)
        {
            // A rule a switch turns off (include_online=true drops "online order") is not bound at all.
            if (rule.Unless is { } unless && spec.Option(unless)) continue;
            if (rule.When is { } when && !spec.Option(when)) continue;
            var conditions = new List<BoundCondition>();
            foreach (var c in rule.Any)
            {
                var ordinal = Find(headers, c.Column);
                if (ordinal < 0) continue;
                used[ordinal] = true;
                conditions.Add(new BoundCondition(ordinal, headers[ordinal], new FrozenSetOfValues(c.Values), c.Negate));
            }
            if (conditions.Count > 0) rules.Add(new BoundFilterRule(rule.Name, conditions));
            else if (!rule.Optional)
                throw new InputException(sourceName, $"the filter '{rule.Name}' reads column(s) {string.Join(", ", rule.Any.Select(c => "'" + c.Column + "'"))}, which the file does not have; its columns are: {string.Join(", ", headers)}");
        }
        return rules;
    }

    private static List<BoundJoin> BindJoins(MappingSpec spec, IReadOnlyList<string> headers, string sourceName, bool[] used)
    {
        var joins = new List<BoundJoin>();
        for (var j = 0; j < spec.Joins.Count; j++)
        {
            var join = spec.Joins[j];
            var keys = new List<BoundJoinKey>();
            foreach (var key in join.Keys)
            {
                var dot = key.IndexOf('.');
                var from = dot > 0 ? spec.Joins.ToList().FindIndex(o => o.Name == key[..dot]) : -1;
                if (from >= 0 && from < j)
                {
                    var col = key[(dot + 1)..];
                    var colIndex = spec.Joins[from].Columns.ToList().FindIndex(c => HeaderAutoDetect.Key(c.Column) == HeaderAutoDetect.Key(col));
                    if (colIndex < 0) throw new InputException(sourceName, $"join '{join.Name}' reads '{key}', but join '{spec.Joins[from].Name}' has no column '{col}'");
                    keys.Add(new BoundJoinKey(key, -1, from, colIndex));
                    continue;
                }
                var ordinal = Find(headers, key);
                if (ordinal < 0) continue;
                used[ordinal] = true;
                keys.Add(new BoundJoinKey(headers[ordinal], ordinal, -1, -1));
            }
            // A preset's join whose key the file lacks (an export without the related column) is left out when no file
            // was given for it; with a file given, the key is needed.
            if (keys.Count == 0 && spec.JoinData?[j] is null) continue;
            if (keys.Count == 0)
                throw new InputException(sourceName, $"join '{join.Name}' needs key column {string.Join(" or ", join.Keys.Select(k => "'" + k + "'"))}, which the file does not have; its columns are: {string.Join(", ", headers)}");
            joins.Add(new BoundJoin(join, j, keys));
        }
        return joins;
    }

    /// <summary>The ordinal of <paramref name="column"/> (exact, then case/punctuation-insensitive), or -1.</summary>
    internal static int FindColumn(IReadOnlyList<string> headers, string column) => Find(headers, column);

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
