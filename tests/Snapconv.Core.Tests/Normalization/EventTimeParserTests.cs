using Snapconv.Core.Normalization;

namespace Snapconv.Core.Tests.Normalization;

public sealed class EventTimeParserTests
{
    private static TimeZoneInfo NewYork
    {
        get
        {
            Assert.True(TimeZones.TryFind("America/New_York", out var zone));
            return zone;
        }
    }

    private static long Utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) =>
        new DateTimeOffset(y, mo, d, h, mi, s, TimeSpan.Zero).ToUnixTimeSeconds();

    [Theory]
    [InlineData("1734567890123", "UTC", 1734567890)]
    [InlineData("2024-12-19T00:24:50Z", "UTC", 1734567890)]
    [InlineData("2024-12-19T00:24:50Z", "America/New_York", 1734567890)]
    [InlineData("2024-12-18 19:24:50", "America/New_York", 1734567890)]
    [InlineData("2024-12-19", "UTC", 1734566400)]
    public void EventTime_SpecVector_GivesSeconds(string raw, string zoneId, long expected)
    {
        Assert.True(TimeZones.TryFind(zoneId, out var zone));
        Assert.True(EventTimeParser.TryParse(raw, zone, null, out var seconds));
        Assert.Equal(expected, seconds);
    }

    [Theory]
    [InlineData("1734567890", 1734567890)]
    [InlineData(" 1734567890.999 ", 1734567890)]
    [InlineData("1734567890999", 1734567890)]
    [InlineData("1734567890999.9", 1734567890)]
    [InlineData("20241219", 1734566400)]
    [InlineData("2024-12-19T00:24:50.987Z", 1734567890)]
    [InlineData("2024-12-19t00:24:50z", 1734567890)]
    [InlineData("2024-12-19T05:54:50+05:30", 1734567890)]
    [InlineData("2024-12-19T05:54:50+0530", 1734567890)]
    [InlineData("2024-12-18T19:24:50-05", 1734567890)]
    [InlineData("2024-12-19 00:24:50 +00:00", 1734567890)]
    [InlineData("2024-12-19T00:24", 1734567840)]
    [InlineData("946684800", 946684800)]
    public void EventTime_AcceptedForms_GiveSeconds(string raw, long expected)
    {
        Assert.True(EventTimeParser.TryParse(raw, TimeZoneInfo.Utc, null, out var seconds));
        Assert.Equal(expected, seconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("0")]
    [InlineData("-1734567890")]
    [InlineData("45000")] // Excel serial
    [InlineData("45000.5")]
    [InlineData("946684799")]
    [InlineData("100000000000000")] // 10^14
    [InlineData("99999999999999999999999")]
    [InlineData("20241340")]
    [InlineData("1999-12-31T23:59:59Z")]
    [InlineData("2024-02-30")]
    [InlineData("2024-12-19T24:00:00")]
    [InlineData("2024-12-19T00:24:50+25:00")]
    [InlineData("12/19/2024")]
    [InlineData("yesterday")]
    [InlineData("1734567890.")]
    [InlineData("1.7e9")]
    public void EventTime_Invalid_IsRejected(string raw) =>
        Assert.False(EventTimeParser.TryParse(raw, TimeZoneInfo.Utc, null, out _));

    [Fact]
    public void EventTime_NaiveTimeInSpringForwardGap_MovesForward()
    {
        // 2024-03-10 02:30 does not exist in New York; it becomes 03:30 EDT = 07:30Z.
        Assert.True(EventTimeParser.TryParse("2024-03-10 02:30:00", NewYork, null, out var seconds));
        Assert.Equal(Utc(2024, 3, 10, 7, 30), seconds);
    }

    [Fact]
    public void EventTime_AmbiguousFallBackTime_TakesEarlierInstant()
    {
        // 2024-11-03 01:30 happens twice in New York: EDT (05:30Z) first, then EST (06:30Z).
        Assert.True(EventTimeParser.TryParse("2024-11-03T01:30:00", NewYork, null, out var seconds));
        Assert.Equal(Utc(2024, 11, 3, 5, 30), seconds);
    }

    [Fact]
    public void EventTime_NaiveSummerTime_UsesDaylightOffset()
    {
        Assert.True(EventTimeParser.TryParse("2024-07-01 12:00:00", NewYork, null, out var seconds));
        Assert.Equal(Utc(2024, 7, 1, 16), seconds);
    }

    [Fact]
    public void EventTime_DateOnlyInZone_IsLocalMidnight()
    {
        Assert.True(EventTimeParser.TryParse("20241219", NewYork, null, out var seconds));
        Assert.Equal(Utc(2024, 12, 19, 5), seconds);
    }

    [Theory]
    [InlineData("19/12/2024 00:24", "dd/MM/yyyy HH:mm", "UTC", 1734567840)]
    [InlineData("18/12/2024 19:24", "dd/MM/yyyy HH:mm", "America/New_York", 1734567840)]
    [InlineData("19.12.2024 05:54:50 +05:30", "dd.MM.yyyy HH:mm:ss zzz", "America/New_York", 1734567890)]
    [InlineData("2024-12-19T00:24:50Z", "dd/MM/yyyy HH:mm", "UTC", 1734567890)] // format fails, ISO still applies
    public void EventTime_CustomFormat_IsUsed(string raw, string format, string zoneId, long expected)
    {
        Assert.True(TimeZones.TryFind(zoneId, out var zone));
        Assert.True(EventTimeParser.TryParse(raw, zone, format, out var seconds));
        Assert.Equal(expected, seconds);
    }

    [Fact]
    public void EventTime_TypedUtcDateTime_IsThatInstant()
    {
        var value = new DateTime(2024, 12, 19, 0, 24, 50, 500, DateTimeKind.Utc);
        Assert.True(EventTimeParser.TryParse(value, NewYork, out var seconds));
        Assert.Equal(1734567890, seconds);
    }

    [Fact]
    public void EventTime_TypedUnspecifiedDateTime_IsReadInZone()
    {
        var value = new DateTime(2024, 12, 18, 19, 24, 50, DateTimeKind.Unspecified);
        Assert.True(EventTimeParser.TryParse(value, NewYork, out var seconds));
        Assert.Equal(1734567890, seconds);
    }

    [Fact]
    public void EventTime_TypedDateTimeOffset_IsThatInstant()
    {
        Assert.True(EventTimeParser.TryParse(new DateTimeOffset(2024, 12, 18, 19, 24, 50, TimeSpan.FromHours(-5)), out var seconds));
        Assert.Equal(1734567890, seconds);
        Assert.False(EventTimeParser.TryParse(new DateTimeOffset(1999, 1, 1, 0, 0, 0, TimeSpan.Zero), out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("UTC")]
    [InlineData("Etc/UTC")]
    public void TimeZones_DefaultOrUtc_IsUtc(string? id)
    {
        Assert.True(TimeZones.TryFind(id, out var zone));
        Assert.Same(TimeZoneInfo.Utc, zone);
    }

    [Fact]
    public void TimeZones_UnknownId_IsNotFound() => Assert.False(TimeZones.TryFind("Mars/Olympus_Mons", out _));

    [Fact]
    public void TimeZones_IanaId_IsFound()
    {
        Assert.True(TimeZones.TryFind("Europe/Berlin", out var zone));
        Assert.Equal(TimeSpan.FromHours(1), zone.BaseUtcOffset);
    }
}
