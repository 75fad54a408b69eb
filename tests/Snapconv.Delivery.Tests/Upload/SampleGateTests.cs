using System.Globalization;
using System.Text;
using Snapconv.Core.Pipeline;
using Snapconv.Delivery.Upload;

namespace Snapconv.Delivery.Tests.Upload;

/// <summary>The first-sample gate decides on exactly rows 1..1,000 (rejected among them), nothing after.</summary>
public class SampleGateTests
{
    /// <summary>Writes <paramref name="rows"/> rows; the 1-based rows in <paramref name="bad"/> have an unreadable event time.</summary>
    private static string WriteCsv(string dir, int rows, ISet<int> bad)
    {
        var path = Path.Combine(dir, "gate.csv");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 7_200;
        var sb = new StringBuilder("order_id,transaction_date,email,phone,first_name,last_name,city,state,zip,country,amount,currency,event_type,channel\n");
        for (var i = 1; i <= rows; i++)
        {
            var time = bad.Contains(i) ? "not-a-date" : (now - i).ToString(CultureInfo.InvariantCulture);
            sb.Append(CultureInfo.InvariantCulture, $"ORD-{i},{time},user{i}@example.com,+1206555{i % 10_000:D4},Ann,Lee,Seattle,WA,98101,US,10.00,USD,purchase,in-store\n");
        }
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    [Theory]
    // 100 of the first 1,000 rejected (10 %), row 1,000 among them, and 20 more right after: passes.
    [InlineData(100, 20, false)]
    // 101 of the first 1,000 rejected: trips, even with every row after it valid.
    [InlineData(101, 0, true)]
    // 100 of the first 1,000 rejected and none after: passes (the boundary is "more than 10 %").
    [InlineData(100, 0, false)]
    public async Task Gate_DecidesOnExactlyTheFirstThousandRows(int rejectsInSample, int rejectsJustAfter, bool trips)
    {
        await using var sandbox = await DeliveryHarness.StartSandboxAsync();
        var dir = DeliveryHarness.TempDir();
        // Rejected rows end the sample (…, 999, 1,000) and start what follows (1,001, …).
        var bad = Enumerable.Range(1_001 - rejectsInSample, rejectsInSample).Concat(Enumerable.Range(1_001, rejectsJustAfter)).ToHashSet();
        var file = WriteCsv(dir, 1_200, bad);
        var options = DeliveryHarness.Options(sandbox, Path.Combine(dir, "state")) with { BatchSize = 200 };
        var conversion = DeliveryHarness.Conversion(options.PixelId);

        var r = await new UploadRun(options, TimeProvider.System).ExecuteAsync([file], conversion, new ConversionOutputs(), CancellationToken.None);

        Assert.Equal(1_200, r.Report.Rows);
        Assert.Equal(bad.Count, r.Report.Rejected);
        if (trips)
        {
            Assert.Equal(UploadOutcome.SampleGateTripped, r.Outcome);
            Assert.Equal(0, r.Stats.Sent);
            Assert.Empty(DeliveryHarness.StoredIds(sandbox));
        }
        else
        {
            Assert.Equal(UploadOutcome.Completed, r.Outcome);
            Assert.Equal(1_200 - bad.Count, DeliveryHarness.StoredIds(sandbox).Count);
        }
    }

    [Fact]
    public async Task Gate_InputShorterThanSample_DecidesOnAllRows()
    {
        await using var sandbox = await DeliveryHarness.StartSandboxAsync();
        var dir = DeliveryHarness.TempDir();
        var file = WriteCsv(dir, 300, Enumerable.Range(1, 31).ToHashSet()); // 31 / 300 > 10 %
        var options = DeliveryHarness.Options(sandbox, Path.Combine(dir, "state"));
        var r = await new UploadRun(options, TimeProvider.System).ExecuteAsync([file], DeliveryHarness.Conversion(options.PixelId), new ConversionOutputs(), CancellationToken.None);
        Assert.Equal(UploadOutcome.SampleGateTripped, r.Outcome);
        Assert.Empty(DeliveryHarness.StoredIds(sandbox));
    }
}
