using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
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
    /// Identifier columns are normalized and hashed once per contact, on its first join (see <see cref="JoinTable"/>): pass the run's
    /// <paramref name="defaultCountry"/> (<see cref="Pipeline.ConversionOptions.DefaultCountry"/>; the mapping's own
    /// <see cref="MappingSpec.DefaultCountry"/> wins, as in the run), which national phone numbers are read in.
    /// </remarks>
    /// <exception cref="InputException">A file matches no join, or more than one, or cannot be read.</exception>
    public static JoinSet Load(MappingSpec spec, IReadOnlyList<string> files, RecordReaderOptions? readerOptions = null, string? defaultCountry = null)
    {
        var tables = new JoinTable?[spec.Joins.Count];
        var seen = new List<(string, string)>();
        // The contacts' phones are normalized by the run's first workers: their metadata loads on the second core while
        // this thread parses (the run's own warm-up only looks at the main file's columns).
        if (spec.Joins.Any(j => j.Columns.Any(c => TargetFields.ToIdentifier(c.Field) == IdentifierKind.Ph)) && files.Count > 0)
            PhoneNormalizer.WarmUpInBackground();
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
        return new JoinSet(tables) { Files = seen };
    }

    /// <summary>
    /// How each column of join <paramref name="index"/> is kept: the normalize context of an identifier column normalized by
    /// the index, or null for a column kept as read — not an identifier; read as a key by a later join; a date of birth (its
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
/// normalized values of an identifier column normalized by the index (<see cref="NormalizedWith"/>).
/// </summary>
/// <remarks>
/// No object per row: each row (its key, then each column's cell, each behind one length char) is copied into
/// 1M-char chunks, found through an open-addressing table of (hash, row) slots. Only the key and the join's columns
/// are kept. Identifier columns are normalized once per contact, not once per joined row, and lazily: by the first
/// worker that joins the contact (most contacts of a real export are never joined). Until then a row keeps its raw
/// cells; the worker that claims the row (an atomic state in the row) writes the outcomes (SHA-256 digests as 32 bytes,
/// plain values, warnings) to its own arena, publishes them, and blanks the raw cells; a worker needing the same row
/// meanwhile waits for it. Values of kinds that repeat across contacts (names, gender, city, state, zip, country) are
/// normalized once per distinct part and worker and shared. Loading runs on two threads, the calling thread parsing and
/// an indexer storing the rows and inserting the keys (see <see cref="Indexer"/>); lookups and <see cref="Values"/> are
/// thread-safe once <see cref="JoinSet.Load"/> returns.
/// </remarks>
public sealed class JoinTable
{
    private const int ChunkBits = 20;
    private const int ChunkSize = 1 << ChunkBits;
    private const char Oversize = '\uFFFF';                // length char of a cell kept in _oversize (two chars of index follow)
    private const int None = -1;
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

    private readonly int _maxInline;                      // longer cells go to _oversize, so that a row always fits one chunk
    private const int MaxChunks = 1 << (31 - ChunkBits);
    private readonly char[]?[] _chunks = new char[]?[MaxChunks];   // a fixed array, not a list: the indexer thread reads it while the loader adds
    private int _chunkCount;
    private int _used = ChunkSize;                        // chars used of the last chunk (full: no chunk yet)
    private readonly List<string> _oversize = [];
    private int _rows;
    private int _keys;
    private long[] _slots = new long[512];                // (hash << 32) | (newest row of the key + 1); 0: empty. Power-of-two length, at most half full.

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
        _maxInline = Math.Min(0x7FFF, ChunkSize / (3 * (spec.Columns.Count + 1)));
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
    public int Count => _rows;

