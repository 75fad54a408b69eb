using System.CommandLine;
using System.Globalization;
using Snapconv.Cli.Console;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Redaction;
using Snapconv.Core.Validation;
using Snapconv.Delivery.Capi;
using Snapconv.Delivery.Ledger;
using Snapconv.Delivery.Resilience;
using Snapconv.Delivery.Upload;
using Spectre.Console;

namespace Snapconv.Cli.Commands;

/// <summary>The delivery options shared by <c>upload</c> and <c>doctor</c>.</summary>
internal sealed class DeliveryOptionSet
{
    public Option<string?> PixelId { get; } = new("--pixel-id") { Description = "Snap Pixel ID the events go to.", Required = true };
    public Option<string> TokenEnv { get; } = new("--token-env") { Description = "Environment variable holding the Conversions API token.", DefaultValueFactory = _ => UploadOptions.DefaultTokenEnv };
    public Option<string?> TokenFile { get; } = new("--token-file") { Description = "File holding the token (first line). The token is never taken from the command line." };
    public Option<string> Endpoint { get; } = new("--endpoint") { Description = "Base URL; snapconv adds /v3/{pixel}/events (e.g. a sandbox at http://127.0.0.1:8787).", DefaultValueFactory = _ => UploadOptions.DefaultEndpoint };
    public Option<string> Auth { get; } = new("--auth") { Description = "Token in the 'query' parameter (Snap's documented form) or a Bearer 'header'.", DefaultValueFactory = _ => "query" };

    public void AddTo(Command c)
    {
        foreach (var o in new Option[] { PixelId, TokenEnv, TokenFile, Endpoint, Auth }) c.Options.Add(o);
    }

    public UploadOptions Resolve(ParseResult r)
    {
        var token = Doctor.ReadToken(r.GetValue(TokenEnv) ?? UploadOptions.DefaultTokenEnv, r.GetValue(TokenFile), out var problem)
            ?? throw new UsageException(problem!);
        var endpointText = r.GetValue(Endpoint) ?? UploadOptions.DefaultEndpoint;
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint))
            throw new UsageException($"--endpoint '{Redactor.Text(endpointText)}' is not an absolute URL.");
        var auth = (r.GetValue(Auth) ?? "query").ToLowerInvariant() switch
        {
            "query" => AuthMode.Query,
            "header" => AuthMode.Header,
            var x => throw new UsageException($"--auth must be query or header (was '{x}')."),
        };
        return new UploadOptions { PixelId = r.GetValue(PixelId) ?? "", Token = token, Endpoint = endpoint, Auth = auth };
    }
}

/// <summary><c>snapconv upload</c>: validate every row and deliver the accepted events to Snap, exactly once.</summary>
internal static class UploadCommand
{
    public static Command Create(TimeProvider clock)
    {
        var set = new ConversionOptionSet();
        var delivery = new DeliveryOptionSet();
        var stateDir = new Option<string>("--state-dir") { Description = "Folder of the delivery ledger (SQLite).", DefaultValueFactory = _ => UploadOptions.DefaultStateDir };
        var batchSize = new Option<int>("--batch-size") { Description = "Events per request (≤ 2000).", DefaultValueFactory = _ => UploadOptions.SnapMaxEvents };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight.", DefaultValueFactory = _ => UploadOptions.DefaultConcurrency };
        var qps = new Option<double>("--qps") { Description = "Requests per second (token bucket).", DefaultValueFactory = _ => UploadOptions.DefaultQps };
        var dryRun = new Option<bool>("--dry-run") { Description = "Use /events/validate: Snap checks every event and records nothing." };
        var testCode = new Option<string?>("--test-event-code") { Description = "Send as test events (kept out of live data)." };
        var noGate = new Option<bool>("--no-sample-gate") { Description = "Upload even when more than 10% of the first 1,000 rows are rejected." };
        var noWait = StateLockFlags.NoWait();
        var command = new Command("upload", "Validate every row and deliver accepted events to Snap's Conversions API v3, exactly once.");
        set.AddTo(command, includePixel: false);
        delivery.AddTo(command);
        foreach (var o in new Option[] { stateDir, batchSize, concurrency, qps, dryRun, testCode, noGate, noWait }) command.Options.Add(o);
        command.SetAction((r, ct) => ExitCodes.Guard(async () =>
        {
            var options = delivery.Resolve(r) with
            {
                StateDir = r.GetValue(stateDir)!,
                BatchSize = r.GetValue(batchSize),
                Concurrency = r.GetValue(concurrency),
                Qps = r.GetValue(qps),
                DryRun = r.GetValue(dryRun),
                TestEventCode = r.GetValue(testCode),
                SampleGate = !r.GetValue(noGate),
                Retry = RetryFromEnvironment(),
            };
            OptionFlags.ThrowIfAny(options.Validate(), r);
            // One sender per ledger: taken before any input is read, held until the run ended (the OS frees it on a crash).
            using var held = options.IsLive
                ? await StateDirectoryLock.AcquireAsync(options.StateDir, StateLockFlags.Resolve(r, noWait), clock, ct)
                : null;
            var (files, conversion) = set.Resolve(r, options.PixelId);
            var outputs = new ConversionOutputs
            {
                ReportPath = r.GetValue(set.Report),
                RejectsPath = r.GetValue(set.Rejects),
                EventsPath = r.GetValue(set.EventsOut),
            };
            return await RunAsync(options, files, conversion, outputs, "snapconv upload", clock, ct);
        }));
        return command;
    }

