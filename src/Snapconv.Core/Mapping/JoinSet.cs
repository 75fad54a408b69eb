using System.Runtime.InteropServices;
using System.Text;
using Snapconv.Core.Capi;
using Snapconv.Core.Formats;
using Snapconv.Core.Hashing;
using Snapconv.Core.Normalization;

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
    /// <remarks>
    /// Identifier columns are normalized and hashed here, once per contact (see <see cref="JoinTable"/>): pass the run's
    /// <paramref name="defaultCountry"/> (<see cref="Pipeline.ConversionOptions.DefaultCountry"/>; the mapping's own
    /// <see cref="MappingSpec.DefaultCountry"/> wins, as in the run), which national phone numbers are read in.
    /// </remarks>
    /// <exception cref="InputException">A file matches no join, or more than one, or cannot be read.</exception>
    public static JoinSet Load(MappingSpec spec, IReadOnlyList<string> files, RecordReaderOptions? readerOptions = null, string? defaultCountry = null)
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
            (tables[index] ??= new JoinTable(spec.Joins[index], Plan(spec, index, defaultCountry))).Add(reader);
            seen.Add((file, spec.Joins[index].Name));
        }
        foreach (var t in tables) t?.EndLoad();
        return new JoinSet(tables) { Files = seen };
    }

    /// <summary>
    /// How each column of join <paramref name="index"/> is kept: the normalize context of an identifier column normalized at
    /// load, or null for a column kept as read — not an identifier; read as a key by a later join; a date of birth (its
    /// rule reads the clock); a phone, state or zip when the main file may carry a country column (the row's country then
    /// decides how they read).
    /// </summary>
    private static NormalizeContext?[] Plan(MappingSpec spec, int index, string? defaultCountry)
    {
        var join = spec.Joins[index];
        var rowCountryPossible = spec.AutoDetect || spec.Columns.Any(c => TargetFields.ToIdentifier(c.Field) == IdentifierKind.Country);
        var plan = new NormalizeContext?[join.Columns.Count];
        for (var i = 0; i < plan.Length; i++)
        {
            var c = join.Columns[i];
            if (TargetFields.ToIdentifier(c.Field) is not { } kind || kind == IdentifierKind.Db) continue;
            if (rowCountryPossible && kind is IdentifierKind.Ph or IdentifierKind.St or IdentifierKind.Zp) continue;
            if (IsKeyOfLaterJoin(spec, index, c.Column)) continue;
            plan[i] = new NormalizeContext
            {
                DefaultCountry = spec.DefaultCountry ?? defaultCountry,
                PreserveCase = c.PreserveCase,
                AlreadyHashed = c.AlreadyHashed,
                FoldCityAccents = spec.FoldCityAccents,
            };
        }
        return plan;
    }

    /// <summary>A later join reads <c>join.column</c> as its key (as <see cref="BoundMapping"/> binds such keys).</summary>
    private static bool IsKeyOfLaterJoin(MappingSpec spec, int index, string column)
    {
        for (var k = index + 1; k < spec.Joins.Count; k++)
            foreach (var key in spec.Joins[k].Keys)
            {
                var dot = key.IndexOf('.');
                if (dot > 0 && key[..dot] == spec.Joins[index].Name && HeaderAutoDetect.Key(key[(dot + 1)..]) == HeaderAutoDetect.Key(column)) return true;
            }
        return false;
    }
}

