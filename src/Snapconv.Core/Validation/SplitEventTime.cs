using Snapconv.Core.Capi;
using Snapconv.Core.Mapping;
using Snapconv.Core.Normalization;

namespace Snapconv.Core.Validation;

/// <summary>
/// An event time written in several columns (<see cref="ColumnRule.TimeColumn"/>, <see cref="ColumnRule.ZoneColumn"/>):
/// the date column's text, the time of day appended, read in the zone the zone column names (<see cref="ZoneNames"/>).
/// </summary>
internal static class SplitEventTime
{
    /// <summary>
    /// Appends the time of day to <paramref name="raw"/> and sets <paramref name="zone"/> from the zone column (a blank zone
    /// cell keeps the run's zone). False when the zone cell names no zone; <paramref name="zoneName"/> is then that name.
    /// </summary>
    public static bool TryCompose(ColumnBinding binding, ReadOnlySpan<string?> fields, ref string raw, ref TimeZoneInfo zone, out string? zoneName)
    {
        zoneName = null;
        if (Cell(fields, binding.TimeOrdinal) is { } time) raw = raw.Trim() + " " + time.Trim();
        if (Cell(fields, binding.ZoneOrdinal) is not { } name) return true;
        if (ZoneNames.TryFind(name, out var z))
        {
            zone = z;
            return true;
        }
        zoneName = name.Trim();
        return false;
    }

    /// <summary>The rejection of a row whose zone is not known; a zone name is not personal data, so it is quoted.</summary>
    public static Reason UnknownZone(string? name) => Reason.InvalidEventTime with
    {
        Message = $"the time zone '{name}' is not an IANA, Windows or Rails zone name.",
    };

    private static string? Cell(ReadOnlySpan<string?> fields, int ordinal) =>
        (uint)ordinal < (uint)fields.Length && !string.IsNullOrWhiteSpace(fields[ordinal]) ? fields[ordinal] : null;
}
