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

/// <summary>SHA-256 of a short value: .NET's one-shot, a reused IncrementalHash, and snapconv's (OpenSSL's SHA256()).</summary>
[MemoryDiagnoser]
public class HashBenchmarks
{
    private readonly byte[][] _values = Enumerable.Range(0, 1024).Select(i => Encoding.UTF8.GetBytes($"user{i}@example.com")).ToArray();
    private readonly IncrementalHash _incremental = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _digest = new byte[32];

    [Benchmark(Baseline = true)]
    public int HashData() { var n = 0; foreach (var v in _values) n += SHA256.HashData(v, _digest); return n; }

    [Benchmark]
    public int IncrementalHashReused()
    {
        var n = 0;
        foreach (var v in _values) { _incremental.AppendData(v); n += _incremental.GetHashAndReset(_digest); }
        return n;
    }

    [Benchmark]
    public int Snapconv() { foreach (var v in _values) Sha256Hex.HashBytes(v, _digest); return _digest[0]; }
}
