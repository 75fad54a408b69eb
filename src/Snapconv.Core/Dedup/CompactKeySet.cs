namespace Snapconv.Core.Dedup;

/// <summary>
/// A set of 64-bit keys in about 10 bytes a key (a <see cref="HashSet{T}"/> of <see cref="ulong"/> takes 20–40
/// and doubles all at once): 256 open-addressing tables, each growing on its own, so growth never needs a
/// second copy of the whole set. Keys are hash values: well spread, 0 stands in for 1. Not thread-safe.
/// </summary>
public sealed class CompactKeySet
{
    private const int PartitionBits = 8;
    private const int InitialCapacity = 64;
    private readonly ulong[][] _tables = new ulong[1 << PartitionBits][];
    private readonly int[] _counts = new int[1 << PartitionBits];

    public long Count { get; private set; }

    /// <summary>Adds <paramref name="key"/>; false when it was already present.</summary>
    public bool Add(ulong key)
    {
        if (key == 0) key = 1;
        var p = (int)(key >> (64 - PartitionBits));
        var table = _tables[p] ??= new ulong[InitialCapacity];
        if (!Insert(table, key)) return false;
        Count++;
        if (++_counts[p] * 5 > table.Length * 4) _tables[p] = Grow(table);
        return true;
    }

    /// <summary>True when <paramref name="key"/> is present.</summary>
    public bool Contains(ulong key)
    {
        if (key == 0) key = 1;
        var table = _tables[(int)(key >> (64 - PartitionBits))];
        if (table is null) return false;
        var mask = table.Length - 1;
        for (var i = (int)key & mask; ; i = (i + 1) & mask)
        {
            var slot = table[i];
            if (slot == key) return true;
            if (slot == 0) return false;
        }
    }

    /// <summary>Hints the CPU to fetch the slot <see cref="Add"/> or <see cref="Contains"/> will probe first.</summary>
    public unsafe void Prefetch(ulong key)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        if (key == 0) key = 1;
        var table = _tables[(int)(key >> (64 - PartitionBits))];
        if (table is null) return;
        // A hint only: the address is never dereferenced, so an array moved by the GC costs only the hint.
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(System.Runtime.CompilerServices.Unsafe.AsPointer(ref table[(int)key & (table.Length - 1)]));
    }

    /// <summary>Every key (0 stored as 1), ascending.</summary>
    public ulong[] ToSortedArray()
    {
        var keys = new ulong[Count];
        var n = 0;
        foreach (var table in _tables)
        {
            if (table is null) continue;
            foreach (var k in table)
                if (k != 0) keys[n++] = k;
        }
        Array.Sort(keys);
        return keys;
    }

    private static bool Insert(ulong[] table, ulong key)
    {
        var mask = table.Length - 1;
        for (var i = (int)key & mask; ; i = (i + 1) & mask)
        {
            var slot = table[i];
            if (slot == key) return false;
            if (slot == 0) { table[i] = key; return true; }
        }
    }

    private static ulong[] Grow(ulong[] table)
    {
        var bigger = new ulong[table.Length * 2];
        foreach (var k in table)
            if (k != 0) Insert(bigger, k);
        return bigger;
    }
}
