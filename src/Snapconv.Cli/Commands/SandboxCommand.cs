using System.CommandLine;
using System.Globalization;
using Snapconv.Sandbox;

namespace Snapconv.Cli.Commands;

/// <summary>
/// <c>snapconv sandbox</c> (issue #4): runs the local Snap CAPI v3 sandbox until Ctrl+C. Prints a generated
/// demo pixel and token when no <c>--pixel</c> is given; request lines never carry tokens.
/// </summary>
internal static class SandboxCommand
{
    public static Command Create(TimeProvider clock)
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Listen URLs, ';'-separated. Example: http://127.0.0.1:8787",
            DefaultValueFactory = _ => SandboxOptions.DefaultUrls,
        };
        var pixels = new Option<string[]>("--pixel")
        {
            Description = "A pixel and its token as PIXEL_ID=TOKEN; repeatable. Default: one generated demo pixel.",
            AllowMultipleArgumentsPerToken = false,
        };
        var db = new Option<string?>("--db") { Description = "SQLite file keeping received events. Default: in memory." };
        var qps = new Option<double?>("--qps") { Description = "Requests per second per pixel (token bucket); over it, 429. Default: unlimited." };
        var failRate = new Option<double>("--fail-rate") { Description = "Share of requests answered 500/503 before processing, 0..1. Default: 0." };
        var latency = new Option<int>("--latency-ms") { Description = "Delay added to each CAPI request, in ms. Default: 0." };
        var loseAck = new Option<double>("--lose-ack-rate") { Description = "Share of stored batches whose answer is lost (abort or 503), 0..1. Default: 0." };
        var seed = new Option<int?>("--seed") { Description = "Seed of the fault random source, for reproducible runs." };
        var partial = new Option<string>("--partial-batches")
        {
            Description = "Batches with invalid events: reject (store nothing) or accept (store the valid ones). Default: reject.",
            DefaultValueFactory = _ => "reject",
        };
        partial.AcceptOnlyFromAmong("reject", "accept");
        var dedupClock = new Option<string>("--dedup-clock")
        {
            Description = "Dedup windows compare event_time (event) or arrival time (arrival). Default: event.",
            DefaultValueFactory = _ => "event",
        };
        dedupClock.AcceptOnlyFromAmong("event", "arrival");
        var allowRemote = new Option<bool>("--allow-remote")
        {
            Description = "Allow --urls beyond loopback (a LAN address, 0.0.0.0, *). The inspection endpoints have no authentication. Default: loopback only.",
        };

        var command = new Command("sandbox", "Run a local Snap Conversions API v3 sandbox (until Ctrl+C).");
        foreach (var o in new Option[] { urls, pixels, db, qps, failRate, latency, loseAck, seed, partial, dedupClock, allowRemote })
            command.Options.Add(o);

        command.SetAction((ParseResult r, CancellationToken ct) => ExitCodes.Guard(async () =>
        {
            var credentials = new List<PixelCredential>();
            foreach (var p in r.GetValue(pixels) ?? [])
            {
                try { credentials.Add(PixelCredential.Parse(p)); }
                catch (FormatException e)
                {
                    await System.Console.Error.WriteLineAsync($"--pixel: {e.Message}");
                    return ExitCodes.UsageOrInput;
                }
            }
            var options = new SandboxOptions
            {
                Urls = r.GetValue(urls) ?? SandboxOptions.DefaultUrls,
                Pixels = credentials,
                DbPath = r.GetValue(db),
                Qps = r.GetValue(qps),
                FailRate = r.GetValue(failRate),
                LatencyMs = r.GetValue(latency),
                LoseAckRate = r.GetValue(loseAck),
                Seed = r.GetValue(seed),
                PartialBatches = r.GetValue(partial) == "accept" ? PartialBatchMode.Accept : PartialBatchMode.Reject,
                DedupClock = r.GetValue(dedupClock) == "arrival" ? DedupClock.Arrival : DedupClock.EventTime,
                AllowRemote = r.GetValue(allowRemote),
            };
            var errors = options.Validate();
            if (errors.Count > 0)
            {
                foreach (var e in errors) await System.Console.Error.WriteLineAsync(OptionFlags.Describe(e, r.CommandResult.Command));
                return ExitCodes.UsageOrInput;
            }

            await using var sandbox = await ListenFailure.StartAsync("--urls", options.Urls, () => SandboxApp.StartAsync(options, clock, ct));
            var remote = options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(u => !ListenAddresses.IsLoopback(u)).ToList();
            if (remote.Count > 0)
                await System.Console.Error.WriteLineAsync($"warning: listening beyond loopback ({string.Join(", ", remote)}): anyone who reaches the port can read every stored event; the inspection endpoints have no authentication.");
            System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Snap CAPI v3 sandbox listening on {sandbox.BaseAddress}"));
            if (sandbox.PixelsGenerated)
            {
                // The generated demo token is the sandbox's own, not a real secret.
                var demo = sandbox.Pixels[0];
                System.Console.WriteLine($"Demo pixel: {demo.PixelId}");
                System.Console.WriteLine($"Demo token: {demo.Token}");
            }
            else System.Console.WriteLine($"Serving {sandbox.Pixels.Count} pixel(s): {string.Join(", ", sandbox.Pixels.Select(p => p.PixelId))}");
            System.Console.WriteLine("Press Ctrl+C to stop.");
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, clock, ct);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: stop cleanly.
            }
            return ExitCodes.Ok;
        }));
        return command;
    }
}
