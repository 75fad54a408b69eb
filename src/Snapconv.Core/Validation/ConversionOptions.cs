using System.ComponentModel.DataAnnotations;
using Snapconv.Core.Mapping;
using Snapconv.Core.Options;

namespace Snapconv.Core.Validation;

/// <summary>
/// Settings that turn rows into CAPI events. Validated once at start-up by <see cref="Validate"/>, for the command-line
/// flags (<c>--max-event-age-days</c>) and a job's keys (<c>jobs[0].max_event_age_days</c>) alike.
/// </summary>
public sealed record ConversionOptions
{
    /// <summary>Largest <see cref="MaxEventAgeDays"/>: ten years.</summary>
    public const int MaxEventAgeDaysLimit = 3_650;

    /// <summary>Pixel the events are for; part of the stable event id. Default empty (validate without a pixel).</summary>
    public string PixelId { get; init; } = "";
    /// <summary>ISO alpha-2 for national phone numbers. Default none: a national number with no country is invalid.</summary>
    [RegularExpression("^[A-Z]{2}$", ErrorMessage = "must be an ISO 3166 alpha-2 code such as US (was '{0}').")] public string? DefaultCountry { get; init; }
    /// <summary>Zone of naive event times. Default UTC.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;
    /// <summary>Older events become EVENT_TIME_TOO_OLD rejections. Default none: sent with a warning.</summary>
    [Range(1, MaxEventAgeDaysLimit)] public int? MaxEventAgeDays { get; init; }
    public MappingSpec Mapping { get; init; } = MappingSpec.Empty;

    /// <summary>Every problem, each path under <paramref name="path"/> (a bare key such as <c>max_event_age_days</c> when blank); empty when valid.</summary>
    public IReadOnlyList<OptionError> Validate(string path = "") => OptionValidator.Check(this, path);
}
