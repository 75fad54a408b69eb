using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Text;

namespace Snapconv.Core.Mapping;

/// <summary>
/// The key index under a join's table (<see cref="JoinTable"/>): key → the rows with that key, rows numbered by handle in
/// file order. It stores rows and finds them; what a row's cells mean (which columns, normalized or kept as read) is the
/// table's.
/// </summary>
/// <remarks>
/// No object per row: each row — two chars of link to the key's previous row, two of state (an aligned int the table
/// owns), the key, then the table's cells, each behind one length char — is copied into 1M-char chunks and found through
/// an open-addressing table of (hash, newest row) slots, the rows of one key chained newest first. A cell longer than
/// fits a chunk's share goes to a list of long cells (its length char <see cref="Oversize"/>, two chars of index after).
/// Loading runs on two threads: the caller formats rows into a <see cref="Indexer"/>'s batches, which stores them and
/// inserts their keys on its own thread. Lookups are thread-safe once the load finished.
/// </remarks>
internal sealed class JoinIndex
{
    internal const int ChunkBits = 20;
    internal const int ChunkSize = 1 << ChunkBits;
    /// <summary>Chars before a row's key: two of link, two of state.</summary>
    internal const int HeaderChars = 4;
    private const char Oversize = '\uFFFF';                // length char of a cell kept in _oversize (two chars of index follow)
    private const int None = -1;

    private readonly int _maxInline;                      // longer cells go to _oversize, so that a row always fits one chunk
    private const int MaxChunks = 1 << (31 - ChunkBits);
    private readonly char[]?[] _chunks = new char[]?[MaxChunks];   // a fixed array, not a list: the indexer thread reads it while the loader adds
    private int _chunkCount;
    private int _used = ChunkSize;                        // chars used of the last chunk (full: no chunk yet)
    private readonly List<string> _oversize = [];
    private int _rows;
    private int _keys;
    private long[] _slots = new long[512];                // (hash << 32) | (newest row of the key + 1); 0: empty. Power-of-two length, at most half full.

    /// <param name="cellsPerRow">The cells a row holds after its key: long cells are kept aside so that a row fits a chunk.</param>
    public JoinIndex(int cellsPerRow) => _maxInline = Math.Min(0x7FFF, ChunkSize / (3 * (cellsPerRow + 1)));

    /// <summary>Rows indexed.</summary>
    public int Count => _rows;

    /// <summary>Distinct keys indexed.</summary>
    public int KeyCount => _keys;

    /// <summary>
    /// Adds the handles of the rows whose key is exactly <paramref name="key"/> to <paramref name="into"/>, in file order.
    /// </summary>
    public void AddRows(ReadOnlySpan<char> key, List<int> into)
    {
        var slot = FindSlot(key, string.GetHashCode(key));
        if (slot == 0) return;
        var start = into.Count;
        for (var row = RowOf(slot); row != None; row = Next(row)) into.Add(row);
        // The chain runs newest first: restore file order.
        if (into.Count - start > 1) into.Reverse(start, into.Count - start);
    }

    /// <summary>
    /// Hints the CPU to fetch what looking up <paramref name="key"/> will read: the slot it probes first, or (with
    /// <paramref name="row"/>, after a hint of the slot) the start of the row that slot names when its hash matches. A
    /// hint only: nothing changes. Thread-safe; a no-op without SSE.
    /// </summary>
    public unsafe void Prefetch(ReadOnlySpan<char> key, bool row)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        var hash = string.GetHashCode(key);
        if (!row)
        {
            PrefetchSlot(hash);
            return;
        }
        var slots = _slots;
        var slot = slots[hash & (slots.Length - 1)];
        if (slot == 0 || (int)(slot >> 32) != hash) return;   // a miss, or a collision the lookup will probe past
        var handle = RowOf(slot);
        ref var start = ref _chunks[handle >> ChunkBits]![handle & (ChunkSize - 1)];
        // The row's key and first cells: two cache lines (a contact's row is ~100 chars).
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref start));
        System.Runtime.Intrinsics.X86.Sse.Prefetch0((byte*)Unsafe.AsPointer(ref start) + 64);
    }

    /// <summary>The chunk that holds the row <paramref name="row"/>; the row starts at <see cref="Offset"/>.</summary>
    public char[] Chunk(int row) => _chunks[row >> ChunkBits]!;

    /// <summary>Where the row <paramref name="row"/> starts in its <see cref="Chunk"/>.</summary>
    public static int Offset(int row) => row & (ChunkSize - 1);

    /// <summary>Writes a row's state (the table's int) into a row being formatted at <paramref name="begin"/>.</summary>
    public static void SetState(char[] chars, int begin, int state)
    {
        chars[begin + 2] = (char)(state & 0xFFFF);
        chars[begin + 3] = (char)(state >>> 16);
    }

    /// <summary>Drops the long cell written at <paramref name="at"/>, if it is one (its row is dropped or its cell overwritten).</summary>
    public void Release(char[] chars, int at)
    {
        if (chars[at] == Oversize) lock (_oversize) _oversize[chars[at + 1] << 16 | chars[at + 2]] = "";
    }

    /// <summary>For tests: every char the index holds (rows and long cells).</summary>
    public void AppendText(StringBuilder text)
    {
        for (var c = 0; c < _chunkCount; c++) text.Append(_chunks[c]!, 0, c == _chunkCount - 1 ? _used : ChunkSize);
        lock (_oversize) foreach (var o in _oversize) text.Append(o);
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
    /// locked _oversize list. Nothing of the index is read before <see cref="Finish"/> returns (it waits for the indexer).
    /// </remarks>
    internal sealed class Indexer : IDisposable
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

        private readonly JoinIndex _table;
        private readonly BlockingCollection<RowBatch> _full = new(boundedCapacity: 8);
        private readonly ConcurrentQueue<RowBatch> _free = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _task;
        private Exception? _error;

        public Indexer(JoinIndex table)
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
    public void Put(ref char[] row, ref int at, ReadOnlySpan<char> cell)
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
    public ref int State(int row) =>
        ref Unsafe.As<char, int>(ref _chunks[row >> ChunkBits]![(row & (ChunkSize - 1)) + 2]);

    private ReadOnlySpan<char> RowKey(int row)
    {
        var at = (row & (ChunkSize - 1)) + 4;
        return Read(_chunks[row >> ChunkBits]!, ref at);
    }

    public ReadOnlySpan<char> Read(char[] chunk, scoped ref int at)
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

    /// <summary>Moves <paramref name="at"/> past one cell.</summary>
    public static void Skip(char[] chunk, ref int at) => at += chunk[at] == Oversize ? 3 : 1 + chunk[at];

    internal static void Ensure(ref char[] buffer, int size)
    {
        if (size > buffer.Length) Array.Resize(ref buffer, Math.Max(size, buffer.Length * 2));
    }
}
