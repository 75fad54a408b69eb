using System.Text;
using Snapconv.Core.Dedup;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;
using Xunit;

namespace Snapconv.Core.Tests.Dedup;

public sealed class SpillingKeySetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("snapconv-spill-test").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Add_WithManySpills_AgreesWithHashSet()
    {
        var random = new Random(7);
        var reference = new HashSet<ulong>();
        using var set = new SpillingKeySet(new SpillingKeySetOptions { MemoryKeys = 1_000, Directory = _dir });
        var pool = new List<ulong>();
        for (var i = 0; i < 60_000; i++)
        {
            // a third of the adds repeat a key seen at any earlier time, so repeats land in every run
            var key = pool.Count > 0 && random.Next(3) == 0 ? pool[random.Next(pool.Count)] : (ulong)random.NextInt64() ^ ((ulong)random.Next() << 40);
            pool.Add(key);
            Assert.Equal(reference.Add(key == 0 ? 1 : key), set.Add(key));
        }
        Assert.Equal(reference.Count, set.Count);
        Assert.True(set.SpilledRuns >= 30, $"{set.SpilledRuns} runs");
        foreach (var k in reference) Assert.True(set.Contains(k));
        var misses = 0;
        for (var i = 0; i < 10_000; i++)
        {
            var k = (ulong)random.NextInt64();
            if (!reference.Contains(k) && set.Contains(k)) misses++;
        }
        Assert.Equal(0, misses);
    }

    [Fact]
    public void RunFiles_AreUnlinkedAtOnce_AndStillAnswer()
    {
        var set = new SpillingKeySet(new SpillingKeySetOptions { MemoryKeys = 100, Directory = _dir });
        for (ulong k = 1; k <= 1_000; k++) set.Add(k * 0x9E3779B97F4A7C15UL);
        Assert.Equal(10, set.SpilledRuns);
        // the runs are unlinked as soon as they are open (Unix), so nothing is left even if the process dies
        if (!OperatingSystem.IsWindows()) Assert.Empty(Directory.GetFiles(_dir));
        for (ulong k = 1; k <= 1_000; k++) Assert.True(set.Contains(k * 0x9E3779B97F4A7C15UL));
        set.Dispose();
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public async Task Pipeline_WithTinyDedupMemory_CountsTheSameDuplicates()
    {
        var input = Path.Combine(_dir, "orders.csv");
        var sb = new StringBuilder("order_id,transaction_date,email,amount,currency,event_type\n");
        for (var i = 0; i < 20_000; i++) sb.Append($"O-{i},2026-11-01T10:00:00Z,u{i}@example.com,10.00,USD,PURCHASE\n");
        for (var i = 0; i < 20_000; i += 7) sb.Append($"O-{i},2026-11-01T10:00:00Z,u{i}@example.com,10.00,USD,PURCHASE\n");
        await File.WriteAllTextAsync(input, sb.ToString());
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-11-20T00:00:00Z"));
        var options = new ConversionOptions { DefaultCountry = "US" };

        var spilled = await ConversionRun.ExecuteAsync([input], options, new ConversionOutputs(), clock, CancellationToken.None,
            pipeline: new PipelineOptions { Dedup = new SpillingKeySetOptions { MemoryKeys = 500, Directory = Path.Combine(_dir, "runs") } });
        var inMemory = await ConversionRun.ExecuteAsync([input], options, new ConversionOutputs(), clock, CancellationToken.None);

        Assert.Equal(2_858, spilled.Report.Duplicates);
        Assert.Equal(20_000, spilled.Report.Accepted);
        Assert.Equal(inMemory.Report.Duplicates, spilled.Report.Duplicates);
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "runs")));
    }
}
