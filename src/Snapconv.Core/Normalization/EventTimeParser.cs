using System.Globalization;
using Snapconv.Core.Capi;

namespace Snapconv.Core.Normalization;

/// <summary>
/// Reads an <c>event_time</c> input as Unix seconds (spec §4.3). Accepted: numbers or digit strings below
/// 10^11 as seconds (a fraction floored), from 10^11 below 10^14 as milliseconds (floored), exactly 8 digits
/// forming a valid <c>yyyyMMdd</c> as a date; ISO 8601 <c>yyyy-MM-dd[(T| )HH:mm[:ss[.fff…]]]</c> with
/// <c>Z</c> or <c>±HH[:mm]</c> as that instant; without an offset, date-times and dates (midnight) are read
/// in the zone, a time in a DST gap moving forward by the gap and an ambiguous time taking the earlier
/// instant. A caller format (a .NET custom format, invariant culture) is tried first. The result must pass
/// <see cref="EventTimeRules.TryToSeconds"/> (after 2000-01-01, below 10^14); else false. Never throws.
/// </summary>
public static class EventTimeParser
{
    private const long UnixEpochTicks = 621_355_968_000_000_000;

    /// <summary>
    /// Parses <paramref name="raw"/>. <paramref name="format"/> (optional) is a .NET custom date format such
    /// as <c>dd/MM/yyyy HH:mm</c>; when it fails the standard forms still apply. A format with <c>z</c> or
    /// <c>K</c> gives an instant (no offset in the text = UTC); otherwise the text is read in
    /// <paramref name="zone"/>.
    /// </summary>
    public static bool TryParse(string? raw, TimeZoneInfo zone, string? format, out long unixSeconds)
    {
        unixSeconds = 0;
        if (raw is null) return false;
        var s = raw.AsSpan().Trim();
        if (s.IsEmpty) return false;

        if (!string.IsNullOrEmpty(format) && TryParseWithFormat(s, zone, format, out unixSeconds)) return true;

        var wasNumber = false;
        if (char.IsAsciiDigit(s[0]) && TryParseNumber(s, zone, out unixSeconds, out wasNumber)) return true;
        if (wasNumber) return false;
        return TryParseIso(s, zone, out unixSeconds);
    }

    /// <summary>
    /// A typed timestamp (Parquet, SQL): <see cref="DateTimeKind.Utc"/> is that instant; Unspecified and
    /// Local are read as wall-clock time in <paramref name="zone"/>. Same bounds as the text form.
    /// </summary>
    public static bool TryParse(DateTime value, TimeZoneInfo zone, out long unixSeconds)
    {
        var ticks = value.Kind == DateTimeKind.Utc ? value.Ticks : LocalToUtcTicks(value.Ticks, zone);
        return Bounded(FloorSeconds(ticks), out unixSeconds);
    }

    /// <summary>A typed instant. Same bounds as the text form.</summary>
    public static bool TryParse(DateTimeOffset value, out long unixSeconds) =>
        Bounded(FloorSeconds(value.UtcTicks), out unixSeconds);

    private static bool TryParseWithFormat(ReadOnlySpan<char> s, TimeZoneInfo zone, string format, out long unixSeconds)
    {
        unixSeconds = 0;
        if (format.Contains('z') || format.Contains('K'))
        {
            if (!DateTimeOffset.TryParseExact(s, format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dto))
                return false;
            return TryParse(dto, out unixSeconds);
        }
        if (!DateTime.TryParseExact(s, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var dt)) return false;
        return Bounded(FloorSeconds(LocalToUtcTicks(dt.Ticks, zone)), out unixSeconds);
    }

    private static bool TryParseNumber(ReadOnlySpan<char> s, TimeZoneInfo zone, out long unixSeconds, out bool wasNumber)
    {
        unixSeconds = 0;
        wasNumber = false;
        var dot = s.IndexOf('.');
        var integer = dot < 0 ? s : s[..dot];
        if (integer.IsEmpty || !AllDigits(integer)) return false;
        if (dot >= 0 && (dot == s.Length - 1 || !AllDigits(s[(dot + 1)..]))) return false;
        wasNumber = true;

        if (dot < 0 && integer.Length == 8)
        {
            int y = Num(integer[..4]), m = Num(integer.Slice(4, 2)), d = Num(integer.Slice(6, 2));
            if (!IsDate(y, m, d)) return false;
            return Bounded(FloorSeconds(LocalToUtcTicks(new DateTime(y, m, d).Ticks, zone)), out unixSeconds);
        }

        // Skip leading zeros; more than 14 significant digits is ≥ 10^14 anyway.
        var start = 0;
        while (start < integer.Length - 1 && integer[start] == '0') start++;
        if (integer.Length - start > 14) return false;
        var value = 0L;
        foreach (var c in integer[start..]) value = value * 10 + (c - '0');
        return EventTimeRules.TryToSeconds(value, out unixSeconds);
    }

