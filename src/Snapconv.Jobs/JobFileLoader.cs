using System.Globalization;
using System.Text.RegularExpressions;
using Cronos;
using Snapconv.Core.Formats;
using Snapconv.Core.Mapping;
using Snapconv.Core.Normalization;
using Snapconv.Core.Options;
using Snapconv.Core.Presets;
using Snapconv.Core.Validation;
using Snapconv.Delivery.Upload;
using Snapconv.Sources;
using YamlDotNet.RepresentationModel;

namespace Snapconv.Jobs;

/// <summary>
/// Reads a job file (YAML; JSON accepted). Every problem is collected and reported with its path; unknown keys are
/// errors. <c>defaults:</c> is merged into every job (a job's own keys win; <c>delivery</c> merges key by key).
/// Relative paths resolve against the job file's folder.
/// </summary>
public static class JobFileLoader
{

    /// <summary>Loads and validates <paramref name="path"/>.</summary>
    /// <exception cref="InputException">The file cannot be read.</exception>
    /// <exception cref="JobFileException">Any problem in the file (all of them listed).</exception>
    public static JobFile Load(string path)
    {
        string text;
        try
        {
            // A huge file is refused before it is read whole (#16).
            if (new FileInfo(path).Length > SafeYaml.MaxFileBytes)
                throw new JobFileException(path, [$"the job file is longer than {SafeYaml.MaxFileBytes >> 20} MiB (the limit)"]);
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(path, "cannot read the job file (" + e.GetType().Name + ")", inner: e);
        }
        return Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Parses job-file text; <paramref name="baseDir"/> anchors relative paths.</summary>
    public static JobFile Parse(string text, string sourceName, string baseDir)
    {
        var errors = new List<string>();
        var stream = SafeYaml.TryLoad(text, out var problem) ?? throw new JobFileException(sourceName, [problem!]);
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new JobFileException(sourceName, ["a job file is an object with 'jobs' (and optional 'defaults')."]);

        YamlMappingNode? defaults = null;
        YamlSequenceNode? jobs = null;
        foreach (var (k, v) in root.Children)
        {
            switch (Key(k))
            {
                case "defaults":
                    if (v is YamlMappingNode d) defaults = d; else errors.Add("defaults: expected an object.");
                    break;
                case "jobs":
                    if (v is YamlSequenceNode s) jobs = s; else errors.Add("jobs: expected a list of jobs.");
                    break;
                default:
                    errors.Add($"{Key(k)}: unknown key; known keys: defaults, jobs.");
                    break;
            }
        }
        if (defaults is not null)
        {
            foreach (var (k, _) in defaults.Children)
                if (Key(k) is "name" or "source" || !OptionBinder.Keys(typeof(JobSettings)).Contains(Key(k)))
                    errors.Add($"defaults.{Key(k)}: unknown key; defaults take any job key except name and source.");
        }
        if (jobs is null || jobs.Children.Count == 0)
        {
            if (jobs is not null || errors.Count == 0) errors.Add("jobs: required, at least one job.");
            throw new JobFileException(sourceName, errors.Select(SafeYaml.Clip).ToList());
        }

        var list = new List<JobDefinition>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < jobs.Children.Count; i++)
        {
            var path = $"jobs[{i}]";
            if (jobs.Children[i] is not YamlMappingNode job)
            {
                errors.Add($"{path}: expected an object.");
                continue;
            }
            var merged = Merge(defaults, job);
            var def = ParseJob(merged, path, baseDir, sourceName, errors);
            if (def is null) continue;
            if (!names.Add(def.Name)) errors.Add($"{path}.name: '{def.Name}' is used by another job.");
            list.Add(def);
        }
        // Values and keys are quoted at most 80 characters long (#16).
        if (errors.Count > 0) throw new JobFileException(sourceName, errors.Select(SafeYaml.Clip).ToList());
        return new JobFile(sourceName, list);
    }

    private static YamlMappingNode Merge(YamlMappingNode? defaults, YamlMappingNode job)
    {
        var merged = new YamlMappingNode();
        if (defaults is not null) foreach (var (k, v) in defaults.Children) merged.Children[new YamlScalarNode(Key(k))] = v;
        foreach (var (k, v) in job.Children)
        {
            var key = new YamlScalarNode(Key(k));
            if (Key(k) == "delivery" && v is YamlMappingNode jd && merged.Children.TryGetValue(key, out var dv) && dv is YamlMappingNode dd)
            {
                var d = new YamlMappingNode();
                foreach (var (a, b) in dd.Children) d.Children[new YamlScalarNode(Key(a))] = b;
                foreach (var (a, b) in jd.Children) d.Children[new YamlScalarNode(Key(a))] = b;
                merged.Children[key] = d;
            }
            else merged.Children[key] = v;
        }
        return merged;
    }

