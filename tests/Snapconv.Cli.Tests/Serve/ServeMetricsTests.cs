using Snapconv.Jobs;
using Snapconv.Cli.Serve;

namespace Snapconv.Cli.Tests.Serve;

// #17: /metrics is OpenTelemetry's Prometheus exporter over System.Diagnostics.Metrics instruments.
public class ServeMetricsTests
{
    [Fact]
    public async Task Metrics_BeforeAnyRun_SnapconvSeriesRuntimeAndHttpServerMetrics()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("in"));
        File.WriteAllText(dir.File("jobs.yaml"),
            "defaults:\n  endpoint: http://127.0.0.1:9\n  token_env: SNAPCONV_TEST_UNSET_TOKEN\n  state_dir: state\n  default_country: US\n"
            + "jobs:\n  - name: shop\n    pixel_id: \"p1\"\n    schedule: \"0 0 1 1 *\"\n    source: {type: local, path: in, pattern: \"*.csv\"}\n");
        var file = JobFileLoader.Load(dir.File("jobs.yaml"));
        var log = new RunLog(LogFormat.Json, TimeProvider.System, new StringWriter());
        var serve = await ServeHost.StartAsync(file, new JobRunner(log, TimeProvider.System), log, new ServeOptions { Urls = "http://127.0.0.1:0" });
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(serve.Addresses[0]) };
            Assert.Equal("ok\n", await http.GetStringAsync("/healthz"));
            var text = await http.GetStringAsync("/metrics");
            // Same names as the hand-written text had; each job's series exist at 0 before its first run.
            foreach (var name in new[] { "snapconv_rows_read_total", "snapconv_objects_read_total", "snapconv_events_accepted_total",
                         "snapconv_batches_total", "snapconv_retries_total", "snapconv_throttled_total", "snapconv_job_running" })
            {
                Assert.Equal("0", PrometheusText.Value(text, name, "shop"));
            }
            Assert.NotNull(PrometheusText.Value(text, "snapconv_job_lag_seconds", "shop"));
            Assert.Contains("# TYPE snapconv_events_accepted_total counter\n", text);
            Assert.Contains("# TYPE snapconv_job_lag_seconds gauge\n", text);
            // The runtime's and the HTTP server's metrics come with the exporter.
            Assert.Contains("\ndotnet_gc_heap_total_allocated_bytes_total{", text);
            Assert.Contains("\nhttp_server_request_duration_seconds_count{", text);
        }
        finally
        {
            await serve.StopAsync(TimeSpan.FromSeconds(5));
        }
    }
}

/// <summary>Reads a sample of Prometheus text: the value of <c>name{…job="…"…}</c>, whatever other labels the exporter adds.</summary>
internal static class PrometheusText
{
    public static string? Value(string text, string name, string job, string? label = null)
    {
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(name + "{", StringComparison.Ordinal)) continue;
            var close = line.LastIndexOf('}');
            var labels = line[(name.Length + 1)..close];
            if (!labels.Contains($"job=\"{job}\"", StringComparison.Ordinal)) continue;
            if (label is not null && !labels.Contains(label, StringComparison.Ordinal)) continue;
            return line[(close + 1)..].Trim().Split(' ')[0];
        }
        return null;
    }
}
