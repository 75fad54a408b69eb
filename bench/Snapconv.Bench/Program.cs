using BenchmarkDotNet.Running;
using Snapconv.Bench.Gen;

// dotnet run -c Release --project bench/Snapconv.Bench -- <command>
//   gen ROWS FILE [--seed N]     write ROWS rows of synthetic, partly dirty conversions (CSV; .gz compresses)
//   micro [BenchmarkDotNet args] single-operation benchmarks (normalizers, hashing) against naive baselines
var command = args.Length > 0 ? args[0] : "";
var rest = args.Skip(1).ToArray();
return command switch
{
    "gen" => GenerateCommand.Run(rest),
    "micro" => RunMicro(rest),
    "stages" => Snapconv.Bench.Pipeline.StageProfile.Run(rest),
    _ => Usage(),
};

static int RunMicro(string[] rest)
{
    BenchmarkSwitcher.FromAssembly(typeof(GenerateCommand).Assembly).Run(rest.Length > 0 ? rest : ["--filter", "*"]);
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: Snapconv.Bench gen ROWS FILE [--seed N] | micro [BenchmarkDotNet args]");
    return 2;
}
