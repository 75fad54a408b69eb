using System.CommandLine;
using Snapconv.Core.Formats;
using Snapconv.Core.Mapping;
using Snapconv.Core.Normalization;
using Snapconv.Core.Validation;

namespace Snapconv.Cli.Commands;

/// <summary>The input and output options that validate, preprocess and upload share.</summary>
internal sealed class ConversionOptionSet
{
    public Argument<string[]> Inputs { get; } = new("INPUT")
    {
        Description = "Files, directories or globs (CSV/TSV, JSON, NDJSON, Parquet; .gz too).",
        Arity = ArgumentArity.OneOrMore,
    };
    public Option<string?> Mapping { get; } = new("--mapping") { Description = "Mapping file (YAML or JSON): columns → CAPI fields, constants, formats." };
    public Option<string?> DefaultCountry { get; } = new("--default-country") { Description = "ISO alpha-2 country for national phone numbers, e.g. US. Default: none (national numbers are invalid)." };
    public Option<string> TimeZone { get; } = new("--timezone") { Description = "IANA time zone of naive event times.", DefaultValueFactory = _ => "UTC" };
    public Option<string?> PixelId { get; } = new("--pixel-id") { Description = "Pixel the events are for (part of derived event ids)." };
    public Option<int?> MaxEventAgeDays { get; } = new("--max-event-age-days") { Description = "Reject events older than N days as EVENT_TIME_TOO_OLD. Default: send them with a warning." };
    public Option<string?> Report { get; } = new("--report") { Description = "Write the run report (JSON) here." };
    public Option<string?> Rejects { get; } = new("--rejects") { Description = "Write rejected rows (CSV: original columns + row, file, reason, field) here." };
    public Option<string?> EventsOut { get; } = new("--events-out") { Description = "Write the exact CAPI events (NDJSON) here." };

    public void AddTo(Command command, bool includePixel = true)
    {
        command.Arguments.Add(Inputs);
        foreach (var o in new Option[] { Mapping, DefaultCountry, TimeZone, MaxEventAgeDays, Report, Rejects, EventsOut })
            command.Options.Add(o);
        if (includePixel) command.Options.Add(PixelId);
    }

    /// <summary>Reads and validates the options; <see cref="UsageException"/> names the bad one.</summary>
    public (IReadOnlyList<string> Files, ConversionOptions Options) Resolve(ParseResult r, TimeProvider clock, string? pixelId = null)
    {
        var tzName = r.GetValue(TimeZone) ?? "UTC";
        if (!TimeZones.TryFind(tzName, out var zone))
            throw new UsageException($"--timezone '{tzName}' is not an IANA time zone (e.g. America/New_York, Europe/London, UTC).");
        string? country = null;
        if (r.GetValue(DefaultCountry) is { } rawCountry)
        {
            if (!CountryNormalizer.TryNormalize(rawCountry, out var alpha2))
                throw new UsageException($"--default-country '{rawCountry}' is not an ISO 3166 country code or name.");
            country = alpha2.ToUpperInvariant();
        }
        if (r.GetValue(MaxEventAgeDays) is { } age && age is < 1 or > 3650)
            throw new UsageException("--max-event-age-days must be between 1 and 3650.");
        var mapping = r.GetValue(Mapping) is { } m ? MappingFileLoader.Load(m) : MappingSpec.Empty;
        var files = InputResolver.Resolve(r.GetValue(Inputs) ?? []);
        var options = new ConversionOptions
        {
            PixelId = pixelId ?? r.GetValue(PixelId) ?? "",
            DefaultCountry = country,
            TimeZone = zone,
            MaxEventAgeDays = r.GetValue(MaxEventAgeDays),
            Mapping = mapping,
            Clock = clock,
        };
        return (files, options);
    }
}

/// <summary>A usage error: exit code 2 with this message.</summary>
internal sealed class UsageException(string message) : Exception(message);