    private static bool TryParseIso(ReadOnlySpan<char> s, TimeZoneInfo zone, out long unixSeconds)
    {
        unixSeconds = 0;
        // yyyy-MM-dd
        if (s.Length < 10 || !AllDigits(s[..4]) || s[4] != '-' || !AllDigits(s.Slice(5, 2)) || s[7] != '-'
            || !AllDigits(s.Slice(8, 2)))
            return false;
        int year = Num(s[..4]), month = Num(s.Slice(5, 2)), day = Num(s.Slice(8, 2));
        if (!IsDate(year, month, day)) return false;
        long ticks = new DateTime(year, month, day).Ticks;
        var p = 10;
        if (p < s.Length && s[p] is 'T' or 't' or ' ' && p + 1 < s.Length && char.IsAsciiDigit(s[p + 1]))
        {
            p++;
            if (p + 5 > s.Length || !AllDigits(s.Slice(p, 2)) || s[p + 2] != ':' || !AllDigits(s.Slice(p + 3, 2))) return false;
            int hour = Num(s.Slice(p, 2)), minute = Num(s.Slice(p + 3, 2)), second = 0;
            p += 5;
            long fraction = 0;
            if (p < s.Length && s[p] == ':')
            {
                if (p + 3 > s.Length || !AllDigits(s.Slice(p + 1, 2))) return false;
                second = Num(s.Slice(p + 1, 2));
                p += 3;
                if (p < s.Length && s[p] is '.' or ',')
                {
                    p++;
                    var digits = 0;
                    long scale = TimeSpan.TicksPerSecond;
                    while (p < s.Length && char.IsAsciiDigit(s[p]))
                    {
                        if (scale >= 10)
                        {
                            scale /= 10;
                            fraction += (s[p] - '0') * scale;
                        }
                        digits++;
                        p++;
                    }
                    if (digits == 0) return false;
                }
            }
            if (hour > 23 || minute > 59 || second > 59) return false;
            ticks += hour * TimeSpan.TicksPerHour + minute * TimeSpan.TicksPerMinute + second * TimeSpan.TicksPerSecond + fraction;
        }

        if (p == s.Length) return Bounded(FloorSeconds(LocalToUtcTicks(ticks, zone)), out unixSeconds);

        // An offset: Z, or ±HH, ±HHmm, ±HH:mm (one space allowed before it).
        if (s[p] == ' ') p++;
        if (p == s.Length) return false;
        if (s[p] is 'Z' or 'z')
            return p + 1 == s.Length && Bounded(FloorSeconds(ticks), out unixSeconds);
        if (s[p] is not ('+' or '-')) return false;
        var sign = s[p] == '-' ? -1 : 1;
        var rest = s[(p + 1)..];
        int oh, om = 0;
        if (rest.Length == 2 && AllDigits(rest)) oh = Num(rest);
        else if (rest.Length == 4 && AllDigits(rest)) { oh = Num(rest[..2]); om = Num(rest[2..]); }
        else if (rest.Length == 5 && rest[2] == ':' && AllDigits(rest[..2]) && AllDigits(rest[3..])) { oh = Num(rest[..2]); om = Num(rest[3..]); }
        else return false;
        if (oh > 14 || om > 59) return false;
        var offsetTicks = sign * (oh * TimeSpan.TicksPerHour + om * TimeSpan.TicksPerMinute);
        return Bounded(FloorSeconds(ticks - offsetTicks), out unixSeconds);
    }

    /// <summary>
    /// Wall-clock ticks in <paramref name="zone"/> → UTC ticks. A time in a DST gap is read with the
    /// offset before the gap (so it moves forward by the gap); an ambiguous time takes the earlier instant
    /// (the larger offset).
    /// </summary>
    private static long LocalToUtcTicks(long localTicks, TimeZoneInfo zone)
    {
        if (ReferenceEquals(zone, TimeZoneInfo.Utc)) return localTicks;
        var local = new DateTime(localTicks, DateTimeKind.Unspecified);
        TimeSpan offset;
        if (zone.IsInvalidTime(local))
        {
            // The offset in force a day earlier, as a UTC instant: before the gap.
            var before = localTicks - TimeSpan.TicksPerDay;
            offset = zone.GetUtcOffset(new DateTime(before < 0 ? 0 : before, DateTimeKind.Utc));
        }
        else if (zone.IsAmbiguousTime(local))
        {
            var offsets = zone.GetAmbiguousTimeOffsets(local);
            offset = offsets[0];
            foreach (var o in offsets)
                if (o > offset) offset = o;
        }
        else
        {
            offset = zone.GetUtcOffset(local);
        }
        return localTicks - offset.Ticks;
    }

    private static long FloorSeconds(long utcTicks)
    {
        var t = utcTicks - UnixEpochTicks;
        var s = t / TimeSpan.TicksPerSecond;
        if (t < 0 && t % TimeSpan.TicksPerSecond != 0) s--;
        return s;
    }

    private static bool Bounded(long seconds, out long unixSeconds)
    {
        unixSeconds = 0;
        if (seconds < EventTimeRules.MinSeconds || seconds >= EventTimeRules.MillisecondsFrom) return false;
        unixSeconds = seconds;
        return true;
    }

    private static bool IsDate(int y, int m, int d) =>
        y is >= 1 and <= 9999 && m is >= 1 and <= 12 && d >= 1 && d <= DateTime.DaysInMonth(y, m);

    private static bool AllDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
            if (!char.IsAsciiDigit(c)) return false;
        return !s.IsEmpty;
    }

    private static int Num(ReadOnlySpan<char> s)
    {
        var v = 0;
        foreach (var c in s) v = v * 10 + (c - '0');
        return v;
    }
}
