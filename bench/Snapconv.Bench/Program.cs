using BenchmarkDotNet.Running;
using Snapconv.Bench.Gen;

// dotnet run -c Release --project bench/Snapconv.Bench -- <command>
//   gen ROWS FILE [--seed N]     write ROWS rows of synthetic, partly dirty conversions (CSV; .gz compresses)
//   micro [BenchmarkDotNet args] single-operation benchmarks (normalizers, hashing) against naive baselines
//   stages FILE                  single-thread cost of each pipeline stage over FILE
//   upload-load [ROWS] [...]       generated rows uploaded end to end to an in-process sandbox (ledger on vs off)
//   pacer [QPS] [--seconds S] [--senders N]   the client's pacer against System.Threading.RateLimiting's token bucket
//   sandbox-load [--batches N] [--concurrency N] [--seconds N]   2,000-event batches against an in-process sandbox
//   sandbox-profile [ROWS]       the sandbox per stage (parse, validate, whole server) on bodies the client really sends
//   ledger-pg --store URL [--events N] [--batch N] [--seconds S] [--one-session] PostgreSQL delivery ledger keys/s vs SQLite (bench/run-ledger-pg.sh)
//   preset-join [--deals N] [--contacts M] [--rounds R] [--breakdown]   hubspot-deals preset + contacts join vs the same rows inline, plain mapping
var command = args.Length > 0 ? args[0] : "";
var rest = args.Skip(1).ToArray();
return command switch
{
    "gen" => GenerateCommand.Run(rest),
    "micro" => RunMicro(rest),
    "stages" => Snapconv.Bench.Pipeline.StageProfile.Run(rest),
    "pipeline" => await Snapconv.Bench.Pipeline.PipelineRun.RunAsync(rest),
    "sandbox-load" => await Snapconv.Bench.Sandbox.SandboxLoad.RunAsync(rest),
    "sandbox-profile" => await Snapconv.Bench.Sandbox.SandboxProfile.RunAsync(rest),
    "upload-load" => await Snapconv.Bench.Delivery.UploadBench.RunAsync(rest),
    "ledger-load" => Snapconv.Bench.Delivery.LedgerBench.Run(rest),
    "ledger-pg" => await Snapconv.Bench.Delivery.PostgresLedgerBench.RunAsync(rest),
    "pacer" => await Snapconv.Bench.Delivery.PacerBench.RunAsync(rest),
    "preset-join" => await Snapconv.Bench.Presets.PresetJoinBench.RunAsync(rest),
    _ => Usage(),
};

static int RunMicro(string[] rest)
{
    BenchmarkSwitcher.FromAssembly(typeof(GenerateCommand).Assembly).Run(rest.Length > 0 ? rest : ["--filter", "*"]);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: Snapconv.Bench gen ROWS FILE [--seed N] [--lean] | micro [BenchmarkDotNet args] | stages FILE | sandbox-load [--batches N] [--concurrency N] [--seconds N]");
    return 2;
}
