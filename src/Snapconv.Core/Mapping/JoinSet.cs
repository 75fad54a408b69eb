using Snapconv.Core.Formats;

namespace Snapconv.Core.Mapping;

/// <summary>
/// The extra files of a mapping's joins (contacts, contact roles), each loaded once into a key index. Memory is the
/// index: per extra row, its key and the cells of the join's columns (nothing else of the file is kept).
/// </summary>
public sealed class JoinSet
{
    private readonly JoinTable?[] _tables;

    private JoinSet(JoinTable?[] tables) => _tables = tables;

    /// <summary>The table of join <paramref name="index"/> (in <see cref="MappingSpec.Joins"/> order); null when no file was given for it.</summary>
    public JoinTable? this[int index] => (uint)index < (uint)_tables.Length ? _tables[index] : null;

    /// <summary>Which join each file was recognised as: (file, join name).</summary>
    public IReadOnlyList<(string File, string Join)> Files { get; private init; } = [];

    /// <summary>
    /// Reads <paramref name="files"/>, recognising each by its headers as the file of one of <paramref name="spec"/>'s joins
    /// (every header of <see cref="JoinSpec.RequiredHeaders"/>). Several files of one join are indexed together.
    /// </summary>
    /// <exception cref="InputException">A file matches no join, or more than one, or cannot be read.</exception>
    public static JoinSet Load(MappingSpec spec, IReadOnlyList<string> files, RecordReaderOptions? readerOptions = null)
    {
        var tables = new JoinTable?[spec.Joins.Count];
        var seen = new List<(string, string)>();
        foreach (var file in files)
        {
            using var reader = RecordReaders.Open(file, readerOptions);
            var matches = new List<int>();
            for (var j = 0; j < spec.Joins.Count; j++)
                if (spec.Joins[j].RequiredHeaders.All(h => BoundMapping.FindColumn(reader.Headers, h) >= 0)) matches.Add(j);
            if (matches.Count == 0)
            {
                var expected = spec.Joins.Count == 0 ? "this mapping joins no file"
                    : "expected the headers of " + string.Join("; or ", spec.Joins.Select(j => $"{j.Description ?? j.Name} ({string.Join(", ", j.RequiredHeaders)})"));
                throw new InputException(file, "not a file this mapping joins: " + expected);
            }
            if (matches.Count > 1)
                throw new InputException(file, $"the headers fit joins {string.Join(" and ", matches.Select(m => "'" + spec.Joins[m].Name + "'"))}; cannot tell which file this is");
            var index = matches[0];
            (tables[index] ??= new JoinTable(spec.Joins[index])).Add(reader);
            seen.Add((file, spec.Joins[index].Name));
        }
        return new JoinSet(tables) { Files = seen };
    }
}

/// <summary>One join's index: key → the extra rows with that key, each as the cells of the join's columns.</summary>
public sealed class JoinTable
{
    private readonly Dictionary<string, int> _head = new(StringComparer.Ordinal);
    private readonly List<int> _next = [];
    private readonly List<string?[]> _rows = [];

    internal JoinTable(JoinSpec spec) => Spec = spec;

    public JoinSpec Spec { get; }

    /// <summary>Extra rows indexed.</summary>
    public int Count => _rows.Count;

    internal void Add(IRecordReader reader)
    {
        var on = BoundMapping.FindColumn(reader.Headers, Spec.On);
        var ordinals = Spec.Columns.Select(c => BoundMapping.FindColumn(reader.Headers, c.Column)).ToArray();
        for (var i = 0; i < ordinals.Length; i++)
            if (ordinals[i] < 0 && !Spec.Columns[i].Optional)
                throw new InputException(reader.SourceName, $"join '{Spec.Name}' names column '{Spec.Columns[i].Column}', which the file does not have");
        while (reader.Read())
        {
            var key = reader.GetString(on)?.Trim();
            if (string.IsNullOrEmpty(key)) continue;
            var cells = new string?[ordinals.Length];
            var any = false;
            for (var i = 0; i < ordinals.Length; i++)
            {
                if (ordinals[i] < 0) continue;
                var v = reader.GetString(ordinals[i]);
                if (string.IsNullOrWhiteSpace(v)) continue;
                cells[i] = v;
                any = true;
            }
            if (!any) continue;
            // One dictionary operation per row: the slot holds the newest row of the key (or is new, -1 meaning none).
            ref var head = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_head, key, out var existed);
            _next.Add(existed ? head : -1);
            _rows.Add(cells);
            head = _rows.Count - 1;
        }
    }

    /// <summary>Adds the rows whose key is <paramref name="key"/> (trimmed) to <paramref name="into"/>.</summary>
    public void Lookup(ReadOnlySpan<char> key, List<string?[]> into)
    {
        key = key.Trim();
        if (key.IsEmpty) return;
        var lookup = _head.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(key, out var i)) return;
        var start = into.Count;
        for (; i >= 0; i = _next[i]) into.Add(_rows[i]);
        // The chain runs newest first: restore file order.
        into.Reverse(start, into.Count - start);
    }
}