    private static JobDefinition? ParseJob(YamlMappingNode node, string path, string baseDir, string sourceName, List<string> errors)
    {
        var before = errors.Count;
        string? name = null, pixel = null, tokenEnv = null, tokenFile = null, schedule = null, country = null;
        string? mappingFile = null, stateDir = null, presetName = null, contacts = null, currency = null, locale = null, sheet = null;
        string? eventName = null;
        TextEncoding? encoding = null;
        YamlNode? inlineMapping = null;
        Dictionary<string, string>? presetOptions = null;
        long? maxDecompressed = null;
        Uri endpoint = new(UploadOptions.DefaultEndpoint);
        TimeZoneInfo zone = TimeZoneInfo.Utc;
        CronExpression? cron = null;
        int? maxAge = null;
        int? historyDays = null;
        var delivery = new UploadOptions();
        SourceOptions? source = null;
        var job = OptionBinder.Bind(new JobSettings(), node, path, errors);
        errors.AddRange(job.Validate(path).Select(e => e.ToString()));
        string P(string key) => $"{path}.{key}";
        name = job.Name;
        pixel = job.PixelId;
        tokenEnv = job.TokenEnv;
        tokenFile = job.TokenFile is { } tf ? Resolve(baseDir, tf) : null;
        if (job.Endpoint is { } ep)
        {
            if (!Uri.TryCreate(ep, UriKind.Absolute, out var u) || (u.Scheme != "http" && u.Scheme != "https"))
                errors.Add($"{P("endpoint")}: must be an absolute http(s) URL, e.g. {UploadOptions.DefaultEndpoint}.");
            else endpoint = u;
        }
        schedule = job.Schedule;
        if (schedule is not null) cron = ParseCron(schedule, P("schedule"), errors);
        if (job.Timezone is { } tz && !TimeZones.TryFind(tz, out zone!)) { errors.Add($"{P("timezone")}: '{tz}' is not an IANA time zone (e.g. Europe/London)."); zone = TimeZoneInfo.Utc; }
        if (job.DefaultCountry is { } c)
        {
            if (CountryNormalizer.TryNormalize(c, out var alpha2)) country = alpha2.ToUpperInvariant();
            else errors.Add($"{P("default_country")}: '{c}' is not an ISO 3166 country code or name.");
        }
        // The conversion's own options check max_event_age_days: the same rule and words as --max-event-age-days.
        maxAge = job.MaxEventAgeDays;
        errors.AddRange(new ConversionOptions { MaxEventAgeDays = maxAge, DefaultCountry = country }.Validate(path).Select(e => e.ToString()));
        historyDays = job.HistoryDays;
        mappingFile = job.MappingFile is { } mf ? Resolve(baseDir, mf) : null;
        inlineMapping = job.Mapping;
        presetName = job.Preset;
        if (presetName is not null && !PresetCatalog.TryGet(presetName, out _))
            errors.Add($"{P("preset")}: '{presetName}' is not a preset; presets: {string.Join(", ", PresetCatalog.All.Select(x => x.Name))}.");
        if (job.Contacts is { } cn) contacts = ParseContacts(cn, P("contacts"), errors);
        presetOptions = job.PresetOptions is null ? null : new Dictionary<string, string>(job.PresetOptions, StringComparer.OrdinalIgnoreCase);
        if (job.Currency is { } cur && !TextValues.TryGivenCurrency(cur, out currency!)) errors.Add($"{P("currency")}: '{cur}' is not an ISO 4217 code or a currency name.");
        if (job.EventName is { } en && !DefaultEventName.TryParse(en, out eventName!)) errors.Add($"{P("event_name")}: {DefaultEventName.Invalid(en)}");
        locale = job.Locale;
        if (locale is not null && !TextValues.TryGetCulture(locale, out _)) errors.Add($"{P("locale")}: '{locale}' is not a culture name such as en-US, en-GB or de-DE.");
        sheet = job.Sheet;
        if (job.Encoding is { } enc && !TextEncoding.TryParse(enc, out encoding)) errors.Add($"{P("encoding")}: '{enc}' is not a text encoding; e.g. {TextEncoding.CommonNames}.");
        if (job.MaxDecompressedSize is { } size)
        {
            if (ByteSize.TryParse(size, out var bytes)) maxDecompressed = bytes;
            else errors.Add($"{P("max_decompressed_size")}: '{size}' is not a size such as 50GiB, 500MiB or 1048576.");
        }
        if (job.Delivery is { } dv) delivery = ParseDelivery(dv, P("delivery"), errors);
        stateDir = job.StateDir is { } sd ? Resolve(baseDir, sd) : null;
        if (job.Source is { } sv) source = ParseSource(sv, P("source"), baseDir, errors);
        if (mappingFile is not null && inlineMapping is not null) errors.Add($"{path}.mapping: give mapping_file or mapping, not both.");
        if (presetName is not null && (mappingFile is not null || inlineMapping is not null))
            errors.Add($"{path}.preset: preset and {(mappingFile is not null ? "mapping_file" : "mapping")} are alternatives: a preset is a mapping file (copy it with `snapconv presets show NAME` to edit it).");
        var mapping = MappingSpec.Empty;
        try
        {
            if (mappingFile is not null) mapping = MappingFileLoader.Load(mappingFile);
            else if (inlineMapping is not null) mapping = MappingFileLoader.Parse(ToText(inlineMapping), $"{sourceName} {path}.mapping");
            else if (presetName is not null && PresetCatalog.TryGet(presetName, out var preset)) mapping = preset.Spec;
        }
        catch (InputException e)
        {
            errors.Add($"{path}.{(mappingFile is not null ? "mapping_file" : "mapping")}: {e.Message}");
        }
        // As --locale, --currency, --sheet and --encoding: applied on top of the mapping or preset.
        if (locale is not null) mapping = mapping with { Locale = locale };
        if (currency is not null) mapping = mapping with { Constants = new Dictionary<TargetField, string>(mapping.Constants) { [TargetField.Currency] = currency } };
        if (sheet is not null) mapping = mapping with { Sheet = sheet };
        if (eventName is not null) mapping = DefaultEventName.Apply(mapping, eventName);
        if (presetOptions is { Count: > 0 })
        {
            try { mapping = mapping.WithOptions(presetOptions); }
            catch (ArgumentException e) { errors.Add($"{path}.preset_options: {e.Message}."); }
        }
        if (errors.Count == before && mapping.LacksRequiredCurrency)
            errors.Add($"{path}.currency: required: {(mapping.PresetName is { } pn ? "preset " + pn : "the mapping")} reads an export that carries no currency; give the account's currency, e.g. currency: USD.");
        if (encoding is not null) mapping = mapping with { Encoding = encoding };
        if (maxDecompressed is not null) mapping = mapping with { MaxDecompressedBytes = maxDecompressed };
        if (contacts is not null)
        {
            if (mapping.Joins.Count == 0 && errors.Count == before)
                errors.Add($"{path}.contacts: needs a preset or mapping with joins (e.g. preset: hubspot-deals).");
            if (source is not null && source.WithPattern(contacts) is null)
                errors.Add($"{path}.contacts: a {source.Kind} source offers one object, not files by pattern; contacts need a local, s3, sftp or ftp source.");
        }
        if (errors.Count > before || name is null || pixel is null || source is null) return null;
        return new JobDefinition
        {
            Name = name,
            PixelId = pixel,
            TokenEnv = tokenEnv ?? UploadOptions.DefaultTokenEnv,
            TokenFile = tokenFile,
            Endpoint = endpoint,
            Schedule = schedule,
            Cron = cron,
            TimeZone = zone,
            DefaultCountry = country,
            MaxEventAgeDays = maxAge,
            HistoryDays = historyDays,
            Mapping = mapping,
            ContactsPattern = contacts,
            Delivery = delivery,
            StateDir = stateDir ?? Resolve(baseDir, UploadOptions.DefaultStateDir),
            Source = source,
        };
    }

