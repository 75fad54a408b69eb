using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Capi;

namespace Snapconv.Core.Tests.Capi;

public class CapiRulesTests
{
    [Theory]
    [InlineData("purchase", "PURCHASE")]
    [InlineData(" Purchase ", "PURCHASE")]
    [InlineData("add to cart", "ADD_CART")]
    [InlineData("ADD-TO-CART", "ADD_CART")]
    [InlineData("spend_credits", "SPENT_CREDITS")]
    [InlineData("page view", "PAGE_VIEW")]
    public void EventNames_ClientForms_NormalizeToSnapNames(string raw, string expected)
    {
        Assert.True(EventNames.TryNormalizeClient(raw, out var name));
        Assert.Equal(expected, name);
    }

    [Theory]
    [InlineData("REFUND")]
    [InlineData("")]
    [InlineData("buy")]
    public void EventNames_UnknownName_IsRejected(string raw) => Assert.False(EventNames.TryNormalizeClient(raw, out _));

    [Fact]
    public void EventNames_SandboxReading_TakesNoAliases()
    {
        Assert.True(EventNames.TryNormalizeExact("purchase", out var n));
        Assert.Equal("PURCHASE", n);
        Assert.False(EventNames.TryNormalizeExact("ADD_TO_CART", out _));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("OFFLINE", true)]
    [InlineData("physical_store", true)]
    [InlineData("PHONE_CALL", true)]
    [InlineData("Email", true)]
    [InlineData("chat", true)]
    [InlineData("system_generated", true)]
    [InlineData("WEB", false)]
    [InlineData("MOBILE_APP", false)]
    [InlineData("store", false)]
    public void ActionSources_Client_AcceptsOnlyOfflineAliases(string? raw, bool ok) =>
        Assert.Equal(ok, ActionSources.IsOfflineForClient(raw));

    [Fact]
    public void ActionSources_Sandbox_AcceptsWebAsItsOwnKind()
    {
        Assert.Equal(ActionSourceKind.Web, ActionSources.ClassifyForSandbox("web"));
        Assert.Equal(ActionSourceKind.Offline, ActionSources.ClassifyForSandbox("phone"));
        Assert.Equal(ActionSourceKind.Invalid, ActionSources.ClassifyForSandbox(null));
        Assert.Equal(ActionSourceKind.Invalid, ActionSources.ClassifyForSandbox("MOBILE_APP"));
    }

    [Theory]
    [InlineData(" usd ", true, "USD")]
    [InlineData("EUR", true, "EUR")]
    [InlineData("XXX", false, "XXX")]
    [InlineData("US Dollar", false, "US DOLLAR")]
    public void CurrencyCodes_TrimmedUpperIso_Only(string raw, bool ok, string code)
    {
        Assert.Equal(ok, CurrencyCodes.TryNormalize(raw, out var c));
        Assert.Equal(code, c);
    }

    [Theory]
    [InlineData("99.99", true, "99.99")]
    [InlineData("0", true, "0")]
    [InlineData(" 12 ", true, "12")]
    [InlineData("50.00", true, "50")]
    [InlineData("-5", false, "")]
    [InlineData("1,000.00", false, "")]
    [InlineData("$10", false, "")]
    [InlineData("NaN", false, "")]
    [InlineData("", false, "")]
    [InlineData(".", false, "")]
    public void ValueRules_PlainDecimal_Only(string raw, bool ok, string formatted)
    {
        Assert.Equal(ok, ValueRules.TryParse(raw, out var v));
        if (ok) Assert.Equal(formatted, ValueRules.Format(v));
    }

    [Fact]
    public void ValueRules_CommaSeparator_WhenConfigured()
    {
        Assert.True(ValueRules.TryParse("12,50", out var v, ','));
        Assert.Equal(12.50m, v);
        Assert.False(ValueRules.TryParse("12.50", out _, ','));
    }

    [Theory]
    [InlineData(1734567890L, true, 1734567890L)]
    [InlineData(1734567890123L, true, 1734567890L)]
    [InlineData(946684800L, true, 946684800L)]
    [InlineData(946684799L, false, 946684799L)]
    [InlineData(45000L, false, 45000L)]
    [InlineData(0L, false, 0L)]
    [InlineData(100_000_000_000_000L, false, 100_000_000_000L)]
    public void EventTimeRules_SecondsOrMilliseconds_WithinBounds(long raw, bool ok, long seconds)
    {
        Assert.Equal(ok, EventTimeRules.TryToSeconds(raw, out var s));
        Assert.Equal(seconds, s);
    }

    [Fact]
    public void EventTimeRules_SeventyDaysOld_GetsTwoWarnings()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var rules = new EventTimeRules(clock);
        var warnings = new List<Reason>();
        rules.AddWarnings(1_800_000_000 - 70 * 86_400, warnings);
        Assert.Equal([Reason.EventTimeNotAttributable, Reason.EventTimeTooOld], warnings);
    }

    [Fact]
    public void EventTimeRules_ElevenMinutesAhead_WarnsFuture_TenMinutesDoesNot()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var rules = new EventTimeRules(clock);
        var w = new List<Reason>();
        rules.AddWarnings(1_800_000_000 + 600, w);
        Assert.Empty(w);
        rules.AddWarnings(1_800_000_000 + 660, w);
        Assert.Equal([Reason.EventTimeInFuture], w);
    }

    [Fact]
    public void EventTimeRules_AsTimePasses_WarningsAppear()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var rules = new EventTimeRules(clock);
        var w = new List<Reason>();
        rules.AddWarnings(1_800_000_000, w);
        Assert.Empty(w);
        clock.Advance(TimeSpan.FromDays(38));
        rules.AddWarnings(1_800_000_000, w);
        Assert.Equal([Reason.EventTimeNotAttributable], w);
    }
}