    /// <summary>Distinct keys indexed.</summary>
    public int KeyCount => _keys;

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
        using var indexer = new Indexer(this);
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
            Ensure(ref batch.Chars, at);
            Put(ref batch.Chars, ref at, key);
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
                Put(ref batch.Chars, ref at, cell);
            }
            if (!any)
            {
                // Nothing to join: the row is dropped (not handed over; its chars are overwritten), a long key with it.
                if (batch.Chars[begin + 4] == Oversize) lock (_oversize) _oversize[batch.Chars[begin + 5] << 16 | batch.Chars[begin + 6]] = "";
                continue;
            }
            var state = pending ? Raw : 1;           // nothing to normalize: arena 0's blank outcomes
            batch.Chars[begin + 2] = (char)(state & 0xFFFF);
            batch.Chars[begin + 3] = (char)(state >>> 16);
            indexer.Add(at - begin);
        }
        indexer.Finish();
    }

    /// <summary>
    /// The second stage of a load, on its own thread: copies the rows the loading thread formatted into the chunks and links
    /// them into the key table (<see cref="AddRow"/>), in file order; batches of rows are handed over through a bounded queue.
    /// </summary>
    /// <remarks>
    /// Why: a load was one thread — CSV parse, row copy, key insert (a cache miss per contact in a table far larger than
    /// the cache), fresh chunk pages faulted in — while the second core idled before the main file starts. The loading
    /// thread now only parses and formats; the indexer stores and inserts, each slot hinted <see cref="InsertLag"/> rows
    /// before it is needed. Thread safety: during the load the indexer alone touches the chunks, the slots and the counts;
    /// the loading thread only writes the batch it holds (the queue orders the hand-over) and appends long cells to the
    /// locked _oversize list. Nothing of the table is read before <see cref="Finish"/> returns (it waits for the indexer).
    /// </remarks>
    private sealed class Indexer : IDisposable
    {
        private const int BatchRows = 4096;
        private const int InsertLag = 8;

        /// <summary>Rows formatted as they will be stored, one after another; the indexer fills in the link chars.</summary>
        public sealed class RowBatch
        {
            public char[] Chars = new char[1 << 18];
            public int Used;
            public readonly int[] Lengths = new int[BatchRows];
            public readonly int[] Hashes = new int[BatchRows];   // the indexer's: each row's key hash
            public int Count;
        }

        private readonly JoinTable _table;
        private readonly BlockingCollection<RowBatch> _full = new(boundedCapacity: 8);
        private readonly ConcurrentQueue<RowBatch> _free = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _task;
        private Exception? _error;

        public Indexer(JoinTable table)
        {
            _table = table;
            _task = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        /// <summary>The batch the loading thread writes its next row to, from <see cref="RowBatch.Used"/> on.</summary>
        public RowBatch Batch { get; private set; } = new();

        /// <summary>Ends the row just written to <see cref="Batch"/>: <paramref name="length"/> chars.</summary>
        public void Add(int length)
        {
            var b = Batch;
            b.Lengths[b.Count] = length;
            b.Used += length;
            if (++b.Count == BatchRows) Flush();
        }

        /// <summary>Waits until every row handed over is stored and indexed; throws what stopped the indexer, if anything did.</summary>
        public void Finish()
        {
            if (Batch.Count > 0) Flush();
            _full.CompleteAdding();
            _task.Wait();
            if (_error is not null) ExceptionDispatchInfo.Throw(_error);
        }

        private void Flush()
        {
            try
            {
                _full.Add(Batch, _stop.Token);
            }
            catch (OperationCanceledException) when (_error is not null)
            {
                ExceptionDispatchInfo.Throw(_error);
            }
            Batch = _free.TryDequeue(out var free) ? free : new RowBatch();
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // one call a load (see Add)
        private void Run()
        {
            try
            {
                foreach (var batch in _full.GetConsumingEnumerable(_stop.Token))
                {
                    var count = batch.Count;
                    // The keys hashed here, not on the loading thread: its parse is what the load waits for.
                    for (int i = 0, at = 0; i < count; at += batch.Lengths[i++])
                    {
                        var keyAt = at + 4;
                        batch.Hashes[i] = string.GetHashCode(_table.Read(batch.Chars, ref keyAt));
                    }
                    for (var i = 0; i < Math.Min(InsertLag, count); i++) _table.PrefetchSlot(batch.Hashes[i]);
                    var from = 0;
                    for (var i = 0; i < count; i++)
                    {
                        if (i + InsertLag < count) _table.PrefetchSlot(batch.Hashes[i + InsertLag]);
                        var length = batch.Lengths[i];
                        var row = _table.Store(batch.Chars.AsSpan(from, length));
                        from += length;
                        _table.AddRow(row, batch.Hashes[i]);
                    }
                    batch.Count = 0;
                    batch.Used = 0;
                    _free.Enqueue(batch);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // the load failed on the loading thread (Dispose): nothing more to index
            }
            catch (Exception e)
            {
                _error = e;
                _stop.Cancel();   // unblocks a loading thread waiting for room in the queue
            }
        }

        /// <summary>Stops the indexer (a load that failed half-way) and waits for it: no thread touches the table after the load returns.</summary>
        public void Dispose()
        {
            if (!_full.IsAddingCompleted)
            {
                _stop.Cancel();
                _full.CompleteAdding();
            }
            try { _task.Wait(); } catch (AggregateException) { }
            _full.Dispose();
            _stop.Dispose();
        }
    }

    private unsafe void PrefetchSlot(int hash)
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref _slots[hash & (_slots.Length - 1)]));
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
            Ensure(ref buffer, length + 2);
            buffer[length++] = WarningEntry;
            buffer[length++] = (char)(-2 - known);
            return;
        }
        Ensure(ref buffer, length + 3);
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
                Ensure(ref buffer, length + 2);
                buffer[length++] = WarningEntry;
                buffer[length++] = (char)w;
                return;
            case NormalizeStatus.Normalized when IdentifierKinds.IsHashed(kind):
                Ensure(ref buffer, length + 17);
                buffer[length++] = DigestEntry;
                Digest(r.Value!, MemoryMarshal.AsBytes(buffer.AsSpan(length, 16)));
                length += 16;
                return;
            default:
                var value = r.Value!;
                Ensure(ref buffer, length + 3 + value.Length);
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

    private static void Ensure(ref char[] buffer, int size)
    {
        if (size > buffer.Length) Array.Resize(ref buffer, Math.Max(size, buffer.Length * 2));
    }

    /// <summary>Copies a formatted row into the chunks; returns its handle.</summary>
    private int Store(ReadOnlySpan<char> row)
    {
        var start = Reserve(row.Length);
        row.CopyTo(_chunks[_chunkCount - 1]!.AsSpan(start & (ChunkSize - 1)));
        _used = (start & (ChunkSize - 1)) + row.Length;
        return start;
    }

    /// <summary>Room for <paramref name="size"/> chars in one chunk, at an even offset (the row's state is an aligned int); returns its global offset (the row's handle).</summary>
    private int Reserve(int size)
    {
        _used = (_used + 1) & ~1;
        if (_used + size > ChunkSize)
        {
            if (_chunkCount >= MaxChunks)
                throw new InvalidOperationException("The join index is full (2^31 characters of keys and cells).");
            _chunks[_chunkCount++] = GC.AllocateUninitializedArray<char>(ChunkSize);
            _used = 0;
        }
        return (_chunkCount - 1) << ChunkBits | _used;
    }

    /// <summary>Writes one cell (empty: none) as its length char and chars, or as an index into _oversize.</summary>
    private void Put(ref char[] row, ref int at, ReadOnlySpan<char> cell)
    {
        Ensure(ref row, at + 3 + Math.Min(cell.Length, _maxInline));
        if (cell.Length > _maxInline)
        {
            int index;
            lock (_oversize)   // the indexer thread may be reading a long key meanwhile
            {
                index = _oversize.Count;
                _oversize.Add(cell.ToString());
            }
            row[at++] = Oversize;
            row[at++] = (char)(index >>> 16);
            row[at++] = (char)(index & 0xFFFF);
            return;
        }
        row[at++] = (char)cell.Length;
        cell.CopyTo(row.AsSpan(at));
        at += cell.Length;
    }

    /// <summary>Links the row written at <paramref name="row"/> (its link chars still blank; <paramref name="hash"/> its key's) into its key's chain, newest first.</summary>
    private void AddRow(int row, int hash)
    {
        _rows++;
        ref var slot = ref FindSlot(RowKey(row), hash);
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

    // A dozen calls a load, the last ones over a million slots: tier 0 code took ~7 % of a load (perf).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    // A row at handle h: two chars of the handle of the key's previous row (None: first), two of state, the key, then
    // each column's cell.
    private void SetNext(int row, int next)
    {
        var chunk = _chunks[row >> ChunkBits]!;
        var at = row & (ChunkSize - 1);
        chunk[at] = (char)(next >>> 16);
        chunk[at + 1] = (char)(next & 0xFFFF);
    }

    private int Next(int row)
    {
        var chunk = _chunks[row >> ChunkBits]!;
        var at = row & (ChunkSize - 1);
        return chunk[at] << 16 | chunk[at + 1];
    }

    /// <summary>The row's state: rows start at even offsets, so chars 2-3 are an aligned int (atomic to read and swap).</summary>
    private ref int State(int row) =>
        ref Unsafe.As<char, int>(ref _chunks[row >> ChunkBits]![(row & (ChunkSize - 1)) + 2]);

    private ReadOnlySpan<char> RowKey(int row)
    {
        var at = (row & (ChunkSize - 1)) + 4;
        return Read(_chunks[row >> ChunkBits]!, ref at);
    }

    private ReadOnlySpan<char> Read(char[] chunk, scoped ref int at)
    {
        var length = chunk[at++];
        if (length == Oversize)
        {
            var index = chunk[at] << 16 | chunk[at + 1];
            at += 2;
            lock (_oversize) return _oversize[index];   // rare (cells over _maxInline chars); the list may grow during the load
        }
        var cell = new ReadOnlySpan<char>(chunk, at, length);
        at += length;
        return cell;
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
        ref var state = ref State(row);
        var spin = new SpinWait();
        while (true)
        {
            var s = Volatile.Read(ref state);
            if (s > 0) return (Volatile.Read(ref _arenas)[(s - 1) >> ChunkBits]!, (s - 1) & (ChunkSize - 1));
            if (s == InPlace) return (_chunks[row >> ChunkBits]!, LazyRegion(row));
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
        var chunk = _chunks[row >> ChunkBits]!;
        var at = (row & (ChunkSize - 1)) + 4;
        for (var p = 0; p <= _keptCount; p++) Skip(chunk, ref at);
        return at;
    }

    private static void Skip(char[] chunk, ref int at) => at += chunk[at] == Oversize ? 3 : 1 + chunk[at];

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
        var chunk = _chunks[row >> ChunkBits]!;
        var region = LazyRegion(row);
        var at = region;
        foreach (var i in _lazyColumns)
        {
            var cell = Read(chunk, ref at);
            var start = length;
            Ensure(ref buffer, length + 2);
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
            if (chunk[at] == Oversize) lock (_oversize) _oversize[chunk[at + 1] << 16 | chunk[at + 2]] = "";
            Skip(chunk, ref at);
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
    internal bool OutcomesInRow(int row) => Volatile.Read(ref State(row)) == InPlace;

    /// <summary>For tests: every char the index holds (rows, long cells, arenas), to show what is and is not kept.</summary>
    internal string IndexText()
    {
        var text = new StringBuilder();
        for (var c = 0; c < _chunkCount; c++) text.Append(_chunks[c]!, 0, c == _chunkCount - 1 ? _used : ChunkSize);
        lock (_oversize) foreach (var o in _oversize) text.Append(o);
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
        var chunk = _chunks[row >> ChunkBits]!;
        var at = (row & (ChunkSize - 1)) + 4;
        for (var p = _position[column]; p >= 0; p--) Skip(chunk, ref at);   // the key and the kept cells before
        return Read(chunk, ref at);
    }

    /// <summary>
    /// Adds the handles of the rows whose key is <paramref name="key"/> (trimmed, a spreadsheet's leading apostrophe
    /// removed) to <paramref name="into"/>, in file order. A placeholder (<c>-</c>, <c>N/A</c>) matches nothing.
    /// </summary>
    public void Lookup(ReadOnlySpan<char> key, List<int> into)
    {
        key = TextCleaner.WithoutTextMarker(key.Trim());
        if (key.IsEmpty || Placeholders.IsPlaceholderKey(key)) return;
        var slot = FindSlot(key, string.GetHashCode(key));
        if (slot == 0) return;
        var start = into.Count;
        for (var row = RowOf(slot); row != None; row = Next(row)) into.Add(row);
        // The chain runs newest first: restore file order.
        if (into.Count - start > 1) into.Reverse(start, into.Count - start);
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
    public unsafe void Prefetch(ReadOnlySpan<char> cell, bool rows)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        var slots = _slots;
        var mask = slots.Length - 1;
        foreach (var range in cell.SplitAny(';', ','))
        {
            var key = TextCleaner.WithoutTextMarker(cell[range].Trim());
            if (key.IsEmpty) continue;
            var hash = string.GetHashCode(key);
            if (!rows)
            {
                PrefetchSlot(hash);
                continue;
            }
            var slot = slots[hash & mask];
            if (slot == 0 || (int)(slot >> 32) != hash) continue;   // a miss, or a collision the lookup will probe past
            var row = RowOf(slot);
            ref var start = ref _chunks[row >> ChunkBits]![row & (ChunkSize - 1)];
            // The row's key and first cells: two cache lines (a contact's row is ~100 chars).
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref start));
            System.Runtime.Intrinsics.X86.Sse.Prefetch0((byte*)Unsafe.AsPointer(ref start) + 64);
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
