using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace Snapconv.Core.Normalization;

/// <summary>
/// Time-zone names as exports write them, read as zones: IANA ids (<c>America/New_York</c>), Windows ids
/// (<c>Eastern Standard Time</c>), Rails/ActiveSupport names (<c>Eastern Time (US &amp; Canada)</c>, <c>London</c>,
/// <c>Mumbai</c>; Square writes these), also behind a Windows display prefix (<c>(UTC-05:00) Eastern Time (US &amp; Canada)</c>).
/// Case is ignored. Thread-safe; each name is resolved once.
/// </summary>
public static class ZoneNames
{
    // Rails names that are not the city of an IANA id (the others are found as Region/City below). Several ids: the first the
    // system's zone data has (tzdata renamed Kiev, Rangoon and Godthab).
    private static readonly FrozenDictionary<string, string> Named = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["International Date Line West"] = "Etc/GMT+12", ["Midway Island"] = "Pacific/Midway", ["American Samoa"] = "Pacific/Pago_Pago",
        ["Hawaii"] = "Pacific/Honolulu", ["Alaska"] = "America/Juneau", ["Pacific Time (US & Canada)"] = "America/Los_Angeles",
        ["Mountain Time (US & Canada)"] = "America/Denver", ["Arizona"] = "America/Phoenix", ["Central Time (US & Canada)"] = "America/Chicago",
        ["Saskatchewan"] = "America/Regina", ["Guadalajara"] = "America/Mexico_City", ["Central America"] = "America/Guatemala",
        ["Eastern Time (US & Canada)"] = "America/New_York", ["Indiana (East)"] = "America/Indiana/Indianapolis", ["Quito"] = "America/Lima",
        ["Atlantic Time (Canada)"] = "America/Halifax", ["Newfoundland"] = "America/St_Johns", ["Brasilia"] = "America/Sao_Paulo",
        ["Buenos Aires"] = "America/Argentina/Buenos_Aires", ["Georgetown"] = "America/Guyana", ["Greenland"] = "America/Nuuk|America/Godthab",
        ["Mid-Atlantic"] = "Atlantic/South_Georgia", ["Cape Verde Is."] = "Atlantic/Cape_Verde", ["Edinburgh"] = "Europe/London",
        ["UTC"] = "Etc/UTC", ["Bern"] = "Europe/Zurich", ["West Central Africa"] = "Africa/Algiers", ["Kyiv"] = "Europe/Kyiv|Europe/Kiev",
        ["Pretoria"] = "Africa/Johannesburg", ["St. Petersburg"] = "Europe/Moscow", ["Abu Dhabi"] = "Asia/Muscat",
        ["Ekaterinburg"] = "Asia/Yekaterinburg", ["Islamabad"] = "Asia/Karachi", ["Chennai"] = "Asia/Kolkata", ["Mumbai"] = "Asia/Kolkata",
        ["New Delhi"] = "Asia/Kolkata", ["Astana"] = "Asia/Almaty", ["Sri Jayawardenepura"] = "Asia/Colombo",
        ["Rangoon"] = "Asia/Yangon|Asia/Rangoon", ["Hanoi"] = "Asia/Bangkok", ["Beijing"] = "Asia/Shanghai", ["Osaka"] = "Asia/Tokyo",
        ["Sapporo"] = "Asia/Tokyo", ["Canberra"] = "Australia/Sydney", ["Solomon Is."] = "Pacific/Guadalcanal",
        ["New Caledonia"] = "Pacific/Noumea", ["Marshall Is."] = "Pacific/Majuro", ["Wellington"] = "Pacific/Auckland",
        ["Nuku'alofa"] = "Pacific/Tongatapu", ["Tokelau Is."] = "Pacific/Fakaofo", ["Chatham Is."] = "Pacific/Chatham",
        ["Samoa"] = "Pacific/Apia",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly string[] Regions = ["America", "Europe", "Asia", "Africa", "Australia", "Pacific", "Atlantic", "Indian"];
    private static readonly ConcurrentDictionary<string, TimeZoneInfo?> Cache = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>True with the zone <paramref name="name"/> names; false (and UTC) for a name no rule reads. Never throws.</summary>
    public static bool TryFind(string? name, out TimeZoneInfo zone)
    {
        var key = name?.Trim() ?? "";
        var found = key.Length == 0 ? null : Cache.GetOrAdd(key, Resolve);
        zone = found ?? TimeZoneInfo.Utc;
        return found is not null;
    }

    private static TimeZoneInfo? Resolve(string name)
    {
        // "(UTC-05:00) Eastern Time (US & Canada)": a Windows display name; its text after the offset is the Rails name.
        if (name.StartsWith("(UTC", StringComparison.OrdinalIgnoreCase) && name.IndexOf(')') is > 0 and var close)
            return Resolve(name[(close + 1)..].Trim());
        if (name.Contains('/') || name.Equals("UTC", StringComparison.OrdinalIgnoreCase))
            return TimeZones.TryFind(name, out var iana) ? iana : null;
        if (Named.TryGetValue(name, out var ids))
            foreach (var id in ids.Split('|'))
                if (TimeZones.TryFind(id, out var z)) return z;
        if (TimeZoneInfo.TryConvertWindowsIdToIanaId(name, out var fromWindows) && TimeZones.TryFind(fromWindows, out var w)) return w;
        var city = name.Replace(' ', '_');
        foreach (var region in Regions)
            if (TimeZones.TryFind(region + "/" + city, out var z)) return z;
        return null;
    }
}
