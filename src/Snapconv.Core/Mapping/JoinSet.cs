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

/// <summary>
/// One join's index: key → the extra rows with that key. Rows are numbered 0… in file order; <see cref="Lookup"/> gives
/// the row numbers of a key and <see cref="Cell"/> a row's cell of one of the join's columns.
/// </summary>
/// <remarks>
/// No object per row: each row (its key, then each column's cell, each behind one length char) is copied into
/// 1M-char chunks, found through int arrays and an open-addressing table of (hash, key) slots. Only the key and the
/// join's columns are kept. Building is single-threaded; lookups are thread-safe once <see cref="JoinSet.Load"/> returns.
/// </remarks>
public sealed class JoinTable
{
    private const int ChunkBits = 20;
    private const int ChunkSize = 1 << ChunkBits;
    private const char Oversize = '\uFFFF';                // length char of a cell kept in _oversize (two chars of index follow)
    private const int None = -1;

    private readonly int _maxInline;                      // longer cells go to _oversize, so that a row always fits one chunk
    private readonly List<char[]> _chunks = [];
    private int _used = ChunkSize;                        // chars used of the last chunk (full: no chunk yet)
    private readonly List<string> _oversize = [];
    private int _rows;
    private int _keys;
    private long[] _slots = new long[512];                // (hash << 32) | (newest row of the key + 1); 0: empty. Power-of-two length, at most half full.

    internal JoinTable(JoinSpec spec)
    {
        Spec = spec;
        _maxInline = Math.Min(0x7FFF, ChunkSize / (3 * (spec.Columns.Count + 1)));
    }

    public JoinSpec Spec { get; }

    /// <summary>Extra rows indexed.</summary>
    public int Count => _rows;

    /// <summary>Distinct keys indexed.</summary>
    public int KeyCount => _keys;

    internal void Add(IRecordReader reader)
    {
        var on = BoundMapping.FindColumn(reader.Headers, Spec.On);
        if (on < 0) throw new InputException(reader.SourceName, $"join '{Spec.Name}' matches on column '{Spec.On}', which the file does not have");
        var ordinals = Spec.Columns.Select(c => BoundMapping.FindColumn(reader.Headers, c.Column)).ToArray();
        for (var i = 0; i < ordinals.Length; i++)
            if (ordinals[i] < 0 && !Spec.Columns[i].Optional)
                throw new InputException(reader.SourceName, $"join '{Spec.Name}' names column '{Spec.Columns[i].Column}', which the file does not have");
        // CSV cells are read as spans (no string per cell); other formats through GetString, once per cell.
        var csv = reader as CsvRecordReader;
        var values = csv is null ? new string?[reader.Headers.Count] : null;
        while (reader.Read())
        {
            if (values is not null)
            {
                Array.Clear(values);
                if (on >= 0) values[on] = reader.GetString(on);
                foreach (var o in ordinals) if (o >= 0) values[o] = reader.GetString(o);
            }
            var key = Field(values, csv, on).Trim();
            if (key.IsEmpty) continue;
            var any = false;
            var size = 2 + Size(key.Length);
            for (var i = 0; i < ordinals.Length; i++)
            {
                var v = Field(values, csv, ordinals[i]);
                if (v.IsWhiteSpace()) { size++; continue; }
                any = true;
                size += Size(v.Length);
            }
            if (!any) continue;
            var start = Reserve(size);
            var chunk = _chunks[^1];
            var at = (start & (ChunkSize - 1)) + 2;
            Put(chunk, ref at, key);
            for (var i = 0; i < ordinals.Length; i++)
            {
                var v = Field(values, csv, ordinals[i]);
                Put(chunk, ref at, v.IsWhiteSpace() ? default : v);
            }
            _used = at;
            AddRow(key, start);
        }
    }

    private static ReadOnlySpan<char> Field(string?[]? values, CsvRecordReader? csv, int ordinal) =>
        ordinal < 0 ? default : csv is not null ? csv.GetSpan(ordinal) : values![ordinal].AsSpan();

    private int Size(int length) => length > _maxInline ? 3 : 1 + length;

    /// <summary>Room for <paramref name="size"/> chars in one chunk; returns its global offset (the row's handle).</summary>
    private int Reserve(int size)
    {
        if (_used + size > ChunkSize)
        {
            if (_chunks.Count >= 1 << (31 - ChunkBits))
                throw new InvalidOperationException("The join index is full (2^31 characters of keys and cells).");
            _chunks.Add(GC.AllocateUninitializedArray<char>(ChunkSize));
            _used = 0;
        }
        return (_chunks.Count - 1) << ChunkBits | _used;
    }

    /// <summary>Writes one cell (empty: none) as its length char and chars, or as an index into _oversize.</summary>
    private void Put(char[] chunk, ref int at, ReadOnlySpan<char> cell)
    {
        if (cell.Length > _maxInline)
        {
            var index = _oversize.Count;
            _oversize.Add(cell.ToString());
            chunk[at++] = Oversize;
            chunk[at++] = (char)(index >>> 16);
            chunk[at++] = (char)(index & 0xFFFF);
            return;
        }
        chunk[at++] = (char)cell.Length;
        cell.CopyTo(chunk.AsSpan(at));
        at += cell.Length;
    }

