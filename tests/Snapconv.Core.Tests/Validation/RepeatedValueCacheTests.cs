using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Capi;
using Snapconv.Core.Mapping;
using Snapconv.Core.Normalization;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Tests.Validation;

/// <summary>
/// A builder that has memoized repeated values must give exactly the events and warnings a cold builder
/// gives, including where the row's country changes how the same phone, state or zip reads.
/// </summary>
public class RepeatedValueCacheTests
{
    private static readonly string[] Headers = ["email", "phone", "first_name", "last_name", "city", "state", "zip", "country", "gender", "event_name", "event_time", "order_id"];
    private static readonly FakeTimeProvider Clock = new(DateTimeOffset.Parse("2026-11-20T00:00:00Z"));

    [Fact]
    public void WarmBuilder_MatchesColdBuilders_RowByRow()
    {
        var options = new ConversionOptions { DefaultCountry = "US" };
        var bound = BoundMapping.Bind(options.Mapping, Headers, "in.csv");
        var warm = new EventBuilder(bound, options, "in.csv", Clock);
        var random = new Random(5);
        string[] phones = ["030 901820", "(447) 234-2344", "+44 20 7183 8750", "n/a", "234-2344"];
        string[] states = ["Texas", "TX", "Bavaria", "Québec", "--"];
        string[] zips = ["10001", "98101-2345", "SW1A 1AA", "80331", ""];
        string[] countries = ["US", "de", "United Kingdom", "Canada", "", "Narnia"];
        string[] names = ["José", "O'Brien", "ZOË", "-", "Müller"];
        string[] genders = ["F", "male", "x", ""];
        for (var i = 0; i < 6_000; i++)
        {
            string?[] row =
            [
                random.Next(4) == 0 ? "not-an-email" : $"u{random.Next(50)}@example.com",
                phones[random.Next(phones.Length)], names[random.Next(names.Length)], names[random.Next(names.Length)],
                names[random.Next(names.Length)], states[random.Next(states.Length)], zips[random.Next(zips.Length)],
                countries[random.Next(countries.Length)], genders[random.Next(genders.Length)],
                "PURCHASE", "2026-11-01T10:00:00Z", $"O-{i}",
            ];
            var hot = warm.Build(row, i + 1);
            var cold = new EventBuilder(bound, options, "in.csv", Clock).Build(row, i + 1);
            Assert.Equal(Describe(cold), Describe(hot));
        }
    }

    [Fact]
    public void Cache_SwitchesOff_ForAColumnThatRarelyRepeats()
    {
        var cache = new RepeatedValueCache();
        for (var i = 0; i < 5_000; i++)
            if (!cache.TryGet($"v{i}", null, out _, out _)) cache.Put($"v{i}", null, NormalizeResult.Ok($"v{i}"), null);
        Assert.False(cache.Enabled);

        var repeating = new RepeatedValueCache();
        for (var i = 0; i < 5_000; i++)
            if (!repeating.TryGet($"v{i % 10}", null, out _, out _)) repeating.Put($"v{i % 10}", null, NormalizeResult.Ok("x"), "h");
        Assert.True(repeating.Enabled);
        Assert.True(repeating.TryGet("v3", null, out var r, out var value));
        Assert.Equal(("x", "h"), (r.Value, value));
        Assert.False(repeating.TryGet("v3", "de", out _, out _));
    }

    private static string Describe(BuiltRow r)
    {
        var e = r.Event;
        var u = e?.UserData;
        string L(List<string>? l) => l is null ? "-" : string.Join(",", l);
        return $"{r.Rejection?.Reason.Name}|{string.Join(";", r.Warnings?.Select(w => w.Field + ":" + w.Reason.Name) ?? [])}|" +
            (u is null ? "" : $"{L(u.Em)}|{L(u.Ph)}|{L(u.Fn)}|{L(u.Ln)}|{L(u.Ct)}|{L(u.St)}|{L(u.Zp)}|{L(u.Country)}|{L(u.Ge)}|{e!.EventId}");
    }
}
