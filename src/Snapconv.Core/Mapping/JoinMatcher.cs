namespace Snapconv.Core.Mapping;

/// <summary>
/// The map stage's joins: for a row, the rows of each join's file (<see cref="JoinSet"/>) that its key matches — by a
/// column of the row or by a column of an earlier join's matched rows. What the matched rows add to the event is the
/// user-data stage's. Thread-safe: one instance serves every worker of a file; the matches are per thread.
/// </summary>
internal sealed class JoinMatcher
{
    private readonly Join[] _joins;

    /// <summary>A bound join with its table (null: no file given).</summary>
    internal sealed record Join(BoundJoin Bound, JoinTable? Table)
    {
        /// <summary>The join's keys as an array: read per row, where a foreach over the list allocated an enumerator.</summary>
        public BoundJoinKey[] Keys { get; } = [.. Bound.Keys];
        /// <summary>The key columns named when the join matched nothing (computed once, not once a row).</summary>
        public string KeyHeaders { get; } = Bound.KeyHeaders;
    }

    public JoinMatcher(BoundMapping mapping, JoinSet? data) =>
        _joins = mapping.Joins.Select(j => new Join(j, data?[j.JoinIndex])).ToArray();

    /// <summary>The mapping's joins in order.</summary>
    public IReadOnlyList<Join> Joins => _joins;

    /// <summary>How many joins the mapping has.</summary>
    public int Count => _joins.Length;

    /// <summary>Per thread: the rows each join matched for the row being built (reused; the matcher serves several workers).</summary>
    [ThreadStatic] private static List<int>[]? t_matched;

    /// <summary>
    /// The rows each join matched for the row <paramref name="fields"/>, by join (valid until this thread's next call), and
    /// in <paramref name="unmatched"/> the key columns of the first join that matched nothing (null when every join did).
    /// </summary>
    public List<int>[] Match(ReadOnlySpan<string?> fields, out string? unmatched)
    {
        var matched = t_matched is { } m && m.Length >= _joins.Length ? m : t_matched = new List<int>[_joins.Length];
        unmatched = null;
        for (var j = 0; j < _joins.Length; j++)
        {
            var join = _joins[j];
            var rows = matched[j] ??= [];
            rows.Clear();
            if (join.Table is null) { unmatched ??= join.KeyHeaders; continue; }
            foreach (var key in join.Keys)
            {
                if (key.Ordinal >= 0)
                {
                    if (RowFields.Cell(fields, key.Ordinal) is { } cell) join.Table.LookupAll(cell, rows);
                }
                else if (_joins[key.FromJoin].Table is { } earlierTable)
                {
                    foreach (var earlier in matched[key.FromJoin])
                        join.Table.Lookup(earlierTable.Cell(earlier, key.Column), rows);
                }
            }
            if (rows.Count == 0) unmatched ??= join.KeyHeaders;
        }
        return matched;
    }

    /// <summary>
    /// Hints the CPU to fetch what matching the row <paramref name="fields"/> will look up in the join indexes: stage 1 the
    /// key slots, stage 2 (<paramref name="rows"/>, a row later) the contacts' rows (see <see cref="JoinTable.Prefetch"/>).
    /// Keys read from an earlier join's rows are not hinted. Changes nothing; thread-safe.
    /// </summary>
    public void Prefetch(ReadOnlySpan<string?> fields, bool rows)
    {
        foreach (var join in _joins)
        {
            if (join.Table is null) continue;
            foreach (var key in join.Keys)
            {
                if (key.Ordinal < 0 || RowFields.Cell(fields, key.Ordinal) is not { } cell) continue;
                join.Table.Prefetch(cell, rows);
            }
        }
    }
}