    /// <summary>Links the row written at <paramref name="row"/> (its link chars still blank) into its key's chain, newest first.</summary>
    private void AddRow(ReadOnlySpan<char> key, int row)
    {
        _rows++;
        var hash = string.GetHashCode(key);
        ref var slot = ref FindSlot(key, hash);
        var isNew = slot == 0;
        SetNext(row, isNew ? None : RowOf(slot));
        slot = (long)hash << 32 | (uint)(row + 1);
        if (!isNew) return;
        _keys++;
        if (_keys * 2 > _slots.Length) Grow();
    }

    /// <summary>The slot of <paramref name="key"/>, or the empty slot where it would go.</summary>
    private ref long FindSlot(ReadOnlySpan<char> key, int hash)
    {
        var mask = _slots.Length - 1;
        for (var i = hash & mask; ; i = (i + 1) & mask)
        {
            ref var slot = ref _slots[i];
            if (slot == 0) return ref slot;
            if ((int)(slot >> 32) == hash && RowKey(RowOf(slot)).SequenceEqual(key)) return ref slot;
        }
    }

    private static int RowOf(long slot) => (int)(uint)slot - 1;

    private void Grow()
    {
        var slots = new long[_slots.Length * 2];
        var mask = slots.Length - 1;
        foreach (var s in _slots)
        {
            if (s == 0) continue;
            var i = (int)(s >> 32) & mask;
            while (slots[i] != 0) i = (i + 1) & mask;
            slots[i] = s;
        }
        _slots = slots;
    }

    // A row at handle h: two chars of the handle of the key's previous row (None: first), the key, then each column's cell.
    private void SetNext(int row, int next)
    {
        var chunk = _chunks[row >> ChunkBits];
        var at = row & (ChunkSize - 1);
        chunk[at] = (char)(next >>> 16);
        chunk[at + 1] = (char)(next & 0xFFFF);
    }

    private int Next(int row)
    {
        var chunk = _chunks[row >> ChunkBits];
        var at = row & (ChunkSize - 1);
        return chunk[at] << 16 | chunk[at + 1];
    }

    private ReadOnlySpan<char> RowKey(int row)
    {
        var at = (row & (ChunkSize - 1)) + 2;
        return Read(_chunks[row >> ChunkBits], ref at);
    }

    private ReadOnlySpan<char> Read(char[] chunk, scoped ref int at)
    {
        var length = chunk[at++];
        if (length == Oversize)
        {
            var index = chunk[at] << 16 | chunk[at + 1];
            at += 2;
            return _oversize[index];
        }
        var cell = new ReadOnlySpan<char>(chunk, at, length);
        at += length;
        return cell;
    }

    /// <summary>The cell of column <paramref name="column"/> (in <see cref="JoinSpec.Columns"/> order) of the row <paramref name="row"/> (a handle from <see cref="Lookup"/>); empty when blank or missing.</summary>
    public ReadOnlySpan<char> Cell(int row, int column)
    {
        var chunk = _chunks[row >> ChunkBits];
        var at = (row & (ChunkSize - 1)) + 2;
        var cell = Read(chunk, ref at);                   // the key
        for (var i = 0; i <= column; i++) cell = Read(chunk, ref at);
        return cell;
    }

    /// <summary>Adds the handles of the rows whose key is <paramref name="key"/> (trimmed) to <paramref name="into"/>, in file order.</summary>
    public void Lookup(ReadOnlySpan<char> key, List<int> into)
    {
        key = key.Trim();
        if (key.IsEmpty) return;
        var slot = FindSlot(key, string.GetHashCode(key));
        if (slot == 0) return;
        var start = into.Count;
        for (var row = RowOf(slot); row != None; row = Next(row)) into.Add(row);
        // The chain runs newest first: restore file order.
        if (into.Count - start > 1) into.Reverse(start, into.Count - start);
    }

    /// <summary>
    /// Replaces <paramref name="into"/>'s contents with the parts of <paramref name="cell"/> as <see cref="TextValues.Split"/>
    /// gives them: split on <c>;</c> and <c>,</c>, each part trimmed, empty parts left out.
    /// </summary>
    public static void SplitCell(ReadOnlySpan<char> cell, List<string> into)
    {
        into.Clear();
        foreach (var range in cell.SplitAny(';', ','))
        {
            var part = cell[range].Trim();
            if (!part.IsEmpty) into.Add(part.ToString());
        }
    }

    /// <summary>
    /// Adds the rows of every key in <paramref name="cell"/>, split as <see cref="TextValues.Split"/> splits (on <c>;</c> and
    /// <c>,</c>, parts trimmed, empty parts skipped), in the order of the keys.
    /// </summary>
    public void LookupAll(ReadOnlySpan<char> cell, List<int> into)
    {
        foreach (var range in cell.SplitAny(';', ','))
            Lookup(cell[range], into);
    }
}
