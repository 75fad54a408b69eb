using Snapconv.Core.Capi;
using Snapconv.Core.Dedup;
using Snapconv.Core.Identifiers;
using Snapconv.Core.Mapping;
using Snapconv.Core.Normalization;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Pipeline;

/// <summary>
/// Turns one row into a CAPI event, or a rejection with Snap's reason: the composition of the row's stages — map
/// (<see cref="RowFields"/>: the filter, fields; <see cref="JoinMatcher"/>: joins; <see cref="GroupFolder"/>:
/// <c>group_by</c>), user data (<see cref="UserDataBuilder"/>: clean, normalize, hash), event rules
/// (<see cref="EventRules"/>: Snap's checks and warnings) and the in-run dedup keys (<see cref="InRunDeduper"/>).
/// Checks run in the spec's order (event_name, event_time, action_source, user_data, currency, value); the first failure
/// is the row's reason. Identifier problems are warnings while another em/ph/madid remains. Thread-safe: one instance
/// serves every worker of a file.
/// </summary>
public sealed class EventBuilder
{
    /// <summary>The warning of a <c>num_items</c> that is no whole number (the field is left out).</summary>
    public static readonly Reason InvalidNumItems = EventRules.InvalidNumItems;

    /// <summary>The filter rule name of a row whose value is nothing once the refunded amount (<c>less</c>) is taken off.</summary>
    public const string RefundedInFull = RowFields.RefundedInFull;

    private readonly string _source;
    private readonly EventTimeRules _timeRules;
    private readonly RowFields _fields;
    private readonly JoinMatcher _joins;
    private readonly UserDataBuilder _userData;
    private readonly EventRules _rules;
    private readonly GroupFolder? _groups;   // group_by: a group's rows folded into its first row's event
    private readonly bool _filters;           // the mapping can leave rows out (most cannot: not asked once a row)

    /// <exception cref="Formats.InputException">The mapping's time zone is no IANA time zone.</exception>
    /// <exception cref="InvalidOperationException">A join index was normalized with other settings than this run's.</exception>
    public EventBuilder(BoundMapping mapping, ConversionOptions options, string sourceName, TimeProvider clock)
    {
        _source = sourceName;
        _timeRules = new EventTimeRules(clock);
        _fields = new RowFields(mapping, options.Mapping, sourceName);
        _rules = new EventRules(_fields, options, sourceName);
        _joins = new JoinMatcher(mapping, options.Mapping.JoinData);
        _userData = new UserDataBuilder(mapping, options, _joins, clock);
        if (mapping.GroupByOrdinal >= 0) _groups = new GroupFolder(mapping.GroupByOrdinal, mapping.Bindings);
        _filters = _fields.Filters;
    }

    /// <summary>Builds the event for one row. <paramref name="fields"/> is the row by ordinal.</summary>
    public BuiltRow Build(string?[] fields, long row) => Build(fields, row, _userData.WorkerCaches, _timeRules.NowSeconds());

    /// <summary>
    /// Builds a block of rows on one thread: the worker's memo is looked up and the clock read once, not once a row
    /// (a block takes well under a millisecond, and the clock's second is all the event-time rules use).
    /// </summary>
    internal BuiltRow[] BuildBlock(BlockCells cells, long[] rows)
    {
        var caches = _userData.WorkerCaches;
        var now = _timeRules.NowSeconds();
        var built = new BuiltRow[cells.Count];
        if (_groups is not null) return BuildGroups(cells, rows, built, caches, now);
        if (_joins.Count == 0)
        {
            for (var i = 0; i < built.Length; i++) built[i] = Build(cells.Row(i), rows[i], caches, now);
            return built;
        }
        // A join's lookups miss the cache twice (key slot, contact row): their memory is asked for two rows and one row
        // ahead, while the rows before are built (see JoinTable.Prefetch).
        if (built.Length > 0) _joins.Prefetch(cells.Row(0), rows: false);
        if (built.Length > 1) _joins.Prefetch(cells.Row(1), rows: false);
        for (var i = 0; i < built.Length; i++)
        {
            if (i + 2 < built.Length) _joins.Prefetch(cells.Row(i + 2), rows: false);
            if (i + 1 < built.Length) _joins.Prefetch(cells.Row(i + 1), rows: true);
            built[i] = Build(cells.Row(i), rows[i], caches, now);
        }
        return built;
    }

    /// <summary>A block of whole groups (the reader does not split them): each group's first row built, the others folded into it.</summary>
    private BuiltRow[] BuildGroups(BlockCells cells, long[] rows, BuiltRow[] built, RepeatedValueCache?[] caches, long now)
    {
        var head = 0;
        for (var i = 0; i < built.Length; i++)
        {
            if (i > 0 && _groups!.Continues(cells.Row(i), cells.Row(i - 1)))
            {
                var first = built[head];
                if (first.Event is { } e && !_groups.Fold(e.CustomData, cells.Row(i))) first.Warn(_groups.NumItemsHeader!, InvalidNumItems);
                built[i] = new BuiltRow(new RowRef(_source, rows[i])).Fold();
                continue;
            }
            head = i;
            built[i] = Build(cells.Row(i), rows[i], caches, now);
        }
        return built;
    }

    private BuiltRow Build(ReadOnlySpan<string?> fields, long row, RepeatedValueCache?[] caches, long now)
    {
        var result = new BuiltRow(new RowRef(_source, row));
        // map: rows that are not conversions (deals not won, other event types) are counted, not rejected
        if (_filters && _fields.FilteredBy(fields, row) is { } rule) return result.Filter(rule);
        var e = new CapiEvent();
        // event rules: event_name, event_time, action_source
        if (!_rules.CheckNameTimeSource(fields, row, now, e, result, out var seconds, out var timeField)) return result;
        // user data: the row's identifiers and its joined contacts'
        var unmatchedKey = _userData.Add(fields, e, result, caches);
        if (!e.UserData.HasMatchKey) return result.Reject(_userData.MissingUserDataField(unmatchedKey), Reason.MissingUserData);
        // event rules: currency, value, the rest of custom_data, the ids and the time's warnings
        if (!_rules.CheckCustomData(fields, row, e, result)) return result;
        _rules.Complete(fields, e, seconds, timeField, now, result);
        result.Event = e;
        // dedup: the in-run keys, computed on the worker
        result.DedupKeys = InRunDeduper.KeysOf(e);
        result.SetCoverage();
        return result;
    }
}
