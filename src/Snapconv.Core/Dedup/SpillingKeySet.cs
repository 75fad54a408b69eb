namespace Snapconv.Core.Dedup;

/// <summary>
/// An exact set of 64-bit keys whose memory stays bounded however many keys it holds. Recent keys live in a
/// fixed native table (<see cref="FixedKeyTable"/>, 16 bytes a key of capacity); when it reaches <see cref="SpillingKeySetOptions.MemoryKeys"/> keys they are
/// sorted into a temporary run file and summarised in memory by a Bloom filter (≈ 1.25 bytes a key) and a
/// fence index (one key per 4 KiB page). A key that a run's filter may hold is confirmed by reading one page
/// of that run, so the answer stays exact and the disk is read only for true repeats and ≈ 1 % of new keys
/// per run. Run files hold key hashes only, are deleted on dispose, and are opened delete-on-close.
/// Not thread-safe.
/// </summary>
public sealed class SpillingKeySet : IDisposable
{
    private readonly SpillingKeySetOptions _options;
    private readonly List<SpilledKeyRun> _runs = [];
    private readonly FixedKeyTable _memory;

    public SpillingKeySet(SpillingKeySetOptions? options = null)
    {
        _options = options ?? new SpillingKeySetOptions();
        _memory = new FixedKeyTable(_options.MemoryKeys);
    }

    public long Count { get; private set; }

    /// <summary>Runs written to disk so far.</summary>
    public int SpilledRuns => _runs.Count;

    /// <summary>Adds <paramref name="key"/>; false when it was already present. 0 and 1 are the same key.</summary>
    public bool Add(ulong key)
    {
        if (key == 0) key = 1;
        if (Contains(key)) return false;
        _memory.Add(key);
        Count++;
        if (_memory.Count >= _options.MemoryKeys) Spill();
        return true;
    }

    public bool Contains(ulong key)
    {
        if (key == 0) key = 1;
        if (_memory.Contains(key)) return true;
        foreach (var run in _runs)
            if (run.Contains(key)) return true;
        return false;
    }

    /// <summary>Hints the CPU to fetch the memory <see cref="Add"/> will touch for <paramref name="key"/>.</summary>
    public void Prefetch(ulong key)
    {
        if (key == 0) key = 1;
        _memory.Prefetch(key);
        foreach (var run in _runs) run.Prefetch(key);
    }

    private void Spill() => _memory.Drain(keys => _runs.Add(SpilledKeyRun.Write(keys, _options.Directory)));

    public void Dispose()
    {
        foreach (var run in _runs) run.Dispose();
        _runs.Clear();
        _memory.Dispose();
    }
}

/// <summary>When a <see cref="SpillingKeySet"/> spills, and where.</summary>
public sealed record SpillingKeySetOptions
{
    /// <summary>Keys kept in memory before they are written out (16 bytes each of native memory, reserved up front).</summary>
    public int MemoryKeys { get; init; } = 1 << 20;

    /// <summary>Folder for run files; default the system temp folder.</summary>
    public string? Directory { get; init; }
}