    /// <summary>Runs an upload with progress and summary; returns the exit code.</summary>
    internal static async Task<int> RunAsync(UploadOptions options, IReadOnlyList<string> files, ConversionOptions conversion,
        ConversionOutputs outputs, string title, TimeProvider clock, CancellationToken ct)
    {
        var run = new UploadRun(options, clock);
        Terminal.Err.MarkupLine($"[grey]sending to[/] {Markup.Escape(Redactor.Url(options.Endpoint.AbsoluteUri))} [grey]pixel[/] {Markup.Escape(options.PixelId)}{(options.DryRun ? " [yellow](dry run: validate only)[/]" : "")}");
        UploadResult result;
        try
        {
            var started = clock.GetTimestamp();
            result = await LiveProgress.RunAsync(run.ExecuteAsync(files, conversion, outputs, ct), () => Line(run.Stats, clock.GetElapsedTime(started)), clock);
        }
        catch (DeliveryFatalException e)
        {
            await System.Console.Error.WriteLineAsync("error: " + e.Message);
            return ExitCodes.UsageOrInput;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl+C or SIGTERM: what Snap acknowledged is in the ledger; the rest is pending, so the exit code is the
            // retriable one (#16).
            await System.Console.Error.WriteLineAsync("upload stopped: unanswered batches stay pending; run the same command again to send them.");
            return ExitCodes.PendingAfterRetries;
        }
        RunSummary.Render(result.Report, outputs, title);
        var elapsed = result.Report.DurationSeconds;
        if (elapsed > 0)
            Terminal.Err.MarkupLine($"[grey]throughput:[/] {(result.Stats.Acknowledged / elapsed).ToString("N0", CultureInfo.InvariantCulture)} events/s acknowledged");
        switch (result.Outcome)
        {
            case UploadOutcome.SampleGateTripped:
                Terminal.Err.MarkupLine("[red]stopped by the sample gate:[/] more than 10% of the first 1,000 rows were rejected; nothing was sent. Check the mapping and the rejects file, or pass --no-sample-gate.");
                return ExitCodes.SampleGate;
            case UploadOutcome.PendingLeft:
                Terminal.Err.MarkupLine($"[yellow]{result.Stats.FailedPending:N0} events failed after retries[/] and stay pending: run the same command again to send them.");
                return ExitCodes.PendingAfterRetries;
            default:
                return ExitCodes.Ok;
        }
    }

    private static string Line(DeliveryStats s, TimeSpan elapsed)
    {
        var secs = Math.Max(0.001, elapsed.TotalSeconds);
        return string.Create(CultureInfo.InvariantCulture,
            $"rows read {s.Rows:N0}  acknowledged {s.Acknowledged:N0}  {s.Acknowledged / secs:N0} events/s  retries {s.Retries:N0}  throttled {s.Throttled:N0}");
    }

    /// <summary>Tests shrink the backoff through SNAPCONV_RETRY_BASE_MS (not a documented option).</summary>
    private static RetryOptions RetryFromEnvironment()
    {
        var o = new RetryOptions();
        if (int.TryParse(Environment.GetEnvironmentVariable("SNAPCONV_RETRY_BASE_MS"), NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            o = o with { BaseDelay = TimeSpan.FromMilliseconds(ms), MaxDelay = TimeSpan.FromMilliseconds(Math.Max(ms, ms * 8)) };
        return o;
    }
}
