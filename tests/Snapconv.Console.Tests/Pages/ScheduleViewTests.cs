using Snapconv.Console.Pages.Jobs;

namespace Snapconv.Console.Tests.Pages;

public sealed class ScheduleViewTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 19, 40, 0, TimeSpan.Zero);

    [Fact]
    public void For_HourlyCron_NextThreeHoursInUtc()
    {
        var view = ScheduleView.For("0 * * * *", null, 3, Now);

        Assert.Null(view.Error);
        Assert.Equal([Now.AddMinutes(20), Now.AddMinutes(80), Now.AddMinutes(140)], view.Times);
    }

    [Fact]
    public void For_DailyInATimeZone_FiresAtThatZonesHour()
    {
        var view = ScheduleView.For("30 2 * * *", "Europe/Berlin", 2, Now);

        // 02:30 in Berlin (UTC+1 in December) is 01:30 UTC.
        Assert.Equal([new DateTimeOffset(2026, 12, 6, 1, 30, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 7, 1, 30, 0, TimeSpan.Zero)], view.Times);
    }

    [Fact]
    public void For_BadCronOrZone_TheLoadersWords()
    {
        Assert.StartsWith("schedule: a cron expression has 5 fields", ScheduleView.For("0 * *", null, 3, Now).Error);
        Assert.Equal("timezone: 'Mars/Olympus' is not an IANA time zone (e.g. Europe/London).", ScheduleView.For("0 * * * *", "Mars/Olympus", 3, Now).Error);
        Assert.Empty(ScheduleView.For("0 * *", null, 3, Now).Times);
    }

    [Fact]
    public void For_NoSchedule_NothingShown()
    {
        var view = ScheduleView.For(" ", "UTC", 3, Now);
        Assert.Empty(view.Times);
        Assert.Null(view.Error);
    }
}
