using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Capi;
using Snapconv.Core.Hashing;
using Snapconv.Core.Mapping;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Tests.Capi;

/// <summary>
/// An event's first e-mail and phone are kept as a digest until read (<see cref="UserData.TrySetFirstDigest"/>).
/// Reading must give exactly the list the hex strings would have made, in the same order, once, on any thread.
/// </summary>
public sealed class UserDataDigestTests
{
    private const string PersonHex = "542d240129883c019e106e3b1b2d3f3cb3537c43c425364de8e951d5a3083345";

    private static byte[] Digest(string text)
    {
        var d = new byte[32];
        Sha256Hex.HashText(text, d);
        return d;
    }

    [Fact]
    public void Digest_ReadsAsItsHex_AndCountsWithoutMakingTheList()
    {
        var u = new UserData();
        Assert.True(u.TrySetFirstDigest(em: true, Digest("person@example.com")));
        Assert.True(u.HasEm);
        Assert.False(u.HasPh);
        Assert.True(u.HasMatchKey);
        Assert.Equal(1u, RunReport.CoverageMask(u));
        var em = u.Em;
        Assert.Equal([PersonHex], em!);
        Assert.Same(em, u.Em);
        Assert.Null(u.Ph);
    }

    [Fact]
    public void SecondValue_FollowsTheDigest_AndASecondDigestIsRefused()
    {
        var u = new UserData();
        Assert.True(u.TrySetFirstDigest(em: false, Digest("+15550100")));
        Assert.False(u.TrySetFirstDigest(em: false, Digest("+15550101")));
        var l = u.Ph;
        UserData.AddDistinct(ref l, Sha256Hex.Hash("+15550101"));
        UserData.AddDistinct(ref l, Sha256Hex.Hash("+15550100"));  // already there as the digest's hex
        u.Ph = l;
        Assert.Equal([Sha256Hex.Hash("+15550100"), Sha256Hex.Hash("+15550101")], u.Ph!);
    }

    [Fact]
    public void Setter_ReplacesTheDigest()
    {
        var u = new UserData();
        Assert.True(u.TrySetFirstDigest(em: true, Digest("a@b.co")));
        u.Em = null;
        Assert.Null(u.Em);
        Assert.False(u.HasEm);
        Assert.True(u.TrySetFirstDigest(em: true, Digest("person@example.com")));
        u.Em = ["x"];
        Assert.Equal(["x"], u.Em!);
        Assert.False(u.TrySetFirstDigest(em: true, Digest("person@example.com")));
    }

    [Fact]
    public async Task ConcurrentFirstReads_AllSeeOneList()
    {
        for (var round = 0; round < 200; round++)
        {
            var u = new UserData();
            u.TrySetFirstDigest(em: true, Digest("person@example.com"));
            using var start = new Barrier(4);
            var lists = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            {
                start.SignalAndWait();
                return u.Em;
            })));
            Assert.All(lists, l => Assert.Same(u.Em, l));
            Assert.Equal([PersonHex], u.Em!);
        }
    }

    [Fact]
    public void Builder_RowsWithDigests_GiveTheHexesOfTheGeneralPath()
    {
        // The same row through the builder (digest kept) and through the hex path (a value already present).
        string[] headers = ["email", "email2", "phone", "event_name", "event_time", "order_id", "amount", "currency"];
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1734567890 + 3600));
        var spec = new MappingSpec { Columns = [new ColumnRule("email2", TargetField.Em)] };
        var options = new ConversionOptions { DefaultCountry = "US", Mapping = spec };
        var builder = new EventBuilder(BoundMapping.Bind(options.Mapping, headers, "in.csv"), options, "in.csv", clock);
        var r = builder.Build(["Person@Example.com", "other@example.com", "(555) 010-0123", "PURCHASE", "1734567890", "o1", "9.99", "USD"], 2);
        var e = Assert.IsType<CapiEvent>(r.Event, exactMatch: false);
        // The mapped column binds before the auto-detected one, so its value comes first (kept as the digest).
        Assert.Equal([Sha256Hex.Hash("other@example.com"), PersonHex], e.UserData.Em!);
        var phone = Snapconv.Core.Normalization.IdentifierNormalizer.Normalize(Snapconv.Core.Normalization.IdentifierKind.Ph,
            "(555) 010-0123", new Snapconv.Core.Normalization.NormalizeContext { DefaultCountry = "US" });
        Assert.Equal([Sha256Hex.Hash(phone.Value!)], e.UserData.Ph!);
        var dup = builder.Build(["person@example.com", "PERSON@example.com", "", "PURCHASE", "1734567890", "o2", "9.99", "USD"], 3);
        Assert.Equal([PersonHex], dup.Event!.UserData.Em!);
        Assert.Null(dup.Event.UserData.Ph);
    }
}

/// <summary>Keys other than em, ph and madid live in a second object made on the first value; each property keeps its own value.</summary>
public sealed class UserDataRareKeysTests
{
    [Fact]
    public void EveryKey_RoundTrips_AndLeavesTheOthersEmpty()
    {
        var props = typeof(UserData).GetProperties().Where(p => p.CanWrite).ToArray();
        Assert.Equal(17, props.Length);
        foreach (var p in props)
        {
            var u = new UserData();
            object value = p.PropertyType == typeof(string) ? "v-" + p.Name : new List<string> { "v-" + p.Name };
            p.SetValue(u, value);
            Assert.Same(value, p.GetValue(u));
            foreach (var other in props.Where(o => o != p)) Assert.Null(other.GetValue(u));
            p.SetValue(u, null);
            Assert.Null(p.GetValue(u));
        }
    }

    [Fact]
    public void NullsAndMatchKeys_MakeNoSecondObject()
    {
        var u = new UserData { Fn = null, Db = null, Madid = "m", Em = ["e"] };
        Assert.False(u.HasRareKeys);
        Assert.Equal(0b101u, RunReport.CoverageMask(u));
        u.Zp = ["z"];
        Assert.True(u.HasRareKeys);
        Assert.Equal(0b101u | 1u << 8, RunReport.CoverageMask(u));
    }
}

/// <summary>CustomData keeps its rarely set keys apart in the same way; each property keeps its own value.</summary>
public sealed class CustomDataRareKeysTests
{
    [Fact]
    public void EveryKey_RoundTrips_AndLeavesTheOthersEmpty()
    {
        var props = typeof(CustomData).GetProperties().Where(p => p.CanWrite).ToArray();
        Assert.Equal(7, props.Length);
        foreach (var p in props)
        {
            var c = new CustomData();
            Assert.True(c.IsEmpty);
            object value = p.PropertyType == typeof(string) ? "v-" + p.Name
                : p.PropertyType == typeof(decimal?) ? 1.5m
                : p.PropertyType == typeof(int?) ? 3
                : new List<string> { "v-" + p.Name };
            p.SetValue(c, value);
            Assert.Equal(value, p.GetValue(c));
            Assert.False(c.IsEmpty);
            foreach (var other in props.Where(o => o != p)) Assert.Null(other.GetValue(c));
            p.SetValue(c, null);
            Assert.Null(p.GetValue(c));
            Assert.True(c.IsEmpty);
        }
    }
}
