using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Snapconv.Core.Capi;
using Snapconv.Core.Formats;
using Snapconv.Core.Hashing;
using Snapconv.Core.Normalization;

namespace Snapconv.Core.Mapping;

/// <summary>
/// One join's table: the rows of its file by key, and what their cells are. Rows are numbered 0… in file order;
/// <see cref="Lookup"/> gives the row numbers of a key, <see cref="Cell"/> a row's cell of a column kept as read and
/// <see cref="Values"/> the normalized values of an identifier column normalized by the table (<see cref="NormalizedWith"/>).
/// </summary>
/// <remarks>
/// The rows are kept and found by a <see cref="JoinIndex"/> (no object per row); this table decides which cells a row
/// keeps — the key (without a spreadsheet's text marker; a placeholder key is no key), then the join's columns, the
/// columns kept as read first — and how identifier columns are read. Those are normalized once per contact, not once
/// per joined row, and lazily: by the first worker that joins the contact (most contacts of a real export are never
/// joined). Until then a row keeps its raw cells; the worker that claims the row (an atomic state in the row) writes the
/// outcomes (SHA-256 digests as 32 bytes, plain values, warnings) over them or to its own arena, publishes them, and
/// blanks the raw cells; a worker needing the same row meanwhile waits for it. Values of kinds that repeat across
/// contacts (names, gender, city, state, zip, country) are normalized once per distinct part and worker and shared.
/// Lookups and <see cref="Values"/> are thread-safe once <see cref="JoinSet.Load"/> returns.
/// </remarks>
public sealed class JoinTable
{
    private const int ChunkBits = JoinIndex.ChunkBits;     // arenas are chunks of the index's size: a handle is (arena, offset)
    private const int ChunkSize = JoinIndex.ChunkSize;
    private const int MaxMemo = 1 << 16;                   // distinct parts remembered per column and worker thread
    private const int MaxArenas = (1 << (31 - ChunkBits)) - 1;

    // Entries of a normalized cell, one per non-empty part, in part order.
    private const char DigestEntry = 'H';                  // + 16 chars: the 32 bytes of a SHA-256 digest
    private const char TextEntry = 'T';                    // + 2 chars of length + the value (plain kinds, already-hashed input)
    private const char SharedEntry = 'S';                  // + 2 chars: index into _shared (a repeated value, loaded eagerly)
    private const char WarningEntry = 'W';                 // + 1 char: index into _warnings

    // The state of a row's lazily normalized cells (an int at the row's chars 2-3, 4-byte aligned).
    private const int Raw = 0;                             // not normalized yet; > 0: the outcomes' arena handle + 1
    private const int Claimed = -1;                        // a worker is normalizing it
    private const int InPlace = -2;                        // normalized, the outcomes written over the raw cells

    private readonly JoinIndex _index;                   // the rows by key: this table says what their cells are

    private readonly NormalizeContext?[] _normalize;      // per column: normalized on a row's first join with this context; null: kept as read
    private readonly bool[] _lazy;                        // per column: _normalize[i] is not null
    private readonly bool[] _repeats;                     // per column: a kind whose values repeat across contacts (memoized)
    private readonly int _lazyCount;
    private readonly int _keptCount;
    private readonly int[] _lazyColumns;                  // the lazy columns in order: their cells end the row
    private readonly int[] _order;                        // the columns in row order: kept as read, then lazy
    private readonly int[] _position;                     // per column: its place in _order
    private readonly IdentifierKind[] _kinds;
    private const int SharedBits = 12;
    private readonly JoinValue[]?[] _shared = new JoinValue[]?[1 << 10];   // values several rows point to, in blocks of 2^12; appended under _lock
    private int _sharedCount;
    private JoinValue[] _warnings = [];                   // the warnings entries point to; replaced whole under _lock

    // Lazily normalized outcomes: each worker fills its own chunk (an arena), registered in _arenas under _lock.
    private readonly object _lock = new();
    private char[]?[] _arenas = new char[]?[16];
    private int _arenaCount;
    private readonly ThreadLocal<Arena> _arena;

