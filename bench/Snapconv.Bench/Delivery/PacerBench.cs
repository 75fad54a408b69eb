using System.Diagnostics;
using System.Globalization;
using System.Threading.RateLimiting;
using Snapconv.Delivery.RateLimit;

namespace Snapconv.Bench.Delivery;

/// <summary>
/// <c>pacer [QPS] [--seconds S] [--senders N]</c>: the client's pacer (<see cref="RequestPacer"/>, GCRA) against
/// <see cref="TokenBucketRateLimiter"/> configured alike (burst rate/10, refilled every 100 ms): N senders take
/// slots for S seconds each way. Reports the rate reached, the most requests in any 10 ms, and CPU-µs a slot.
/// </summary>
public static class PacerBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var qps = args.Length > 0 && double.TryParse(args[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var q) ? q : 500;
        var seconds = Arg(args, "--seconds", 3);
        var senders = Arg(args, "--senders", 8);
        Console.WriteLine($"pacer: {qps.ToString(CultureInfo.InvariantCulture)} req/s, {senders} senders, {seconds} s each, {Environment.ProcessorCount} cores");
        for (var round = 0; round < 2; round++)
        {
            await using (var pacer = new RequestPacer(qps, TimeProvider.System))
                await MeasureAsync("RequestPacer (own, GCRA)", qps, seconds, senders, ct => pacer.WaitAsync(ct));
            var burst = Math.Max(1, (int)Math.Ceiling(qps / 10));
            using var bucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst, TokensPerPeriod = burst, ReplenishmentPeriod = TimeSpan.FromSeconds(burst / qps),
                QueueLimit = 100_000, QueueProcessingOrder = QueueProcessingOrder.OldestFirst, AutoReplenishment = true,
            });
            await MeasureAsync("TokenBucketRateLimiter", qps, seconds, senders, async ct =>
            {
                using var lease = await bucket.AcquireAsync(1, ct);
                if (!lease.IsAcquired) throw new InvalidOperationException("no lease");
            });
        }
        return 0;
    }

    private static async Task MeasureAsync(string name, double qps, int seconds, int senders, Func<CancellationToken, ValueTask> take)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var stamps = new List<long>[senders];
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, senders).Select(s => Task.Run(async () =>
        {
            var mine = stamps[s] = [];
            try
            {
                // Bounded: at most 10 s worth of slots at the configured rate per sender.
                for (var i = 0; i < qps * 10 && !stop.IsCancellationRequested; i++)
                {
                    await take(stop.Token);
                    mine.Add(Stopwatch.GetTimestamp());
                }
            }
            catch (OperationCanceledException) { }
        })));
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpuUs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds;
        var all = stamps.SelectMany(x => x).Order().ToArray();
        var window = Stopwatch.Frequency / 100;
        var maxIn10Ms = 0;
        for (int i = 0, j = 0; i < all.Length; i++)
        {
            while (all[i] - all[j] >= window) j++;
            maxIn10Ms = Math.Max(maxIn10Ms, i - j + 1);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name,-26} {all.Length / elapsed,9:F0} req/s reached, most in any 10 ms: {maxIn10Ms,5}, {cpuUs / Math.Max(1, all.Length),6:F2} CPU-µs a slot"));
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : fallback;
    }
}