/// <summary>
/// One join's index: key → the extra rows with that key. Rows are numbered 0… in file order; <see cref="Lookup"/> gives
/// the row numbers of a key, <see cref="Cell"/> a row's cell of a column kept as read and <see cref="Values"/> the
/// normalized values of an identifier column normalized at load (<see cref="NormalizedWith"/>).
/// </summary>
/// <remarks>
/// No object per row: each row (its key, then each column's cell, each behind one length char) is copied into
/// 1M-char chunks, found through int arrays and an open-addressing table of (hash, key) slots. Only the key and the
/// join's columns are kept. Identifier columns are normalized and hashed once per contact at load, not once per joined
/// row: their cells hold the outcomes (SHA-256 digests as 32 bytes, plain values, warnings), so raw e-mails and phones are
/// not kept. Values of kinds that repeat across contacts (names, gender, city, state, zip, country) are normalized once
/// per distinct cell part and shared. Building reads and indexes on the calling thread while one worker normalizes the
/// batch before; lookups are thread-safe once <see cref="JoinSet.Load"/> returns.
/// </remarks>
public sealed class JoinTable
{
    private const int ChunkBits = 20;
    private const int ChunkSize = 1 << ChunkBits;
    private const char Oversize = '\uFFFF';                // length char of a cell kept in _oversize (two chars of index follow)
    private const int None = -1;
    private const int MaxMemo = 1 << 16;                   // distinct parts remembered per column while loading

    // Entries of a normalized cell, one per non-empty part, in part order.
    private const char DigestEntry = 'H';                  // + 16 chars: the 32 bytes of a SHA-256 digest
    private const char TextEntry = 'T';                    // + 2 chars of length + the value (plain kinds, already-hashed input)
    private const char SharedEntry = 'S';                  // + 2 chars: index into _shared (a warning, or a repeated value)

    private readonly int _maxInline;                      // longer cells go to _oversize, so that a row always fits one chunk
    private readonly List<char[]> _chunks = [];
    private int _used = ChunkSize;                        // chars used of the last chunk (full: no chunk yet)
    private readonly List<string> _oversize = [];
    private int _rows;
    private int _keys;
    private long[] _slots = new long[512];                // (hash << 32) | (newest row of the key + 1); 0: empty. Power-of-two length, at most half full.

    private readonly NormalizeContext?[] _normalize;      // per column: normalized at load with this context; null: kept as read
    private readonly IdentifierKind[] _kinds;
    private readonly List<JoinValue> _shared = [];        // outcomes several rows point to
    private Dictionary<Reason, int>? _reasonIds = [];
    private Dictionary<string, int>?[]? _memo;            // per column of a repeating kind, while loading: cell part → _shared index (-1: empty)
    private char[] _row = new char[256];                  // the row being built
    private char[] _cell = new char[256];                 // the normalized cell being built

    internal JoinTable(JoinSpec spec, NormalizeContext?[]? normalize = null)
    {
        Spec = spec;
        _maxInline = Math.Min(0x7FFF, ChunkSize / (3 * (spec.Columns.Count + 1)));
        _normalize = normalize ?? new NormalizeContext?[spec.Columns.Count];
        _kinds = spec.Columns.Select(c => TargetFields.ToIdentifier(c.Field) ?? default).ToArray();
        _memo = new Dictionary<string, int>?[spec.Columns.Count];
        for (var i = 0; i < _memo.Length; i++)
            if (_normalize[i] is not null && _kinds[i] is IdentifierKind.Fn or IdentifierKind.Ln or IdentifierKind.Ge or IdentifierKind.Ct
                    or IdentifierKind.St or IdentifierKind.Zp or IdentifierKind.Country)
                _memo[i] = new Dictionary<string, int>(StringComparer.Ordinal);
    }

    public JoinSpec Spec { get; }

    /// <summary>Extra rows indexed.</summary>
    public int Count => _rows;

    /// <summary>Distinct keys indexed.</summary>
    public int KeyCount => _keys;

    /// <summary>
    /// The context column <paramref name="column"/> was normalized with at load (read its values with <see cref="Values"/>);
    /// null when the column is kept as read (read it with <see cref="Cell"/>).
    /// </summary>
    public NormalizeContext? NormalizedWith(int column) => (uint)column < (uint)_normalize.Length ? _normalize[column] : null;

    /// <summary>Loading is over: the memo of repeated parts (raw cell text) is dropped.</summary>
    internal void EndLoad()
    {
        _memo = null;
        _reasonIds = null;
        _row = _cell = [];
    }

