using System.Collections.Concurrent;

namespace Snapconv.Core.Normalization;

/// <summary>Finds the <c>--timezone</c> zone by IANA id (spec §4.3). Default: <see cref="DefaultId"/>.</summary>
public static class TimeZones
{
    /// <summary>The zone used when none is configured.</summary>
    public const string DefaultId = "UTC";

    private static readonly ConcurrentDictionary<string, TimeZoneInfo> Cache = new(StringComparer.Ordinal);

    /// <summary>
    /// True with the zone for an IANA id such as <c>America/New_York</c>; <c>null</c>, empty,
    /// <c>UTC</c> and <c>Etc/UTC</c> give <see cref="TimeZoneInfo.Utc"/>. False for an unknown id. Never throws.
    /// </summary>
    public static bool TryFind(string? ianaId, out TimeZoneInfo zone)
    {
        var id = ianaId?.Trim();
        if (string.IsNullOrEmpty(id) || id.Equals("UTC", StringComparison.OrdinalIgnoreCase)
            || id.Equals("Etc/UTC", StringComparison.OrdinalIgnoreCase))
        {
            zone = TimeZoneInfo.Utc;
            return true;
        }
        if (Cache.TryGetValue(id, out var cached))
        {
            zone = cached;
            return true;
        }
        if (TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found))
        {
            zone = Cache.GetOrAdd(id, found);
            return true;
        }
        zone = TimeZoneInfo.Utc;
        return false;
    }
}