    private sealed class Arena
    {
        public int Index = -1;
        public int Used;
        public int Capacity;
        public char[] Scratch = new char[256];
        public Dictionary<string, int>?[]? Memo;            // per column of a repeating kind: part → shared index (-1: empty, <= -2: warning)
    }

    internal JoinTable(JoinSpec spec, NormalizeContext?[]? normalize = null)
    {
        Spec = spec;
        _index = new JoinIndex(spec.Columns.Count);
        _normalize = normalize ?? new NormalizeContext?[spec.Columns.Count];
        _kinds = spec.Columns.Select(c => TargetFields.ToIdentifier(c.Field) ?? default).ToArray();
        _lazy = new bool[spec.Columns.Count];
        _repeats = new bool[spec.Columns.Count];
        for (var i = 0; i < _lazy.Length; i++)
        {
            if (_normalize[i] is null) continue;
            _lazy[i] = true;
            _lazyCount++;
            _repeats[i] = _kinds[i] is IdentifierKind.Fn or IdentifierKind.Ln or IdentifierKind.Ge or IdentifierKind.Ct
                or IdentifierKind.St or IdentifierKind.Zp or IdentifierKind.Country;
        }
        _keptCount = _lazy.Length - _lazyCount;
        _lazyColumns = Enumerable.Range(0, _lazy.Length).Where(i => _lazy[i]).ToArray();
        _order = [.. Enumerable.Range(0, _lazy.Length).Where(i => !_lazy[i]), .. _lazyColumns];
        _position = new int[_order.Length];
        for (var p = 0; p < _order.Length; p++) _position[_order[p]] = p;
        _arena = new ThreadLocal<Arena>(() => new Arena());
        // Arena 0 starts with the outcomes of a row whose lazy cells are all blank: every column's length 0.
        _arenas[0] = new char[Math.Max(2 * _lazyCount, 2)];
        _arenaCount = 1;
    }

    public JoinSpec Spec { get; }

    /// <summary>Extra rows indexed.</summary>
    public int Count => _index.Count;

    /// <summary>Distinct keys indexed.</summary>
    public int KeyCount => _index.KeyCount;

    /// <summary>
    /// The context column <paramref name="column"/> is normalized with (on the first join of a row; read its
    /// values with <see cref="Values"/>); null when the column is kept as read (read it with <see cref="Cell"/>).
    /// </summary>
    public NormalizeContext? NormalizedWith(int column) => (uint)column < (uint)_normalize.Length ? _normalize[column] : null;

    // Called once a file, its loop runs a million times: compiled optimized at once, not first as tier 0 then by OSR.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Add(IRecordReader reader)
    {
        var on = BoundMapping.FindColumn(reader.Headers, Spec.On);
        if (on < 0) throw new InputException(reader.SourceName, $"join '{Spec.Name}' matches on column '{Spec.On}', which the file does not have");
        var ordinals = Spec.Columns.Select(c => BoundMapping.FindColumn(reader.Headers, c.Column)).ToArray();
        for (var i = 0; i < ordinals.Length; i++)
            if (ordinals[i] < 0 && !Spec.Columns[i].Optional)
                throw new InputException(reader.SourceName, $"join '{Spec.Name}' names column '{Spec.Columns[i].Column}', which the file does not have");
        var csv = reader as CsvRecordReader;
        var values = csv is null ? new string?[reader.Headers.Count] : null;
        // This thread parses and formats the rows; an indexer thread stores them and links them into the key table, in file order.
        using var indexer = new JoinIndex.Indexer(_index);
        while (reader.Read())
        {
            if (values is not null)
            {
                Array.Clear(values);
                values[on] = reader.GetString(on);
                foreach (var o in ordinals) if (o >= 0) values[o] = reader.GetString(o);
            }
            // A spreadsheet's text marker ('5897398649016) is no part of the key, and a placeholder key (-, N/A) no key (#15).
            var key = TextCleaner.WithoutTextMarker(Field(values, csv, on).Trim());
            if (key.IsEmpty || Placeholders.IsPlaceholderKey(key)) continue;

            // The row: two chars of link (set by AddRow), two of state, the key, then each column's cell as read: the
            // columns kept as read first, then the lazy ones (their outcomes may later overwrite them).
            var batch = indexer.Batch;
            var begin = batch.Used;
            var at = begin + 4;
            JoinIndex.Ensure(ref batch.Chars, at);
            _index.Put(ref batch.Chars, ref at, key);
            var pending = false;
            var any = false;
            foreach (var i in _order)
            {
                // Each cell read once (a field span costs the CSV reader a lookup each time).
                var cell = Field(values, csv, ordinals[i]);
                if (cell.IsWhiteSpace()) cell = default;
                else
                {
                    any = true;
                    pending |= _lazy[i];
                }
                _index.Put(ref batch.Chars, ref at, cell);
            }
            if (!any)
            {
                // Nothing to join: the row is dropped (not handed over; its chars are overwritten), a long key with it.
                _index.Release(batch.Chars, begin + JoinIndex.HeaderChars);
                continue;
            }
            var state = pending ? Raw : 1;           // nothing to normalize: arena 0's blank outcomes
            batch.Chars[begin + 2] = (char)(state & 0xFFFF);
            batch.Chars[begin + 3] = (char)(state >>> 16);
            indexer.Add(at - begin);
        }
        indexer.Finish();
    }