    /// <summary>Cron with 5 fields, or 6 with seconds first.</summary>
    internal static CronExpression? ParseCron(string text, string path, List<string> errors)
    {
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        if (fields is not (5 or 6))
        {
            errors.Add($"{path}: a cron expression has 5 fields (minute hour day month weekday) or 6 (seconds first); '{text}' has {fields}.");
            return null;
        }
        try
        {
            var cron = CronExpression.Parse(text, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            // serve fires schedules with Quartz: a schedule it cannot say is refused here, with the job file's path (#19).
            if (QuartzCron.TryTranslate(text, out _, out var problem)) return cron;
            errors.Add($"{path}: {problem}");
            return null;
        }
        catch (CronFormatException e)
        {
            errors.Add($"{path}: '{text}' is not a valid cron expression ({e.Message.TrimEnd('.')}).");
            return null;
        }
    }

    /// <summary><c>contacts: {pattern: "…"}</c>: the glob of the join file, from the job's own source.</summary>
    private static string? ParseContacts(YamlNode v, string path, List<string> errors)
    {
        if (v is not YamlMappingNode map) { errors.Add($"{path}: expected an object such as {{pattern: \"*contacts*.csv\"}}."); return null; }
        var contacts = OptionBinder.Bind(new JobContacts(), map, path, errors);
        errors.AddRange(OptionValidator.Check(contacts, path).Select(e => e.ToString()));
        return string.IsNullOrWhiteSpace(contacts.Pattern) ? null : contacts.Pattern;
    }

    private static UploadOptions ParseDelivery(YamlNode v, string path, List<string> errors)
    {
        if (v is not YamlMappingNode map) { errors.Add($"{path}: expected an object."); return new UploadOptions(); }
        var d = OptionBinder.Bind(new UploadOptions(), map, path, errors);
        // The job fills in the pixel, token, endpoint and state folder at run time: only the section's own keys are checked here.
        var keys = OptionBinder.Keys(typeof(UploadOptions));
        errors.AddRange(d.Validate(path).Where(e => keys.Contains(e.Path[(path.Length + 1)..])).Select(e => e.ToString()));
        return d;
    }

    private static SourceOptions? ParseSource(YamlNode v, string path, string baseDir, List<string> errors)
    {
        if (v is not YamlMappingNode map) { errors.Add($"{path}: expected an object with 'type'."); return null; }
        var kinds = string.Join(", ", SourceOptions.Kinds.Keys.SkipLast(1)) + " or " + SourceOptions.Kinds.Keys.Last();
        var type = map.Children.TryGetValue(new YamlScalarNode("type"), out var t) ? Str(t, path + ".type", errors) : null;
        if (type is null) { errors.Add($"{path}.type: required: {kinds}."); return null; }
        if (!SourceOptions.Kinds.TryGetValue(type, out var defaults)) { errors.Add($"{path}.type: '{type}' is not a source type; use {kinds}."); return null; }
        var options = OptionBinder.Bind(defaults, map, path, errors, $"unknown key for type {type}", "type");
        // Local paths in a job file are relative to the job file's folder.
        options = options switch
        {
            LocalSourceOptions l => l with { Path = ResolveGiven(baseDir, l.Path)!, ArchiveDir = ResolveGiven(baseDir, l.ArchiveDir) },
            SftpSourceOptions f => f with { PrivateKeyFile = ResolveGiven(baseDir, f.PrivateKeyFile) },
            SqlSourceOptions q => q with { Connection = SqliteRelative(q.Connection, baseDir) },
            _ => options,
        };
        errors.AddRange(options.Validate(path).Select(e => e.ToString()));
        return options;
    }

    private static string? ResolveGiven(string baseDir, string? path) => string.IsNullOrEmpty(path) ? path : Resolve(baseDir, path);

    /// <summary>A SQLite <c>Data Source=</c> relative path resolves against the job file's folder.</summary>
    private static string? SqliteRelative(string? connection, string baseDir)
    {
        if (connection is null) return null;
        var m = Regex.Match(connection, @"(?i)(data source|datasource|filename)\s*=\s*([^;]+)");
        if (!m.Success) return connection;
        var file = m.Groups[2].Value.Trim();
        if (file.StartsWith(':') || Path.IsPathRooted(file)) return connection;
        return connection[..m.Groups[2].Index] + Path.GetFullPath(Path.Combine(baseDir, file)) + connection[(m.Groups[2].Index + m.Groups[2].Length)..];
    }

    private static string ToText(YamlNode node)
    {
        var sw = new StringWriter(CultureInfo.InvariantCulture);
        new YamlStream(new YamlDocument(node)).Save(sw, assignAnchors: false);
        return sw.ToString();
    }

    private static string Resolve(string baseDir, string path) => Path.GetFullPath(Path.Combine(baseDir, path));

    private static string Key(YamlNode node) => node is YamlScalarNode s ? s.Value ?? "" : "?";

    private static string? Str(YamlNode node, string path, List<string> errors)
    {
        if (node is YamlScalarNode { Value: { } v }) return v;
        errors.Add($"{path}: expected a text value.");
        return null;
    }
}
