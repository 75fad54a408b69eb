using System.ComponentModel.DataAnnotations;
using Snapconv.Core.Options;
using YamlDotNet.RepresentationModel;

namespace Snapconv.Jobs;

/// <summary>
/// One job as a job file writes it: the job-level keys are the snake_case names of these properties
/// (<see cref="OptionBinder"/>), so this record is the one list of them. <see cref="JobFileLoader"/> binds a job's
/// mapping onto it, checks it with <see cref="Validate"/> and resolves it into a <see cref="JobDefinition"/>
/// (paths made absolute, names looked up, the sections bound to their own options records).
/// </summary>
public sealed record JobSettings
{
    /// <summary>Most days of run history a job may keep (<c>history_days</c>, <c>--history-days</c>): ten years.</summary>
    public const int MaxHistoryDays = 3_650;

    /// <summary>Unique name, <c>[a-z0-9_-]+</c>. Required.</summary>
    [Required, RegularExpression("^[a-z0-9_-]+$", ErrorMessage = "must match [a-z0-9_-]+ (was '{0}').")]
    public string? Name { get; init; }
    /// <summary>Pixel ID. Required.</summary>
    [Required] public string? PixelId { get; init; }
    /// <summary>Environment variable holding the token. Default <c>SNAPCONV_ACCESS_TOKEN</c>.</summary>
    public string? TokenEnv { get; init; }
    /// <summary>File holding the token (wins over <see cref="TokenEnv"/>). Default none.</summary>
    public string? TokenFile { get; init; }
    /// <summary>Base URL of the Conversions API. Default Snap's.</summary>
    public string? Endpoint { get; init; }
    /// <summary>Cron (5 fields, or 6 with seconds first). Default none: the job runs only with <c>snapconv run</c>.</summary>
    public string? Schedule { get; init; }
    /// <summary>IANA zone of the schedule and of naive event times. Default UTC.</summary>
    public string? Timezone { get; init; }
    /// <summary>Country (code or name) of national phone numbers. Default none.</summary>
    public string? DefaultCountry { get; init; }
    /// <summary>Reject events older than N days (checked by the conversion's options). Default none.</summary>
    public int? MaxEventAgeDays { get; init; }
    /// <summary>A mapping file. Default none (auto-detect).</summary>
    public string? MappingFile { get; init; }
    /// <summary>An inline mapping (the mapping file's format).</summary>
    public YamlNode? Mapping { get; init; }
    /// <summary>A preset (see <c>snapconv presets</c>).</summary>
    public string? Preset { get; init; }
    /// <summary>Switches the preset declares, name → true/false.</summary>
    public IReadOnlyDictionary<string, string>? PresetOptions { get; init; }
    /// <summary><c>{pattern: …}</c>: the join file the mapping reads beside the main export.</summary>
    public YamlNode? Contacts { get; init; }
    /// <summary>Currency of rows whose export carries none.</summary>
    public string? Currency { get; init; }
    /// <summary>Event of rows that carry none.</summary>
    public string? EventName { get; init; }
    /// <summary>Culture of numbers and dates in text cells.</summary>
    public string? Locale { get; init; }
    /// <summary>Workbook sheet. Default the first.</summary>
    public string? Sheet { get; init; }
    /// <summary>Text encoding of CSV/TSV inputs. Default detected.</summary>
    public string? Encoding { get; init; }
    /// <summary>The <c>delivery:</c> section (bound to <c>UploadOptions</c>).</summary>
    public YamlNode? Delivery { get; init; }
    /// <summary>State folder. Default <c>.snapconv</c> beside the job file.</summary>
    public string? StateDir { get; init; }
    /// <summary>The <c>source:</c> section (<c>type:</c> picks the kind). Required.</summary>
    [Required] public YamlNode? Source { get; init; }
    /// <summary>Size cap of a decompressed input, e.g. <c>50GiB</c>. Default 50 GiB.</summary>
    public string? MaxDecompressedSize { get; init; }
    /// <summary>Days serve keeps this job's run history, 1..3650. Default serve's.</summary>
    [Range(1, MaxHistoryDays)] public int? HistoryDays { get; init; }

    /// <summary>Every problem of the job-level keys, each path under <paramref name="path"/> (<c>jobs[0]</c>); empty when valid.</summary>
    public IReadOnlyList<OptionError> Validate(string path) => OptionValidator.Check(this, path);
}

/// <summary>A job's <c>contacts:</c> section: the join file the mapping reads, from the job's own source.</summary>
public sealed record JobContacts
{
    /// <summary>Glob of the join file, e.g. <c>*contacts*.csv</c>; the newest match is read. Required.</summary>
    [Required(ErrorMessage = "required, e.g. \"*contacts*.csv\".")] public string? Pattern { get; init; }
}