    private static ReadOnlySpan<char> Field(string?[]? values, CsvRecordReader? csv, int ordinal) =>
        ordinal < 0 ? default : csv is not null ? csv.GetSpan(ordinal) : values![ordinal].AsSpan();

    /// <summary>
    /// Appends the entry of one non-empty part of a column whose values repeat (names, city, ...): one shared value per
    /// distinct part, remembered per thread (up to <see cref="MaxMemo"/> parts a column).
    /// </summary>
    private void AddRepeated(Arena arena, int column, ReadOnlySpan<char> part, ref char[] buffer, ref int length)
    {
        var memo = (arena.Memo ??= new Dictionary<string, int>?[_lazy.Length])[column] ??= new Dictionary<string, int>(StringComparer.Ordinal);
        if (!memo.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(part, out var known))
        {
            if (memo.Count >= MaxMemo)
            {
                AddEntry(_kinds[column], part, _normalize[column]!, ref buffer, ref length);
                return;
            }
            var text = part.ToString();
            var kind = _kinds[column];
            var r = IdentifierNormalizer.Normalize(kind, text, _normalize[column]!);
            known = r.Status switch
            {
                NormalizeStatus.Empty => -1,
                NormalizeStatus.Invalid => -2 - WarningIndex(r.Warning ?? Reason.InvalidUserDataField),
                _ => AddShared(new JoinValue(r.Status == NormalizeStatus.Normalized && IdentifierKinds.IsHashed(kind) ? Sha256Hex.Hash(r.Value!) : r.Value!, null)),
            };
            if (known == int.MinValue)
            {
                // No room for more shared values: this part is stored like any other.
                AddEntry(kind, part, _normalize[column]!, ref buffer, ref length);
                return;
            }
            memo[text] = known;
        }
        if (known == -1) return;
        if (known < -1)
        {
            JoinIndex.Ensure(ref buffer, length + 2);
            buffer[length++] = WarningEntry;
            buffer[length++] = (char)(-2 - known);
            return;
        }
        JoinIndex.Ensure(ref buffer, length + 3);
        buffer[length++] = SharedEntry;
        buffer[length++] = (char)(known >>> 16);
        buffer[length++] = (char)(known & 0xFFFF);
    }

    /// <summary>Adds a shared value and returns its index; <see cref="int.MinValue"/> when there is no room.</summary>
    private int AddShared(JoinValue value)
    {
        lock (_lock)
        {
            var index = _sharedCount;
            var block = index >> SharedBits;
            if (block >= _shared.Length) return int.MinValue;
            // The value is in place before the row whose outcomes name it is published (a release write).
            (_shared[block] ??= new JoinValue[1 << SharedBits])[index & ((1 << SharedBits) - 1)] = value;
            _sharedCount++;
            return index;
        }
    }

