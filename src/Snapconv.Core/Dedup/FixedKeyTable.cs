using System.Numerics;
using System.Runtime.InteropServices;

namespace Snapconv.Core.Dedup;

/// <summary>
/// A fixed-capacity open-addressing set of 64-bit keys in native memory, for the recent keys of a
/// <see cref="SpillingKeySet"/>: sized once for its capacity at half load (16 MiB for 1M keys), never grown,
/// never moved or scanned by the GC; emptied in place after its keys are spilled. Keys are well-mixed
/// hashes; 0 marks a free slot, so callers map 0 to 1. Not thread-safe.
/// </summary>
internal sealed unsafe class FixedKeyTable : IDisposable
{
    private readonly ulong _mask;
    private ulong* _slots;

    public FixedKeyTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        var slots = (ulong)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, capacity * 2L));
        _mask = slots - 1;
        _slots = (ulong*)NativeMemory.AllocZeroed((nuint)slots, sizeof(ulong));
    }

    /// <summary>Keys it may hold (the caller spills when <see cref="Count"/> reaches it).</summary>
    public int Capacity { get; }

    public int Count { get; private set; }

    private ulong SlotCount => _mask + 1;

    /// <summary>Adds <paramref name="key"/> (non-zero); false when present. Throws when full.</summary>
    public bool Add(ulong key)
    {
        for (var i = key & _mask; ; i = (i + 1) & _mask)
        {
            var slot = _slots[i];
            if (slot == key) return false;
            if (slot == 0)
            {
                if (Count == Capacity) throw new InvalidOperationException("the key table is full; spill first");
                _slots[i] = key;
                Count++;
                return true;
            }
        }
    }

    public bool Contains(ulong key)
    {
        for (var i = key & _mask; ; i = (i + 1) & _mask)
        {
            var slot = _slots[i];
            if (slot == key) return true;
            if (slot == 0) return false;
        }
    }

    /// <summary>Hints the CPU to fetch the first slot <paramref name="key"/> probes.</summary>
    public void Prefetch(ulong key)
    {
        if (System.Runtime.Intrinsics.X86.Sse.IsSupported)
            System.Runtime.Intrinsics.X86.Sse.Prefetch0(_slots + (key & _mask));
    }

    /// <summary>
    /// Moves every key to the front of the table, sorts them ascending and passes them to
    /// <paramref name="spill"/>; then the table is empty. No managed memory is allocated.
    /// </summary>
    public void Drain(SpillAction spill)
    {
        var all = new Span<ulong>(_slots, checked((int)SlotCount));
        var n = 0;
        for (var i = 0; i < all.Length; i++)
            if (all[i] != 0) all[n++] = all[i];
        var keys = all[..n];
        keys.Sort();
        spill(keys);
        all.Clear();
        Count = 0;
    }

    public delegate void SpillAction(ReadOnlySpan<ulong> sortedKeys);

    public void Dispose()
    {
        if (_slots is null) return;
        NativeMemory.Free(_slots);
        _slots = null;
        GC.SuppressFinalize(this);
    }

    ~FixedKeyTable()
    {
        if (_slots is not null) NativeMemory.Free(_slots);
    }
}
