using System.Runtime.CompilerServices;

namespace Snapconv.Sandbox.Dedup;

/// <summary>
/// Map from an id (bytes + event name id) to the index of the newest stored event with it: open addressing
/// with linear probing, the hash and the key's arena place inline in the slot. A lookup of a new id usually
/// touches one slot (one cache line) where a <see cref="Dictionary{TKey,TValue}"/> touches a bucket and an
/// entry; growth rehashes from the stored hashes without reading key bytes. Nothing is ever removed:
/// <see cref="Find"/> returns the free slot where the caller may then <see cref="Insert"/>. Not thread-safe.
/// </summary>
internal sealed class IdTable(DedupIndex.IdArena arena)
{
    private struct Slot
    {
        public int Hash;
        /// <summary>Event index stored for the id (valid when <see cref="LengthPlusOne"/> &gt; 0).</summary>
        public int Head;
        public int Chunk;
        public int Offset;
        /// <summary>The id's byte length + 1; 0 marks a free slot.</summary>
        public int LengthPlusOne;
        public int Name;
    }

    private Slot[] _slots = new Slot[256];
    private int _count;

    /// <summary>Ids in the table.</summary>
    public int Count => _count;

    /// <summary>
    /// The slot of <paramref name="probe"/>'s id: <paramref name="found"/> true when it is in the table, else the
    /// free slot where it would go. The slot stays valid until the next <see cref="Insert"/>.
    /// </summary>
    public int Find(in DedupIndex.IdProbe probe, out bool found)
    {
        // Grow before looking, so the free slot returned is still the right one at Insert (load ≤ 1/2).
        if ((_count + 1) * 2 > _slots.Length) Grow();
        var slots = _slots;
        var mask = slots.Length - 1;
        var i = Mix(probe.Hash) & mask;
        while (true)
        {
            ref var s = ref slots[i];
            if (s.LengthPlusOne == 0)
            {
                found = false;
                return i;
            }
            if (s.Hash == probe.Hash && s.Name == probe.Name && s.LengthPlusOne - 1 == probe.Bytes.Length
                && probe.Bytes.SequenceEqual(arena.Get(s.Chunk, s.Offset, s.LengthPlusOne - 1)))
            {
                found = true;
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    /// <summary>The event index kept in an occupied <paramref name="slot"/> (from <see cref="Find"/>).</summary>
    public ref int Head(int slot) => ref _slots[slot].Head;

    /// <summary>Stores <paramref name="probe"/>'s id (its bytes copied to the arena) in the free <paramref name="slot"/> that <see cref="Find"/> returned.</summary>
    public void Insert(int slot, in DedupIndex.IdProbe probe, int head)
    {
        ref var s = ref _slots[slot];
        var (chunk, offset) = arena.Append(probe.Bytes);
        s.Hash = probe.Hash;
        s.Head = head;
        s.Chunk = chunk;
        s.Offset = offset;
        s.LengthPlusOne = probe.Bytes.Length + 1;
        s.Name = probe.Name;
        _count++;
    }

    /// <summary>True when the id is in the table; <paramref name="head"/> is its event index.</summary>
    public bool TryGetValue(in DedupIndex.IdProbe probe, out int head)
    {
        var slot = Find(probe, out var found);
        head = found ? _slots[slot].Head : -1;
        return found;
    }

    private void Grow()
    {
        var old = _slots;
        var slots = new Slot[old.Length * 2];
        var mask = slots.Length - 1;
        foreach (ref readonly var s in old.AsSpan())
        {
            if (s.LengthPlusOne == 0) continue;
            var i = Mix(s.Hash) & mask;
            while (slots[i].LengthPlusOne != 0) i = (i + 1) & mask;
            slots[i] = s;
        }
        _slots = slots;
    }

    /// <summary>Spreads the hash's bits over the low ones the mask keeps (Fibonacci hashing).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Mix(int hash) => (int)(((uint)hash * 0x9E3779B9u) ^ ((uint)hash >> 15));
}
