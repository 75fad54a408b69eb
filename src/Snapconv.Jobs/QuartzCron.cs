using System.Globalization;

namespace Snapconv.Jobs;

/// <summary>
/// Translates a job file's <c>schedule</c> (Cronos syntax: 5 fields, or 6 with seconds first; day of week 0-7 with both
/// 0 and 7 Sunday; <c>*</c> or <c>?</c> in either day field) into Quartz's cron (seconds first; exactly one of day of
/// month and day of week is <c>?</c>; day of week 1-7 with 1 Sunday), so that job files keep their syntax while Quartz
/// fires them. Names (JAN, MON…), steps, ranges, lists, <c>L</c>, <c>W</c>, <c>LW</c>, <c>L-n</c>, <c>nL</c> and
/// <c>n#k</c> keep their meaning.
/// </summary>
public static class QuartzCron
{
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    /// <summary>The Quartz expression firing at the same times as <paramref name="cronos"/>.</summary>
    /// <exception cref="FormatException">
    /// Not 5 or 6 fields, or both a day of month and a day of week restricted (Cronos fires on days matching both,
    /// which Quartz cannot say); the message names the schedule and the fix.
    /// </exception>
    public static string Translate(string cronos)
    {
        var f = cronos.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length is not (5 or 6))
            throw new FormatException($"'{cronos}' has {f.Length} fields; a schedule has 5 (minute hour day month weekday) or 6 (seconds first).");
        if (f.Length == 5) f = ["0", .. f];
        var (sec, min, hour, dom, month, dow) = (f[0], f[1], f[2], f[3], f[4], f[5]);
        var domAny = dom is "*" or "?";
        var dowAny = dow is "*" or "?";
        if (!domAny && !dowAny)
            throw new FormatException($"'{cronos}' restricts both the day of month ('{dom}') and the day of week ('{dow}'); give one of them and '*' for the other.");
        return string.Join(' ', sec, min, hour, dowAny ? (domAny ? "*" : dom) : "?", month, dowAny ? "?" : DayOfWeek(dow, cronos));
    }

    /// <summary>Like <see cref="Translate"/>, with the problem as a message instead of an exception.</summary>
    public static bool TryTranslate(string cronos, out string quartz, out string? problem)
    {
        try
        {
            quartz = Translate(cronos);
            problem = null;
            return true;
        }
        catch (FormatException e)
        {
            quartz = "";
            problem = e.Message;
            return false;
        }
    }

    // Cronos numbers Sunday 0 (and 7), Quartz 1. Numeric items (values, ranges, steps) are expanded into the days they
    // name and written back as a Quartz list, so ranges ending on 7 and steps keep their days exactly.
    private static string DayOfWeek(string field, string cronos)
    {
        var items = new List<string>();
        var days = new SortedSet<int>();
        foreach (var raw in field.Split(','))
        {
            var item = raw.ToUpperInvariant();
            if (item.EndsWith('L') && item.Length > 1)
                items.Add(QuartzDay(Day(item[..^1], cronos)) + "L");
            else if (item.IndexOf('#', StringComparison.Ordinal) is var hash and > 0)
                items.Add(QuartzDay(Day(item[..hash], cronos)) + item[hash..]);
            else
                Expand(item, days, cronos);
        }
        if (days.Count > 0) items.Insert(0, string.Join(',', days.Select(QuartzDay)));
        return string.Join(',', items);
    }

    private static void Expand(string item, SortedSet<int> days, string cronos)
    {
        var step = 1;
        var slash = item.IndexOf('/', StringComparison.Ordinal);
        var range = item;
        if (slash >= 0)
        {
            if (!int.TryParse(item[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1) throw Bad(cronos);
            range = item[..slash];
        }
        int from, to;
        if (range is "*" or "?") (from, to) = (0, 6);
        else if (range.IndexOf('-', StringComparison.Ordinal) is var dash and > 0)
            (from, to) = (Day(range[..dash], cronos), Day(range[(dash + 1)..], cronos));
        else
        {
            from = Day(range, cronos);
            // "5/2" runs from 5 to the end of the week, as Cronos reads it.
            to = slash >= 0 ? 7 : from;
        }
        if (to < from) throw Bad(cronos);
        for (var d = from; d <= to; d += step) days.Add(d % 7);
    }

    private static int Day(string text, string cronos)
    {
        var named = Array.IndexOf(DayNames, text);
        if (named >= 0) return named;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 0 and <= 7) return n;
        throw Bad(cronos);
    }

    private static string QuartzDay(int cronosDay) => (cronosDay % 7 + 1).ToString(CultureInfo.InvariantCulture);

    private static FormatException Bad(string cronos) => new($"'{cronos}' has a day of week Quartz cannot read; use 0-7, SUN-SAT, ranges, lists, steps, nL or n#k.");
}
