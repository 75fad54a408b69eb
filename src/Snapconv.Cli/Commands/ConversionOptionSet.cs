using System.CommandLine;
using Snapconv.Core.Formats;
using Snapconv.Core.Mapping;
using Snapconv.Core.Normalization;
using Snapconv.Core.Presets;
using Snapconv.Core.Validation;

namespace Snapconv.Cli.Commands;

/// <summary>The input and output options that validate, preprocess and upload share.</summary>
internal sealed class ConversionOptionSet
{
    public Argument<string[]> Inputs { get; } = new("INPUT")
    {
        Description = "Files, directories or globs (CSV/TSV, JSON, NDJSON, Parquet, Excel .xlsx/.xls, mParticle batches; .gz too).",
        Arity = ArgumentArity.OneOrMore,
    };
    /// <summary>The command's own output option (<c>preprocess --output</c>), checked with the others by <see cref="OutputChecks"/>.</summary>
    public Option<string>? Output { get; set; }
    public Option<string?> Mapping { get; } = new("--mapping") { Description = "Mapping file (YAML or JSON): columns → CAPI fields, constants, formats." };
    public Option<string?> DefaultCountry { get; } = new("--default-country") { Description = "ISO alpha-2 country for national phone numbers, e.g. US. Default: none (national numbers are invalid)." };
    public Option<string> TimeZone { get; } = new("--timezone") { Description = "IANA time zone of naive event times.", DefaultValueFactory = _ => "UTC" };
    public Option<string?> PixelId { get; } = new("--pixel-id") { Description = "Pixel the events are for (part of derived event ids)." };
    public Option<int?> MaxEventAgeDays { get; } = new("--max-event-age-days") { Description = "Reject events older than N days as EVENT_TIME_TOO_OLD. Default: send them with a warning." };
    public Option<string?> Report { get; } = new("--report") { Description = "Write the run report (JSON) here." };
    public Option<string?> Rejects { get; } = new("--rejects") { Description = "Write rejected rows (CSV: original columns + row, file, reason, field) here." };
    public Option<string?> EventsOut { get; } = new("--events-out") { Description = "Write the exact CAPI events (NDJSON) here." };
    public Option<string?> Preset { get; } = new("--preset") { Description = "Read the input as this CRM export (see `snapconv presets`). Default: recognised from the header when no --mapping is given." };
    public Option<string[]> Contacts { get; } = new("--contacts")
    {
        Description = "An extra file the preset joins (contacts, contact roles); repeatable. Each is recognised by its header.",
        AllowMultipleArgumentsPerToken = false,
    };
    public Option<string[]> PresetOptions { get; } = new("--preset-option")
    {
        Description = "Set a switch the preset declares, NAME=true|false (see `snapconv presets show NAME`); repeatable. E.g. include_online=true.",
        AllowMultipleArgumentsPerToken = false,
    };
    public Option<string?> Currency { get; } = new("--currency") { Description = "Currency (ISO code or English name) of rows whose export carries none, e.g. USD." };
    public Option<string?> EventName { get; } = new("--event-name") { Description = "Event of rows that carry none (no event-name column, or a blank cell), e.g. PURCHASE: a plain sales export needs no mapping file." };
    public Option<string?> Locale { get; } = new("--locale") { Description = "How numbers and dates in text cells are written: a culture such as en-US, en-GB, de-DE. Default: none (ambiguous values stop the run)." };
    public Option<string?> Sheet { get; } = new("--sheet") { Description = "Workbook sheet to read. Default: the first." };
    public Option<string?> Encoding { get; } = new("--encoding")
    {
        Description = "Text encoding of CSV/TSV inputs, e.g. windows-1252, iso-8859-1, utf-16le. Default: detected per file (UTF-8 with or without BOM, UTF-16 with BOM, else windows-1252).",
    };
    public Option<string?> MaxDecompressedSize { get; } = new("--max-decompressed-size") { Description = "Stop reading a compressed input (.gz, workbook) that decompresses to more than this, e.g. 100GiB (a guard against compression bombs). Default: 50GiB." };
    public Option<string?> EmailType { get; } = new("--email-type") { Description = "mParticle: the identity sent as e-mail (mParticle's \"Email Type\" setting), e.g. other. Default: email." };

