using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Snapconv.Core.Dedup;

/// <summary>
/// Sorted 64-bit keys in a temporary file, with what memory needs to answer "is this key in the run" while
/// reading at most one 4 KiB page: a blocked Bloom filter (10 bits a key, one cache line per key: ≈ 1 % false
/// positives) and the first key of every page.
/// </summary>
internal sealed class SpilledKeyRun : IDisposable
{
    private const int KeysPerPage = 512;
    private const int PageBytes = KeysPerPage * sizeof(ulong);

    private readonly SafeFileHandle _file;
    private readonly ulong[] _pageFirstKeys;
    private readonly long _count;
    private readonly BlockedBloomFilter _filter;

    private SpilledKeyRun(SafeFileHandle file, ulong[] pageFirstKeys, long count, BlockedBloomFilter filter)
    {
        _file = file;
        _pageFirstKeys = pageFirstKeys;
        _count = count;
        _filter = filter;
    }

    /// <summary>Writes <paramref name="sortedKeys"/> (ascending, distinct) to a new delete-on-close file.</summary>
    public static SpilledKeyRun Write(ReadOnlySpan<ulong> sortedKeys, string? directory)
    {
        var folder = directory ?? Path.GetTempPath();
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"snapconv-dedup-{Guid.NewGuid():N}.keys");
        var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None,
            FileOptions.DeleteOnClose | FileOptions.RandomAccess);
        try
        {
            // On Unix the name can go at once (the open handle keeps the data), so even a killed run leaves no file.
            if (!OperatingSystem.IsWindows()) File.Delete(path);
            // Native byte order: the file lives and dies with this process.
            RandomAccess.Write(file, MemoryMarshal.AsBytes(sortedKeys), 0);
            var pages = (sortedKeys.Length + KeysPerPage - 1) / KeysPerPage;
            var firsts = new ulong[pages];
            for (var p = 0; p < pages; p++) firsts[p] = sortedKeys[p * KeysPerPage];
            var filter = new BlockedBloomFilter(sortedKeys.Length);
            foreach (var k in sortedKeys) filter.Add(k);
            return new SpilledKeyRun(file, firsts, sortedKeys.Length, filter);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public void Prefetch(ulong key) => _filter.Prefetch(key);

    public bool Contains(ulong key)
    {
        if (!_filter.MayContain(key)) return false;
        // the page whose first key is the last one ≤ key
        var i = Array.BinarySearch(_pageFirstKeys, key);
        if (i >= 0) return true;
        var page = ~i - 1;
        if (page < 0) return false;
        var keysInPage = (int)Math.Min(KeysPerPage, _count - (long)page * KeysPerPage);
        Span<byte> buffer = stackalloc byte[PageBytes];
        var bytes = buffer[..(keysInPage * sizeof(ulong))];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = RandomAccess.Read(_file, bytes[read..], (long)page * PageBytes + read);
            if (n <= 0) throw new IOException("the dedup run file ended early");
            read += n;
        }
        return MemoryMarshal.Cast<byte, ulong>(bytes).BinarySearch(key) >= 0;
    }

    public void Dispose() => _file.Dispose();
}

/// <summary>
/// A Bloom filter whose bits for one key all sit in one 64-byte block (one cache miss a lookup): 10 bits a
/// key and 7 probes give ≈ 1 % false positives. Keys must already be well-mixed hashes.
/// </summary>
internal sealed class BlockedBloomFilter
{
    private const int WordsPerBlock = 8;
    private const int Probes = 7;
    private readonly ulong[] _words;
    private readonly ulong _blocks;

    public BlockedBloomFilter(long expectedKeys)
    {
        var bits = Math.Max(512, expectedKeys * 10);
        _blocks = (ulong)((bits + 511) / 512);
        _words = new ulong[_blocks * WordsPerBlock];
    }

    public void Add(ulong key)
    {
        var block = Block(key);
        var h = Mix(key);
        for (var i = 0; i < Probes; i++, h >>= 9)
        {
            var bit = (int)(h & 511);
            _words[block + (bit >> 6)] |= 1UL << bit;
        }
    }

    public bool MayContain(ulong key)
    {
        var block = Block(key);
        var h = Mix(key);
        for (var i = 0; i < Probes; i++, h >>= 9)
        {
            var bit = (int)(h & 511);
            if ((_words[block + (bit >> 6)] & (1UL << bit)) == 0) return false;
        }
        return true;
    }

    public unsafe void Prefetch(ulong key)
    {
        if (!System.Runtime.Intrinsics.X86.Sse.IsSupported) return;
        // A hint only: the address is read, never dereferenced, so a moved array costs nothing but the hint.
        System.Runtime.Intrinsics.X86.Sse.Prefetch0(Unsafe.AsPointer(ref _words[Block(key)]));
    }

    private long Block(ulong key) => (long)(((key >> 32) * _blocks) >> 32) * WordsPerBlock;

    private static ulong Mix(ulong key) => (key ^ (key >> 29)) * 0xBF58476D1CE4E5B9UL;
}
