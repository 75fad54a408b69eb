using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using PhoneNumbers;
using Snapconv.Core.Hashing;
using Snapconv.Core.Normalization;

namespace Snapconv.Bench.Micro;

/// <summary>Email and phone normalize + hash, against the naive versions (allocating trim/lower, HashData, full parse).</summary>
[MemoryDiagnoser]
public class NormalizationBenchmarks
{
    private readonly string[] _emails = Enumerable.Range(0, 1024).Select(i => i % 3 == 0 ? $" User{i}@Example.COM " : $"user{i}@example.com").ToArray();
    private readonly string[] _phones = Enumerable.Range(0, 1024).Select(i => i % 4 == 0 ? $"+1{2025550000 + i}" : $"(202) 555-{1000 + i % 9000:0000}").ToArray();
    private static readonly NormalizeContext Us = new() { DefaultCountry = "US" };
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    [Benchmark(Baseline = true)]
    public int EmailNaive()
    {
        var n = 0;
        foreach (var e in _emails)
            n += Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(e.Trim().ToLowerInvariant()))).ToLowerInvariant().Length;
        return n;
    }

    [Benchmark]
    public int EmailSnapconv()
    {
        var n = 0;
        foreach (var e in _emails)
            n += Sha256Hex.Hash(IdentifierNormalizer.Normalize(IdentifierKind.Em, e, NormalizeContext.Default).Value).Length;
        return n;
    }

    [Benchmark]
    public int PhoneNaive()
    {
        var n = 0;
        foreach (var p in _phones)
        {
            var number = Util.Parse(p, "US");
            n += Util.Format(number, PhoneNumberFormat.E164).Length;
        }
        return n;
    }

    [Benchmark]
    public int PhoneSnapconv()
    {
        var n = 0;
        foreach (var p in _phones)
            n += IdentifierNormalizer.Normalize(IdentifierKind.Ph, p, Us).Value!.Length;
        return n;
    }
}