    internal void Add(IRecordReader reader)
    {
        var on = BoundMapping.FindColumn(reader.Headers, Spec.On);
        if (on < 0) throw new InputException(reader.SourceName, $"join '{Spec.Name}' matches on column '{Spec.On}', which the file does not have");
        var ordinals = Spec.Columns.Select(c => BoundMapping.FindColumn(reader.Headers, c.Column)).ToArray();
        for (var i = 0; i < ordinals.Length; i++)
            if (ordinals[i] < 0 && !Spec.Columns[i].Optional)
                throw new InputException(reader.SourceName, $"join '{Spec.Name}' names column '{Spec.Columns[i].Column}', which the file does not have");
        // Two stages on two cores: this thread reads a batch of rows and adds the one before it to the index, while a
        // worker normalizes that one's identifier columns (one batch at a time, so the memo needs no lock). Rows go
        // into the index in file order.
        var csv = reader as CsvRecordReader;
        var values = csv is null ? new string?[reader.Headers.Count] : null;
        var normalizes = _normalize.Any(n => n is not null);
        Batch a = new(ordinals.Length + 1), b = new(ordinals.Length + 1);
        Batch? inFlight = null;
        Task? normalizing = null;
        while (true)
        {
            var filling = inFlight == a ? b : a;
            var more = Fill(filling, reader, csv, values, on, ordinals);
            if (normalizing is not null)
            {
                normalizing.GetAwaiter().GetResult();
                Commit(inFlight!);
            }
            if (filling.Rows == 0) break;
            inFlight = filling;
            normalizing = normalizes ? Task.Run(() => Normalize(filling)) : Task.CompletedTask;
            if (more) continue;
            normalizing.GetAwaiter().GetResult();
            Commit(filling);
            break;
        }
    }

    private const int BatchRows = 4096;

    /// <summary>Rows read but not yet indexed: the key and each column's cell as spans of <see cref="Text"/> (or of <see cref="Out"/> once normalized: start &lt; 0).</summary>
    private sealed class Batch(int cells)
    {
        public readonly int Cells = cells;
        public char[] Text = new char[1 << 16];
        public int TextLength;
        public char[] Out = new char[1 << 16];
        public int OutLength;
        public int Rows;
        public readonly int[] Start = new int[BatchRows * cells];
        public readonly int[] Length = new int[BatchRows * cells];

        public ReadOnlySpan<char> Cell(int row, int cell)
        {
            var i = row * Cells + cell;
            var start = Start[i];
            return start >= 0 ? Text.AsSpan(start, Length[i]) : Out.AsSpan(-start - 1, Length[i]);
        }

        public void Set(int row, int cell, ReadOnlySpan<char> text)
        {
            var i = row * Cells + cell;
            Ensure(ref Text, TextLength + text.Length);
            Start[i] = TextLength;
            Length[i] = text.Length;
            text.CopyTo(Text.AsSpan(TextLength));
            TextLength += text.Length;
        }
    }

    /// <summary>Reads up to <see cref="BatchRows"/> rows to index into <paramref name="batch"/>; false at the end of the file.</summary>
    private static bool Fill(Batch batch, IRecordReader reader, CsvRecordReader? csv, string?[]? values, int on, int[] ordinals)
    {
        batch.Rows = batch.TextLength = batch.OutLength = 0;
        while (batch.Rows < BatchRows)
        {
            if (!reader.Read()) return false;
            if (values is not null)
            {
                Array.Clear(values);
                if (on >= 0) values[on] = reader.GetString(on);
                foreach (var o in ordinals) if (o >= 0) values[o] = reader.GetString(o);
            }
            var key = Field(values, csv, on).Trim();
            if (key.IsEmpty) continue;
            var any = false;
            for (var i = 0; i < ordinals.Length && !any; i++) any = !Field(values, csv, ordinals[i]).IsWhiteSpace();
            if (!any) continue;
            var row = batch.Rows++;
            batch.Set(row, 0, key);
            for (var i = 0; i < ordinals.Length; i++)
            {
                var v = Field(values, csv, ordinals[i]);
                batch.Set(row, i + 1, v.IsWhiteSpace() ? default : v);
            }
        }
        return true;
    }

