using FsCheck.Xunit;
using Snapconv.Jobs;
using CronosCron = Cronos.CronExpression;
using CronosFormat = Cronos.CronFormat;
using QuartzCronExpression = Quartz.CronExpression;

namespace Snapconv.Cli.Tests.Jobs;

/// <summary>Job files keep Cronos syntax; Quartz fires them (#19): the translation keeps every fire time.</summary>
public class QuartzCronTests
{
    [Theory]
    [InlineData("0 * * * *", "0 0 * * * ?")]
    [InlineData("*/15 * * * *", "0 */15 * * * ?")]
    [InlineData("30 2 * * *", "0 30 2 * * ?")]
    [InlineData("0 6 * * 1-5", "0 0 6 ? * 2,3,4,5,6")]
    [InlineData("0 6 * * 0", "0 0 6 ? * 1")]
    [InlineData("0 6 * * 7", "0 0 6 ? * 1")]
    [InlineData("0 6 * * 5-7", "0 0 6 ? * 1,6,7")]
    [InlineData("0 6 * * */2", "0 0 6 ? * 1,3,5,7")]
    [InlineData("0 6 * * MON-FRI", "0 0 6 ? * 2,3,4,5,6")]
    [InlineData("0 6 * * 5L", "0 0 6 ? * 6L")]
    [InlineData("0 6 * * 1#2", "0 0 6 ? * 2#2")]
    [InlineData("0 6 15 * *", "0 0 6 15 * ?")]
    [InlineData("0 6 L * ?", "0 0 6 L * ?")]
    [InlineData("0 6 ? * 3", "0 0 6 ? * 4")]
    [InlineData("* * * * * *", "* * * * * ?")]
    [InlineData("*/2 * * * * *", "*/2 * * * * ?")]
    [InlineData("5 0 12 1 JAN *", "5 0 12 1 JAN ?")]
    public void Translate_CronosSchedule_IsQuartzSpelling(string cronos, string quartz)
    {
        Assert.Equal(quartz, QuartzCron.Translate(cronos));
        Assert.True(QuartzCronExpression.TryParse(quartz, out _), quartz);
    }

    [Theory]
    [InlineData("0 0 13 * 5", "restricts both the day of month ('13') and the day of week ('5')")]
    [InlineData("0 0 * *", "has 4 fields")]
    [InlineData("0 0 * * 8", "day of week Quartz cannot read")]
    public void Translate_UnsayableSchedule_FailsNamingIt(string cronos, string message)
    {
        var e = Assert.Throws<FormatException>(() => QuartzCron.Translate(cronos));
        Assert.Contains(message, e.Message);
        Assert.Contains($"'{cronos}'", e.Message);
    }

    [Fact]
    public void JobFile_BothDayFields_IsRefusedByTheLoader_WithItsPath()
    {
        var e = Assert.Throws<JobFileException>(() => JobFileLoader.Parse(
            "jobs:\n  - {name: s, pixel_id: p, schedule: \"0 0 13 * 5\", source: {type: local, path: x}}\n", "j.yaml", "/tmp"));
        Assert.Contains("jobs[0].schedule", e.Message);
        Assert.Contains("give one of them", e.Message);
    }

    private static readonly string[] Seconds = ["0", "*", "*/2", "15", "0,30", "10-20", "5/20"];
    private static readonly string[] Minutes = ["*", "0", "*/5", "30", "0,15,45", "1-10/3"];
    private static readonly string[] Hours = ["*", "0", "6", "*/4", "9-17", "22,23"];
    private static readonly string[] DaysOfMonth = ["1", "15", "L", "1-7", "*/10", "28-31"];
    private static readonly string[] Months = ["*", "1", "*/3", "JAN,JUL", "2-4"];
    private static readonly string[] DaysOfWeek = ["0", "7", "1-5", "5-7", "*/2", "SAT,SUN", "MON-WED", "2/3", "0,3,6", "5L", "1#2"];

    /// <summary>The next 25 fire times after a random instant agree, in UTC and in a zone with DST.</summary>
    [Property(MaxTest = 300)]
    public bool Translate_AnySchedule_FiresAtTheSameTimesAsCronos(byte s, byte m, byte h, byte day, byte mon, byte dow, bool useDom, bool seconds, int startMinutes, bool london)
    {
        string Pick(string[] a, byte i) => a[i % a.Length];
        var dom = useDom ? Pick(DaysOfMonth, day) : "*";
        var wd = useDom ? "*" : Pick(DaysOfWeek, dow);
        var text = $"{Pick(Minutes, m)} {Pick(Hours, h)} {dom} {Pick(Months, mon)} {wd}";
        if (seconds) text = $"{Pick(Seconds, s)} {text}";
        var cronos = CronosCron.Parse(text, seconds ? CronosFormat.IncludeSeconds : CronosFormat.Standard);
        var zone = london ? TimeZoneInfo.FindSystemTimeZoneById("Europe/London") : TimeZoneInfo.Utc;
        var quartz = new QuartzCronExpression(QuartzCron.Translate(text), zone);
        var at = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(Math.Abs(startMinutes % 1_000_000));
        for (var i = 0; i < 25; i++)
        {
            var a = cronos.GetNextOccurrence(at, zone);
            var b = quartz.GetNextValidTimeAfter(at);
            // Times inside a DST change are where the two libraries' documented rules differ (Cronos fires an hour in
            // the gap at its end, once in the overlap); a schedule around them is compared up to the first such time.
            if (a is { } x && zone.IsAmbiguousTime(x)) return true;
            if (a?.UtcDateTime != b?.UtcDateTime)
                throw new InvalidOperationException($"'{text}' ({zone.Id}) after {at:O}: Cronos {a:O}, Quartz {b:O} ({QuartzCron.Translate(text)})");
            if (a is null) return true;
            at = a.Value;
        }
        return true;
    }
}
