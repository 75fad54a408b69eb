using System.Text.Json;
using Snapconv.Core.Capi;
using Snapconv.Core.Hashing;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Samples;
using Snapconv.Core.Validation;
using Snapconv.Delivery.Resilience;
using Snapconv.Delivery.Upload;
using Snapconv.Sandbox;

namespace Snapconv.Delivery.Tests;

/// <summary>Shared helpers: an in-process sandbox, temp folders, generated inputs and fast retries.</summary>
internal static class DeliveryHarness
{
    public static readonly RetryOptions FastRetry = new()
    {
        BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(20), MaxAttempts = 20,
    };

    public static Task<RunningSandbox> StartSandboxAsync(SandboxOptions? o = null) =>
        SandboxApp.StartAsync((o ?? new SandboxOptions()) with { Urls = "http://127.0.0.1:0", LogRequests = false }, TimeProvider.System);

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "snapconv-delivery-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(d);
        return d;
    }

    public static UploadOptions Options(RunningSandbox s, string stateDir) => new()
    {
        Endpoint = s.BaseAddress,
        PixelId = s.Pixels[0].PixelId,
        Token = s.Pixels[0].Token,
        StateDir = stateDir,
        Retry = FastRetry,
        JitterSeed = 1,
    };

    public static string WriteSample(string dir, long rows, double invalidRate = 0.03, int seed = 42)
    {
        var path = Path.Combine(dir, "sales.csv");
        using var w = new StreamWriter(path);
        SyntheticConversions.Write(w, new SyntheticOptions { Rows = rows, InvalidRate = invalidRate, Seed = seed, Now = DateTimeOffset.UtcNow });
        return path;
    }

    public static ConversionOptions Conversion(string pixel) => new() { DefaultCountry = "US", PixelId = pixel };

    /// <summary>The ids of the events the pipeline accepts for <paramref name="file"/> (validate, nothing sent).</summary>
    public static async Task<HashSet<string>> AcceptedIdsAsync(string file, ConversionOptions conversion, string dir)
    {
        var events = Path.Combine(dir, "expected-" + Guid.NewGuid().ToString("N")[..6] + ".ndjson");
        await ConversionRun.ExecuteAsync([file], conversion, new ConversionOutputs { EventsPath = events }, TimeProvider.System, CancellationToken.None);
        return File.ReadLines(events).Where(l => l.Length > 0).Select(l =>
        {
            using var d = JsonDocument.Parse(l);
            return d.RootElement.GetProperty("event_id").GetString()!;
        }).ToHashSet(StringComparer.Ordinal);
    }

    public static List<string> StoredIds(RunningSandbox s) =>
        s.GetEvents(s.Pixels[0].PixelId).Select(e =>
        {
            using var d = e.Parse();
            return d.RootElement.GetProperty("event_id").GetString()!;
        }).ToList();

    public static CapiEvent Event(int i, long? time = null)
    {
        var e = new CapiEvent
        {
            EventName = "PURCHASE",
            EventTime = time ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3_600 - i,
            EventId = "order-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        e.UserData.Em = [Sha256Hex.Hash($"user{i}@example.com")];
        e.CustomData.Currency = "USD";
        e.CustomData.Value = 10 + i % 50;
        e.CustomData.OrderId = e.EventId;
        return e;
    }
}