    /// <summary>Appends the entry of one non-empty part to <paramref name="buffer"/> (nothing when it normalizes to empty). Thread-safe.</summary>
    private void AddEntry(IdentifierKind kind, ReadOnlySpan<char> part, NormalizeContext ctx, ref char[] buffer, ref int length)
    {
        var r = IdentifierNormalizer.Normalize(kind, part.ToString(), ctx);
        switch (r.Status)
        {
            case NormalizeStatus.Empty:
                return;
            case NormalizeStatus.Invalid:
                var w = WarningIndex(r.Warning ?? Reason.InvalidUserDataField);
                JoinIndex.Ensure(ref buffer, length + 2);
                buffer[length++] = WarningEntry;
                buffer[length++] = (char)w;
                return;
            case NormalizeStatus.Normalized when IdentifierKinds.IsHashed(kind):
                JoinIndex.Ensure(ref buffer, length + 17);
                buffer[length++] = DigestEntry;
                Digest(r.Value!, MemoryMarshal.AsBytes(buffer.AsSpan(length, 16)));
                length += 16;
                return;
            default:
                var value = r.Value!;
                JoinIndex.Ensure(ref buffer, length + 3 + value.Length);
                buffer[length++] = TextEntry;
                buffer[length++] = (char)(value.Length >>> 16);
                buffer[length++] = (char)(value.Length & 0xFFFF);
                value.CopyTo(buffer.AsSpan(length));
                length += value.Length;
                return;
        }
    }

    /// <summary>The index of <paramref name="reason"/> in _warnings, added on first use (a handful of reasons at most).</summary>
    private int WarningIndex(Reason reason)
    {
        var warnings = Volatile.Read(ref _warnings);
        for (var i = 0; i < warnings.Length; i++)
            if (warnings[i].Warning == reason) return i;
        lock (_lock)
        {
            warnings = _warnings;
            for (var i = 0; i < warnings.Length; i++)
                if (warnings[i].Warning == reason) return i;
            if (warnings.Length == char.MaxValue) throw new InvalidOperationException("Too many distinct warnings in the join index.");
            // A new array, published whole: a reader holding the old one never needs the new index.
            Volatile.Write(ref _warnings, [.. warnings, new JoinValue(null, reason)]);
            return warnings.Length;
        }
    }

    /// <summary>SHA-256 of <paramref name="normalized"/>'s UTF-8 bytes, as <see cref="Sha256Hex.Hash"/> hashes it.</summary>
    private static void Digest(string normalized, Span<byte> digest)
    {
        var max = Encoding.UTF8.GetMaxByteCount(normalized.Length);
        var bytes = max <= 512 ? stackalloc byte[max] : new byte[max];
        var n = Encoding.UTF8.GetBytes(normalized, bytes);
        Sha256Hex.HashBytes(bytes[..n], digest);
    }

    /// <summary>
    /// The values of column <paramref name="column"/> of row <paramref name="row"/>, for a normalized column
    /// (<see cref="NormalizedWith"/> not null): one per non-empty part of the cell, in order — the value to send (hashed
    /// kinds as lower-case hex) or the warning that dropped the part. Empty when the cell was blank or missing.
    /// The first call for a row normalizes its e-mails, phones and ids (once, whichever thread asks first).
    /// </summary>
    /// <exception cref="InvalidOperationException">The column is kept as read: use <see cref="Cell"/>.</exception>
    public ValueEnumerator Values(int row, int column)
    {
        if (NormalizedWith(column) is null) throw new InvalidOperationException("This join column is kept as read; its cells are read with Cell.");
        var (chars, at) = Outcomes(row);
        for (var i = 0; ; i++)
        {
            if (!_lazy[i]) continue;
            var length = chars[at] | chars[at + 1] << 16;
            if (i == column) return new ValueEnumerator(this, new ReadOnlySpan<char>(chars, at + 2, length));
            at += 2 + length;
        }
    }

