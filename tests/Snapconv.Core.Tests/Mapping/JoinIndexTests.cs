using Snapconv.Core.Mapping;

namespace Snapconv.Core.Tests.Mapping;

/// <summary>The join's key index alone: rows stored and found by key, apart from what the join's cells mean.</summary>
public sealed class JoinIndexTests
{
    /// <summary>Loads (key, cell) rows as a join table does: header, key, then the cells.</summary>
    private static JoinIndex Load(params (string Key, string Cell)[] rows)
    {
        var index = new JoinIndex(cellsPerRow: 1);
        using var loader = new JoinIndex.Indexer(index);
        foreach (var (key, cell) in rows)
        {
            var batch = loader.Batch;
            var begin = batch.Used;
            var at = begin + JoinIndex.HeaderChars;
            JoinIndex.Ensure(ref batch.Chars, at);
            index.Put(ref batch.Chars, ref at, key);
            index.Put(ref batch.Chars, ref at, cell);
            loader.Add(at - begin);
        }
        loader.Finish();
        return index;
    }

    private static string CellOf(JoinIndex index, int row)
    {
        var chunk = index.Chunk(row);
        var at = JoinIndex.Offset(row) + JoinIndex.HeaderChars;
        JoinIndex.Skip(chunk, ref at);   // the key
        return index.Read(chunk, ref at).ToString();
    }

    [Fact]
    public void AddRows_KeyOfSeveralRows_GivesThemInFileOrder()
    {
        var index = Load(("k1", "a"), ("k2", "b"), ("k1", "c"), ("k1", "d"));
        var rows = new List<int>();

        index.AddRows("k1", rows);

        Assert.Equal(["a", "c", "d"], rows.Select(r => CellOf(index, r)));
        Assert.Equal(4, index.Count);
        Assert.Equal(2, index.KeyCount);
    }

    [Fact]
    public void AddRows_UnknownOrDifferentlyCasedKey_FindsNothing()
    {
        var index = Load(("Key", "a"));
        var rows = new List<int>();

        index.AddRows("key", rows);
        index.AddRows("other", rows);

        Assert.Empty(rows);
    }

    [Fact]
    public void Load_ManyKeysAndLongCells_EveryRowFoundWithItsCell()
    {
        // Enough keys to grow the slot table several times, and cells too long to keep inline (kept aside).
        var longCell = new string('x', JoinIndex.ChunkSize / 4);
        var rows = Enumerable.Range(0, 5_000).Select(i => ("key" + i, i % 1000 == 0 ? longCell + i : "cell" + i)).ToArray();
        var index = Load(rows);

        var found = new List<int>();
        foreach (var (key, cell) in rows)
        {
            found.Clear();
            index.AddRows(key, found);
            Assert.Equal(cell, CellOf(index, Assert.Single(found)));
        }
        Assert.Equal(5_000, index.KeyCount);
    }
}
