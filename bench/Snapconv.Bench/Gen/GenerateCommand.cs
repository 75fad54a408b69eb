using System.Globalization;
using System.IO.Compression;
using Snapconv.Core.Samples;

namespace Snapconv.Bench.Gen;

/// <summary><c>gen ROWS FILE [--seed N]</c>: writes the benchmark's input with the demo's generator.</summary>
public static class GenerateCommand
{
    public static int Run(string[] args)
    {
        if (args.Length < 2 || !long.TryParse(args[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var rows))
        {
            Console.Error.WriteLine("usage: gen ROWS FILE [--seed N]");
            return 2;
        }
        var seed = args.Length >= 4 && args[2] == "--seed" ? int.Parse(args[3], CultureInfo.InvariantCulture) : 42;
        using var file = File.Create(args[1]);
        Stream stream = args[1].EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionLevel.Fastest) : file;
        using var writer = new StreamWriter(stream, bufferSize: 1 << 20);
        SyntheticConversions.Write(writer, new SyntheticOptions { Rows = rows, Seed = seed, Now = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero) });
        return 0;
    }
}