    /// <param name="includeInputs">False for <c>demo</c>, whose one input is <c>--input</c> (given to <see cref="Resolve"/>).</param>
    public void AddTo(Command command, bool includePixel = true, bool includeInputs = true)
    {
        if (includeInputs)
        {
            command.Arguments.Add(Inputs);
            // INPUT takes one or more values, so the parser hands it an unknown option as a file name: a usage error
            // (exit 2) rather than "no such file" (#15). A file whose name starts with '-' is still ./-name.
            Inputs.Validators.Add(result =>
            {
                foreach (var t in result.Tokens)
                    if (t.Value.Length > 1 && t.Value[0] == '-') result.AddError($"Unrecognized command or argument '{t.Value}'.");
            });
        }
        foreach (var o in new Option[] { Mapping, Preset, PresetOptions, Contacts, Currency, EventName, Locale, Sheet, Encoding, EmailType, DefaultCountry, TimeZone, MaxEventAgeDays, Report, Rejects, EventsOut, MaxDecompressedSize })
            command.Options.Add(o);
        if (includePixel) command.Options.Add(PixelId);
    }

    /// <summary>Reads and validates the options; <see cref="UsageException"/> names the bad one.</summary>
    /// <param name="inputs">The input files when the command has no INPUT argument (<c>demo --input</c>).</param>
    public (IReadOnlyList<string> Files, ConversionOptions Options) Resolve(ParseResult r, string? pixelId = null,
        IReadOnlyList<string>? inputs = null)
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
        TextEncoding? encoding = null;
        if (r.GetValue(Encoding) is { } encodingName && !TextEncoding.TryParse(encodingName, out encoding))
            throw new UsageException($"--encoding '{encodingName}' is not a text encoding; e.g. {TextEncoding.CommonNames}.");
        var files = inputs ?? InputResolver.Resolve(r.GetValue(Inputs) ?? []);
        OutputChecks.Ensure(this, r, files);
        var mapping = ResolveMapping(r, files, country, encoding);
        var options = new ConversionOptions
        {
            PixelId = pixelId ?? r.GetValue(PixelId) ?? "",
            DefaultCountry = country,
            TimeZone = zone,
            MaxEventAgeDays = r.GetValue(MaxEventAgeDays),
            Mapping = mapping,
        };
        OptionFlags.ThrowIfAny(options.Validate(), r);
        return (files, options);
    }

    /// <summary>
    /// The mapping: <c>--mapping</c>, else <c>--preset</c>, else the preset recognised from the first input's header (one
    /// confident match), else the core's auto-detection; then <c>--locale</c>, <c>--currency</c>, <c>--sheet</c>,
    /// <c>--encoding</c>, <c>--email-type</c> and the <c>--contacts</c> join files applied to it.
    /// </summary>
    private MappingSpec ResolveMapping(ParseResult r, IReadOnlyList<string> files, string? defaultCountry, TextEncoding? encoding)
    {
        var mappingPath = r.GetValue(Mapping);
        var presetName = r.GetValue(Preset);
        if (mappingPath is not null && presetName is not null)
            throw new UsageException("--mapping and --preset are alternatives: a preset is a mapping file (copy it with `snapconv presets show NAME` to edit it).");
        var sheet = r.GetValue(Sheet);
        long? maxDecompressed = null;
        if (r.GetValue(MaxDecompressedSize) is { } rawSize)
        {
            if (!ByteSize.TryParse(rawSize, out var bytes))
                throw new UsageException($"--max-decompressed-size '{rawSize}' is not a size such as 50GiB, 500MiB or 1048576.");
            maxDecompressed = bytes;
        }
        MappingSpec mapping;
        if (mappingPath is not null) mapping = MappingFileLoader.Load(mappingPath);
        else if (presetName is not null)
        {
            if (!PresetCatalog.TryGet(presetName, out var preset))
                throw new UsageException($"--preset '{presetName}' is not a preset; presets: {string.Join(", ", PresetCatalog.All.Select(p => p.Name))}.");
            mapping = preset.Spec;
        }
        else mapping = Recognize(files, sheet, encoding, maxDecompressed);
        if (maxDecompressed is not null) mapping = mapping with { MaxDecompressedBytes = maxDecompressed };

        if (r.GetValue(Locale) is { } locale)
        {
            if (!TextValues.TryGetCulture(locale, out _))
                throw new UsageException($"--locale '{locale}' is not a culture name such as en-US, en-GB or de-DE.");
            mapping = mapping with { Locale = locale };
        }
        if (r.GetValue(Currency) is { } currency)
        {
            if (!TextValues.TryGivenCurrency(currency, out var code))
                throw new UsageException($"--currency '{currency}' is not an ISO 4217 code or a currency name.");
            mapping = mapping with { Constants = new Dictionary<TargetField, string>(mapping.Constants) { [TargetField.Currency] = code } };
        }
        if (r.GetValue(EventName) is { } eventName)
        {
            if (!DefaultEventName.TryParse(eventName, out var name)) throw new UsageException("--event-name " + DefaultEventName.Invalid(eventName));
            mapping = DefaultEventName.Apply(mapping, name);
        }
        if (sheet is not null) mapping = mapping with { Sheet = sheet };
        mapping = ApplyOptions(mapping, r.GetValue(PresetOptions) ?? []);
        if (MissingCurrency(mapping) is { } missing) throw new UsageException(missing);
        if (encoding is not null) mapping = mapping with { Encoding = encoding };
        if (r.GetValue(EmailType) is { } emailType)
        {
            var type = emailType.Trim().ToLowerInvariant();
            if (type.Length == 0 || !type.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw new UsageException($"--email-type '{emailType}' is not an mParticle identity type such as email, other or other_id_2.");
            if (!mapping.Columns.Any(c => c.Column == "identity.email"))
                throw new UsageException("--email-type applies to mParticle input (preset mparticle).");
            mapping = mapping with
            {
                Columns = mapping.Columns.Select(c => c.Column == "identity.email" ? c with { Column = "identity." + type } : c).ToList(),
            };
        }
        var contacts = r.GetValue(Contacts) ?? [];
        if (contacts.Length > 0)
        {
            if (mapping.Joins.Count == 0)
                throw new UsageException("--contacts needs a preset or mapping with joins (e.g. --preset hubspot-deals).");
            var joinFiles = InputResolver.Resolve(contacts);
            var data = JoinSet.Load(mapping, joinFiles, mapping.ReaderOptions, defaultCountry);
            foreach (var (file, join) in data.Files)
                System.Console.Error.WriteLine($"joining {file} as {join}");
            mapping = mapping with { JoinData = data };
        }
        else if (mapping.Joins.Count > 0 && mapping.PresetName is not null)
        {
            var needs = string.Join("; ", mapping.Joins.Select(j => j.Description ?? j.Name));
            System.Console.Error.WriteLine($"note: preset {mapping.PresetName} can join {needs} (--contacts FILE); without it, e-mail and phone come only from the main file.");
        }
        return mapping;
    }

    /// <summary>The mapping with <c>--preset-option NAME=VALUE</c> values set; a usage error names an unknown option or a bad value.</summary>
    internal static MappingSpec ApplyOptions(MappingSpec mapping, IEnumerable<string> options)
    {
        var values = new List<KeyValuePair<string, string>>();
        foreach (var o in options)
        {
            var eq = o.IndexOf('=');
            if (eq <= 0) throw new UsageException($"--preset-option '{o}' is not NAME=VALUE (e.g. include_online=true).");
            values.Add(new(o[..eq], o[(eq + 1)..]));
        }
        if (values.Count == 0) return mapping;
        try { return mapping.WithOptions(values); }
        catch (ArgumentException e) { throw new UsageException($"--preset-option: {e.Message}."); }
    }

    /// <summary>The message for a mapping whose export carries no currency run without one (<c>requires_currency</c>); else null.</summary>
    internal static string? MissingCurrency(MappingSpec mapping) =>
        mapping.LacksRequiredCurrency
            ? $"{(mapping.PresetName is { } p ? "preset " + p : "the mapping")} reads an export that carries no currency: give the account's currency with --currency CODE (job key currency), e.g. --currency USD."
            : null;

    private static MappingSpec Recognize(IReadOnlyList<string> files, string? sheet, TextEncoding? encoding, long? maxDecompressed)
    {
        if (files.Count == 0) return MappingSpec.Empty;
        IReadOnlyList<string> headers;
        using (var reader = RecordReaders.Open(files[0], new RecordReaderOptions { Sheet = sheet, Encoding = encoding, MaxDecompressedBytes = maxDecompressed ?? RecordReaderOptions.DefaultMaxDecompressedBytes }))
            headers = reader.Headers;
        var found = PresetCatalog.Recognize(headers, files[0]);
        if (found.Single is { } preset)
        {
            System.Console.Error.WriteLine($"recognised {files[0]} as preset {preset.Name} ({preset.Info.System}); pass --preset or --mapping to choose otherwise.");
            return preset.Spec;
        }
        if (found.Matches.Count > 1)
            System.Console.Error.WriteLine($"note: the header fits presets {string.Join(" and ", found.Matches.Select(p => p.Name))}; using neither (pass --preset NAME). Columns are auto-detected.");
        return MappingSpec.Empty;
    }
}

/// <summary>A usage error: exit code 2 with this message.</summary>
internal sealed class UsageException(string message) : Exception(message);
