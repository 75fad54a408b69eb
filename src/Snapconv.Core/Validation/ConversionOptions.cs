using System.ComponentModel.DataAnnotations;
using Snapconv.Core.Mapping;

namespace Snapconv.Core.Validation;

/// <summary>Settings that turn rows into CAPI events. Validated once at start-up.</summary>
public sealed record ConversionOptions
{
    /// <summary>Pixel the events are for; part of the stable event id. Default empty (validate without a pixel).</summary>
    public string PixelId { get; init; } = "";
    /// <summary>ISO alpha-2 for national phone numbers. Default none: a national number with no country is invalid.</summary>
    [RegularExpression("^[A-Z]{2}$")] public string? DefaultCountry { get; init; }
    /// <summary>Zone of naive event times. Default UTC.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;
    /// <summary>Older events become EVENT_TIME_TOO_OLD rejections. Default none: sent with a warning.</summary>
    [Range(1, 3650)] public int? MaxEventAgeDays { get; init; }
    public MappingSpec Mapping { get; init; } = MappingSpec.Empty;
}
