using System.Text.Json;
using Snapconv.Core.Pipeline;
using Snapconv.Delivery.Upload;

namespace Snapconv.Delivery.Tests.Upload;

public class DeliveryStatsTests
{
    [Fact]
    public void WriteTo_Report_DeliveryKeysInTheOrderOfARun_WithTheirCounts()
    {
        var stats = new DeliveryStats { SentCount = 10, AcknowledgedCount = 7, SkippedCount = 1, RejectedCount = 2, FailedCount = 1, RetryCount = 3, ThrottledCount = 2, RequestCount = 6 };
        var report = new RunReport();
        stats.WriteTo(report);
        report.Extra["sample_gate_tripped"] = 1;
        stats.WriteTo(report);   // written again (a job run writes them once more after the sink): the keys keep their places

        using var ms = new MemoryStream();
        report.WriteJson(ms);
        using var doc = JsonDocument.Parse(ms.ToArray());
        var names = doc.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        var from = names.IndexOf("identifier_coverage") + 1;
        Assert.Equal(
            ["sent", "acknowledged", "skipped_already_acknowledged", "rejected_by_api", "failed_pending", "retries", "throttled", "requests", "sample_gate_tripped"],
            names.Skip(from).Take(9));
        Assert.Equal(7, doc.RootElement.GetProperty("acknowledged").GetInt64());
        Assert.Equal(2, doc.RootElement.GetProperty("rejected_by_api").GetInt64());
        Assert.Equal(6, doc.RootElement.GetProperty("requests").GetInt64());
    }
}