    /// <summary>Replaces the identifier cells of <paramref name="batch"/> that are normalized at load by their entries.</summary>
    private void Normalize(Batch batch)
    {
        for (var row = 0; row < batch.Rows; row++)
            for (var i = 0; i < _normalize.Length; i++)
            {
                if (_normalize[i] is not { } ctx) continue;
                var cell = batch.Cell(row, i + 1);
                if (cell.IsEmpty) continue;
                var entries = Normalize(i, cell, ctx);
                Ensure(ref batch.Out, batch.OutLength + entries.Length);
                entries.CopyTo(batch.Out.AsSpan(batch.OutLength));
                var at = row * batch.Cells + i + 1;
                batch.Start[at] = -batch.OutLength - 1;
                batch.Length[at] = entries.Length;
                batch.OutLength += entries.Length;
            }
    }

    /// <summary>Adds the rows of <paramref name="batch"/> to the index, in order.</summary>
    private void Commit(Batch batch)
    {
        for (var row = 0; row < batch.Rows; row++)
        {
            // The row: two chars of link (set by AddRow), the key, then each column's cell (or its normalized values).
            var length = 2;
            var key = batch.Cell(row, 0);
            Put(ref _row, ref length, key);
            for (var i = 1; i < batch.Cells; i++) Put(ref _row, ref length, batch.Cell(row, i));
            var start = Reserve(length);
            _row.AsSpan(0, length).CopyTo(_chunks[^1].AsSpan(start & (ChunkSize - 1)));
            _used = (start & (ChunkSize - 1)) + length;
            AddRow(key, start);
        }
    }

    private static ReadOnlySpan<char> Field(string?[]? values, CsvRecordReader? csv, int ordinal) =>
        ordinal < 0 ? default : csv is not null ? csv.GetSpan(ordinal) : values![ordinal].AsSpan();

    /// <summary>
    /// The entries of <paramref name="cell"/>'s parts (split as <see cref="SplitCell"/>), each normalized as the run would
    /// normalize it: nothing for an empty part, a warning, or the value to send (hashed kinds as their digest).
    /// </summary>
    private ReadOnlySpan<char> Normalize(int column, ReadOnlySpan<char> cell, NormalizeContext ctx)
    {
        var kind = _kinds[column];
        var memo = _memo![column];
        var length = 0;
        // Past the memo's size, parts of repeating kinds are stored like any other (no shared value per distinct part).
        foreach (var range in cell.SplitAny(';', ','))
        {
            var part = cell[range].Trim();
            if (part.IsEmpty) continue;
            if (memo is not null && memo.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(part, out var known))
            {
                if (known >= 0) AddShared(ref length, known);
                continue;
            }
            var text = part.ToString();
            var remember = memo is not null && memo.Count < MaxMemo;
            var r = IdentifierNormalizer.Normalize(kind, text, ctx);
            var shared = -1;
            switch (r.Status)
            {
                case NormalizeStatus.Empty:
                    break;
                case NormalizeStatus.Invalid:
                    var reason = r.Warning ?? Reason.InvalidUserDataField;
                    if (!_reasonIds!.TryGetValue(reason, out shared))
                    {
                        _reasonIds[reason] = shared = _shared.Count;
                        _shared.Add(new JoinValue(null, reason));
                    }
                    AddShared(ref length, shared);
                    break;
                case NormalizeStatus.Normalized when IdentifierKinds.IsHashed(kind):
                    if (remember)
                    {
                        shared = _shared.Count;
                        _shared.Add(new JoinValue(Sha256Hex.Hash(r.Value!), null));
                        AddShared(ref length, shared);
                        break;
                    }
                    Ensure(ref _cell, length + 17);
                    _cell[length++] = DigestEntry;
                    Digest(r.Value!, MemoryMarshal.AsBytes(_cell.AsSpan(length, 16)));
                    length += 16;
                    break;
                default:
                    var value = r.Value!;
                    if (remember)
                    {
                        shared = _shared.Count;
                        _shared.Add(new JoinValue(value, null));
                        AddShared(ref length, shared);
                        break;
                    }
                    Ensure(ref _cell, length + 3 + value.Length);
                    _cell[length++] = TextEntry;
                    _cell[length++] = (char)(value.Length >>> 16);
                    _cell[length++] = (char)(value.Length & 0xFFFF);
                    value.CopyTo(_cell.AsSpan(length));
                    length += value.Length;
                    break;
            }
            if (remember) memo![text] = shared;
        }
        return _cell.AsSpan(0, length);
    }

