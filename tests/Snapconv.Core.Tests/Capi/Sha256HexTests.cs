using System.Security.Cryptography;
using System.Text;
using Snapconv.Core.Hashing;

namespace Snapconv.Core.Tests.Capi;

public class Sha256HexTests
{
    [Fact]
    public void NativePath_IsUsedOnLinux() => Assert.Equal(OperatingSystem.IsLinux(), NativeSha256.IsAvailable);

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public bool Hash_AgreesWithDotNet(string? value)
    {
        value ??= "";
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
        return Sha256Hex.Hash(value) == expected;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(55)]
    [InlineData(56)]
    [InlineData(64)]
    [InlineData(1_000)]
    [InlineData(70_000)]
    public void HashBytes_AnyLength_AgreesWithDotNet(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        var digest = new byte[32];
        Sha256Hex.HashBytes(data, digest);
        Assert.Equal(SHA256.HashData(data), digest);
    }

    [Fact]
    public async Task HashBytes_ManyThreads_AgreeWithDotNet()
    {
        var tasks = Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            var digest = new byte[32];
            for (var i = 0; i < 20_000; i++)
            {
                var data = Encoding.UTF8.GetBytes($"user{t}-{i}@example.com");
                Sha256Hex.HashBytes(data, digest);
                if (!digest.AsSpan().SequenceEqual(SHA256.HashData(data))) return false;
            }
            return true;
        }));
        Assert.All(await Task.WhenAll(tasks), Assert.True);
    }
}
