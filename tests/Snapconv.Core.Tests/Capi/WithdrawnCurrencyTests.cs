using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Capi;
using Snapconv.Core.Mapping;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;
using Snapconv.Core.Validation.Wire;

namespace Snapconv.Core.Tests.Capi;

/// <summary>
/// ISO 4217's current list, with the withdrawn codes valid for events before their replacement's first day (the decision
/// on currency codes): the client's rules and the sandbox's read a code the same way.
/// </summary>
public sealed class WithdrawnCurrencyTests
{
    private static readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
    private static long At(int y, int m, int d, int hour = 12) => new DateTimeOffset(y, m, d, hour, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    [Theory]
    [InlineData("ANG")]
    [InlineData("BGN")]
    [InlineData("CUC")]
    [InlineData("HRK")]
    [InlineData("ZWL")]
    public void WithdrawnCode_IsNotOnTheCurrentList_ButIsKnownWithItsReplacement(string code)
    {
        Assert.False(CurrencyCodes.TryNormalize(code, out _));
        Assert.True(CurrencyCodes.Withdrawn.TryGetValue(code, out var w));
        Assert.True(CurrencyCodes.TryNormalize(w!.Replacement, out _));   // the replacement is current
    }

    [Theory]
    [InlineData("XCG")]
    [InlineData("ZWG")]
    [InlineData("SLE")]
    [InlineData("VED")]
    [InlineData("EUR")]
    public void CurrentCode_IsOnTheList(string code) => Assert.True(CurrencyCodes.TryNormalize(code.ToLowerInvariant(), out _));

    [Fact]
    public void TryWithdrawnAt_ValidUntilTheDayBeforeTheReplacement()
    {
        var lastDay = new DateTimeOffset(2025, 3, 30, 23, 59, 59, TimeSpan.Zero).ToUnixTimeSeconds();
        Assert.True(CurrencyCodes.TryWithdrawnAt(" ang ", lastDay, out var code, out var withdrawn));
        Assert.Equal("ANG", code);
        Assert.Null(withdrawn);
        Assert.False(CurrencyCodes.TryWithdrawnAt("ANG", lastDay + 1, out _, out withdrawn));
        Assert.Equal("XCG", withdrawn!.Replacement);
        Assert.Contains("XCG replaced it on 2025-03-31", withdrawn.Message);
        Assert.False(CurrencyCodes.TryWithdrawnAt("USD", lastDay, out _, out withdrawn));   // not withdrawn: not this rule's
        Assert.Null(withdrawn);
    }

    private static BuiltRow Build(string currency, long eventTime)
    {
        string[] headers = ["email", "event_time", "amount", "currency"];
        var options = new ConversionOptions { DefaultCountry = "US", Mapping = MappingFileLoader.Parse("constants: {event_name: PURCHASE}", "m.yaml") };
        var builder = new EventBuilder(BoundMapping.Bind(options.Mapping, headers, "in.csv"), options, "in.csv", Clock);
        return builder.Build(["ann@example.com", eventTime.ToString(System.Globalization.CultureInfo.InvariantCulture), "10.00", currency], 2);
    }

    [Fact]
    public void Row_WithdrawnCode_KeptBeforeItsReplacement_RejectedAfterSayingWhichCurrency()
    {
        var before = Build("ang", At(2025, 1, 15));
        Assert.Equal("ANG", before.Event!.CustomData.Currency);

        var after = Build("ANG", At(2025, 6, 1));
        var issue = after.Rejection!.Value;
        Assert.Equal("INVALID_CURRENCY", issue.Reason.Name);
        Assert.Equal("currency", issue.Field);
        Assert.Contains("XCG replaced it on 2025-03-31", issue.Reason.Message);

        Assert.Equal("BGN", Build("BGN", At(2025, 12, 31, 23)).Event!.CustomData.Currency);
        Assert.Equal("INVALID_CURRENCY", Build("BGN", At(2026, 1, 1, 0)).Rejection!.Value.Reason.Name);
    }

    [Theory]
    [InlineData(2025, 1, 15, true)]
    [InlineData(2025, 6, 1, false)]
    public void Sandbox_ReadsAWithdrawnCodeAsTheClientDoes(int y, int m, int d, bool valid)
    {
        var json = $$$"""{"event_name":"PURCHASE","event_time":{{{At(y, m, d)}}},"action_source":"OFFLINE","event_id":"e1","user_data":{"em":["7b17fb0bd173f625b58636fb796407c22b3d16fc78302d79f0fd30c2fc2fc068"]},"custom_data":{"value":10,"currency":"ANG"}}""";
        using var doc = JsonDocument.Parse(json);
        var errors = new List<Reason>();
        WireEventValidator.Validate(doc.RootElement, errors);
        Assert.Equal(!valid, errors.Any(r => r.Name == "INVALID_CURRENCY"));
        // and the client keeps or rejects the same row
        Assert.Equal(valid, Build("ANG", At(y, m, d)).Event is not null);
    }

    [Fact]
    public void GivenCurrency_AcceptsAWithdrawnCode_ForEveryRowToCheckByItsDate()
    {
        Assert.True(TextValues.TryGivenCurrency(" ang", out var code));
        Assert.Equal("ANG", code);
        Assert.False(TextValues.TryCurrency("ANG", out _));
        Assert.True(TextValues.TryGivenCurrency("US Dollar", out code));
        Assert.Equal("USD", code);
        Assert.False(TextValues.TryGivenCurrency("DEM", out _));
    }
}