    /// <summary>Where the row's outcomes are (in the row, or in an arena), normalizing them first if no worker has.</summary>
    private (char[] Chars, int At) Outcomes(int row)
    {
        ref var state = ref _index.State(row);
        var spin = new SpinWait();
        while (true)
        {
            var s = Volatile.Read(ref state);
            if (s > 0) return (Volatile.Read(ref _arenas)[(s - 1) >> ChunkBits]!, (s - 1) & (ChunkSize - 1));
            if (s == InPlace) return (_index.Chunk(row), LazyRegion(row));
            if (s == Raw && Interlocked.CompareExchange(ref state, Claimed, Raw) == Raw)
            {
                try
                {
                    // The outcomes are in place before the state says so (a release write).
                    var published = NormalizeRow(row);
                    Volatile.Write(ref state, published);
                    return Outcomes(row);
                }
                catch
                {
                    Volatile.Write(ref state, Raw);
                    throw;
                }
            }
            spin.SpinOnce();   // another worker is normalizing this row: a few microseconds
        }
    }

    /// <summary>Where a row's lazy cells start: after its key and the cells kept as read.</summary>
    private int LazyRegion(int row)
    {
        var chunk = _index.Chunk(row);
        var at = JoinIndex.Offset(row) + JoinIndex.HeaderChars;
        for (var p = 0; p <= _keptCount; p++) JoinIndex.Skip(chunk, ref at);
        return at;
    }

    /// <summary>
    /// Normalizes the row's lazy cells into its outcomes — per lazy column, two chars of length and its entries — written
    /// over the raw cells when they fit (the usual case), else to this thread's arena, the raw cells then blanked.
    /// Returns the state to publish.
    /// </summary>
    private int NormalizeRow(int row)
    {
        var arena = _arena.Value!;
        ref var buffer = ref arena.Scratch;
        var length = 0;
        var chunk = _index.Chunk(row);
        var region = LazyRegion(row);
        var at = region;
        foreach (var i in _lazyColumns)
        {
            var cell = _index.Read(chunk, ref at);
            var start = length;
            JoinIndex.Ensure(ref buffer, length + 2);
            length += 2;
            var kind = _kinds[i];
            var ctx = _normalize[i]!;
            foreach (var range in cell.SplitAny(';', ','))
            {
                var part = cell[range].Trim();
                if (part.IsEmpty) continue;
                if (_repeats[i]) AddRepeated(arena, i, part, ref buffer, ref length);
                else AddEntry(kind, part, ctx, ref buffer, ref length);
            }
            var n = length - start - 2;
            buffer[start] = (char)(n & 0xFFFF);
            buffer[start + 1] = (char)(n >>> 16);
        }
        var end = at;

        // The raw cells go: long ones kept aside first, then the chars in the row (overwritten, or blanked).
        at = region;
        foreach (var _ in _lazyColumns)
        {
            _index.Release(chunk, at);
            JoinIndex.Skip(chunk, ref at);
        }
        if (length <= end - region)
        {
            buffer.AsSpan(0, length).CopyTo(chunk.AsSpan(region));
            chunk.AsSpan(region + length, end - region - length).Clear();
            return InPlace;
        }

        if (arena.Index < 0 || arena.Used + length > arena.Capacity)
        {
            var size = Math.Max(length, ChunkSize);
            var chars = new char[size];
            lock (_lock)
            {
                if (_arenaCount >= MaxArenas) throw new InvalidOperationException("The join index is full (2^31 characters of normalized values).");
                if (_arenaCount == _arenas.Length)
                {
                    var grown = new char[]?[_arenas.Length * 2];
                    _arenas.CopyTo(grown, 0);
                    Volatile.Write(ref _arenas, grown);
                }
                _arenas[_arenaCount] = chars;
                arena.Index = _arenaCount++;
            }
            arena.Used = 0;
            arena.Capacity = size;
        }
        var handle = arena.Index << ChunkBits | arena.Used;
        buffer.AsSpan(0, length).CopyTo(Volatile.Read(ref _arenas)[arena.Index].AsSpan(arena.Used));
        // The next record starts inside the first 2^20 chars of an arena (handles keep 20 bits of offset); one larger than an arena gets one of its own.
        arena.Used = arena.Used + length >= ChunkSize ? arena.Capacity : arena.Used + length;
        chunk.AsSpan(region, end - region).Clear();
        return handle + 1;
    }

