using System.Globalization;
using System.IO.Compression;
using Snapconv.Core.Samples;

namespace Snapconv.Bench.Gen;

/// <summary><c>gen ROWS FILE [--seed N] [--lean]</c>: writes the benchmark's input with the demo's generator (--lean: email and phone only, two hashed identifiers a row).</summary>
public static class GenerateCommand
{
    public static int Run(string[] args)
    {
        if (args.Length < 2 || !long.TryParse(args[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var rows))
        {
            Console.Error.WriteLine("usage: gen ROWS FILE [--seed N] [--lean]");
            return 2;
        }
        var seed = 42;
        var lean = false;
        for (var i = 2; i < args.Length; i++)
        {
            if (args[i] == "--seed" && i + 1 < args.Length) seed = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--full") lean = false;
            else if (args[i] == "--lean") lean = true;
        }
        using var file = File.Create(args[1]);
        Stream stream = args[1].EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionLevel.Fastest) : file;
        using var writer = new StreamWriter(stream, bufferSize: 1 << 20);
        SyntheticConversions.Write(writer, new SyntheticOptions { Rows = rows, Seed = seed, Lean = lean, Now = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero) });
        return 0;
    }
}