    private void AddShared(ref int length, int index)
    {
        Ensure(ref _cell, length + 3);
        _cell[length++] = SharedEntry;
        _cell[length++] = (char)(index >>> 16);
        _cell[length++] = (char)(index & 0xFFFF);
    }

    /// <summary>SHA-256 of <paramref name="normalized"/>'s UTF-8 bytes, as <see cref="Sha256Hex.Hash"/> hashes it.</summary>
    private static void Digest(string normalized, Span<byte> digest)
    {
        var max = Encoding.UTF8.GetMaxByteCount(normalized.Length);
        var bytes = max <= 512 ? stackalloc byte[max] : new byte[max];
        var n = Encoding.UTF8.GetBytes(normalized, bytes);
        Sha256Hex.HashBytes(bytes[..n], digest);
    }

    private static void Ensure(ref char[] buffer, int size)
    {
        if (size > buffer.Length) Array.Resize(ref buffer, Math.Max(size, buffer.Length * 2));
    }

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
    private void Put(ref char[] row, ref int at, ReadOnlySpan<char> cell)
    {
        Ensure(ref row, at + 3 + Math.Min(cell.Length, _maxInline));
        if (cell.Length > _maxInline)
        {
            var index = _oversize.Count;
            _oversize.Add(cell.ToString());
            row[at++] = Oversize;
            row[at++] = (char)(index >>> 16);
            row[at++] = (char)(index & 0xFFFF);
            return;
        }
        row[at++] = (char)cell.Length;
        cell.CopyTo(row.AsSpan(at));
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

    /// <summary>
    /// The values of column <paramref name="column"/> of row <paramref name="row"/>, for a column normalized at load
    /// (<see cref="NormalizedWith"/> not null): one per non-empty part of the cell, in order — the value to send (hashed
    /// kinds as lower-case hex) or the warning that dropped the part. Empty when the cell was blank or missing.
    /// </summary>
    /// <exception cref="InvalidOperationException">The column is kept as read: use <see cref="Cell"/>.</exception>
    public ValueEnumerator Values(int row, int column)
    {
        if (NormalizedWith(column) is null) throw new InvalidOperationException("This join column is kept as read; its cells are read with Cell.");
        return new ValueEnumerator(this, Cell(row, column));
    }

    /// <summary>The values of one normalized cell (see <see cref="Values"/>).</summary>
    public ref struct ValueEnumerator
    {
        private readonly JoinTable _table;
        private readonly ReadOnlySpan<char> _cell;
        private int _at;

        internal ValueEnumerator(JoinTable table, ReadOnlySpan<char> cell)
        {
            _table = table;
            _cell = cell;
        }

        public JoinValue Current { get; private set; }

        public readonly ValueEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_at >= _cell.Length) return false;
            var tag = _cell[_at++];
            switch (tag)
            {
                case DigestEntry:
                    Current = new JoinValue(Convert.ToHexStringLower(MemoryMarshal.AsBytes(_cell.Slice(_at, 16))), null);
                    _at += 16;
                    return true;
                case TextEntry:
                    var length = _cell[_at] << 16 | _cell[_at + 1];
                    Current = new JoinValue(_cell.Slice(_at + 2, length).ToString(), null);
                    _at += 2 + length;
                    return true;
                default:
                    Current = _table._shared[_cell[_at] << 16 | _cell[_at + 1]];
                    _at += 2;
                    return true;
            }
        }
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

/// <summary>One part of a joined identifier cell as the run uses it: the value to send, or the warning that dropped it.</summary>
public readonly record struct JoinValue(string? Value, Reason? Warning);