    /// <summary>For tests: whether the row's outcomes were written over its raw cells (else to an arena, or not yet).</summary>
    internal bool OutcomesInRow(int row) => Volatile.Read(ref _index.State(row)) == InPlace;

    /// <summary>For tests: every char the index holds (rows, long cells, arenas), to show what is and is not kept.</summary>
    internal string IndexText()
    {
        var text = new StringBuilder();
        _index.AppendText(text);
        foreach (var a in Volatile.Read(ref _arenas)) if (a is not null) text.Append(a);
        return text.ToString();
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
                case WarningEntry:
                    Current = Volatile.Read(ref _table._warnings)[_cell[_at]];
                    _at += 1;
                    return true;
                default:
                    var index = _cell[_at] << 16 | _cell[_at + 1];
                    Current = _table._shared[index >> SharedBits]![index & ((1 << SharedBits) - 1)];
                    _at += 2;
                    return true;
            }
        }
    }

    /// <summary>The cell of column <paramref name="column"/> (in <see cref="JoinSpec.Columns"/> order) of the row <paramref name="row"/> (a handle from <see cref="Lookup"/>), for a column kept as read; empty when blank or missing.</summary>
    /// <exception cref="InvalidOperationException">The column is normalized: use <see cref="Values"/>.</exception>
    public ReadOnlySpan<char> Cell(int row, int column)
    {
        if (NormalizedWith(column) is not null) throw new InvalidOperationException("This join column is normalized; its values are read with Values.");
        return StoredCell(row, column);
    }

    /// <summary>The cell of a column kept as read (they come first in the row, after the key).</summary>
    private ReadOnlySpan<char> StoredCell(int row, int column)
    {
        var chunk = _index.Chunk(row);
        var at = JoinIndex.Offset(row) + JoinIndex.HeaderChars;
        for (var p = _position[column]; p >= 0; p--) JoinIndex.Skip(chunk, ref at);   // the key and the kept cells before
        return _index.Read(chunk, ref at);
    }

    /// <summary>
    /// Adds the handles of the rows whose key is <paramref name="key"/> (trimmed, a spreadsheet's leading apostrophe
    /// removed) to <paramref name="into"/>, in file order. A placeholder (<c>-</c>, <c>N/A</c>) matches nothing.
    /// </summary>
    public void Lookup(ReadOnlySpan<char> key, List<int> into)
    {
        key = TextCleaner.WithoutTextMarker(key.Trim());
        if (key.IsEmpty || Placeholders.IsPlaceholderKey(key)) return;
        _index.AddRows(key, into);
    }

    /// <summary>
    /// Hints the CPU to fetch what looking up <paramref name="cell"/>'s keys (as <see cref="LookupAll"/> splits them) will
    /// read a little later. Stage 1 (<paramref name="rows"/> false): the slot each key probes first. Stage 2 (true, after
    /// stage 1 of the same cell): reads that slot and, when its hash matches, the start of the row it names. A hint
    /// only: nothing changes. Thread-safe.
    /// </summary>
    /// <remarks>
    /// Why: a lookup is two cache misses in tables far larger than the cache — the slot, then the row it names (for the
    /// key compare, and the cells read next). Measured alone they cost ~0.6 µs a deal, more than the rest of the join.
    /// A worker hints row i + 2's slots and row i + 1's rows before building row i, so the memory arrives while it
    /// works. Without SSE (Arm) this is a no-op.
    /// </remarks>
    public void Prefetch(ReadOnlySpan<char> cell, bool rows)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        foreach (var range in cell.SplitAny(';', ','))
        {
            var key = TextCleaner.WithoutTextMarker(cell[range].Trim());
            if (!key.IsEmpty) _index.Prefetch(key, rows);
        }
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
