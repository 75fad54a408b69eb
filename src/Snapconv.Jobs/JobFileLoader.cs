using System.Globalization;
using System.Text.RegularExpressions;
using Cronos;
using Snapconv.Core.Formats;
using Snapconv.Core.Mapping;
using Snapconv.Core.Normalization;
using Snapconv.Core.Presets;
using Snapconv.Delivery.Upload;
using Snapconv.Sources;
using YamlDotNet.RepresentationModel;

namespace Snapconv.Jobs;

/// <summary>
/// Reads a job file (YAML; JSON accepted). Every problem is collected and reported with its path; unknown keys are
/// errors. <c>defaults:</c> is merged into every job (a job's own keys win; <c>delivery</c> merges key by key).
/// Relative paths resolve against the job file's folder.
/// </summary>
public static partial class JobFileLoader
{
    private static readonly string[] JobKeys =
    [
        "name", "pixel_id", "token_env", "token_file", "endpoint", "schedule", "timezone", "default_country",
        "max_event_age_days", "mapping_file", "mapping", "preset", "preset_options", "contacts", "currency", "event_name", "locale", "sheet", "encoding", "delivery",
        "state_dir", "source", "max_decompressed_size", "history_days",
    ];
    private static readonly string[] ContactsKeys = ["pattern"];
    private static readonly string[] DeliveryKeys = ["batch_size", "concurrency", "qps", "sample_gate", "dry_run", "test_event_code", "auth"];
    private static readonly Dictionary<string, string[]> SourceKeys = new()
    {
        ["local"] = ["type", "path", "pattern", "archive_dir"],
        ["s3"] = ["type", "bucket", "prefix", "pattern", "endpoint", "region", "force_path_style", "access_key_env", "secret_key_env"],
        ["sftp"] = ["type", "host", "port", "username", "password_env", "private_key_file", "passphrase_env", "path", "pattern", "host_key_sha256", "timeout_secs"],
        ["ftp"] = ["type", "host", "port", "username", "password_env", "path", "pattern", "tls", "tls_accept_any_certificate", "timeout_secs"],
        ["http"] = ["type", "url", "url_env", "headers", "file_name", "timeout_secs"],
        ["sql"] = ["type", "driver", "connection_env", "connection", "query", "cursor_column", "cursor_start", "timeout_secs"],
    };

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
                if (Key(k) is "name" or "source" || !JobKeys.Contains(Key(k)))
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
        foreach (var (k, v) in node.Children)
        {
            var key = Key(k);
            var p = $"{path}.{key}";
            switch (key)
            {
                case "name":
                    name = Str(v, p, errors);
                    if (name is not null && !NameRegex().IsMatch(name)) errors.Add($"{p}: must match [a-z0-9_-]+ (was '{name}').");
                    break;
                case "pixel_id": pixel = Str(v, p, errors); break;
                case "token_env": tokenEnv = Str(v, p, errors); break;
                case "token_file": tokenFile = Str(v, p, errors) is { } tf ? Resolve(baseDir, tf) : null; break;
                case "endpoint":
                    var ep = Str(v, p, errors);
                    if (ep is not null && (!Uri.TryCreate(ep, UriKind.Absolute, out var u) || (u.Scheme != "http" && u.Scheme != "https")))
                        errors.Add($"{p}: must be an absolute http(s) URL, e.g. {UploadOptions.DefaultEndpoint}.");
                    else if (ep is not null) endpoint = new Uri(ep);
                    break;
                case "schedule":
                    schedule = Str(v, p, errors);
                    if (schedule is not null) cron = ParseCron(schedule, p, errors);
                    break;
                case "timezone":
                    var tz = Str(v, p, errors);
                    if (tz is not null && !TimeZones.TryFind(tz, out zone!)) { errors.Add($"{p}: '{tz}' is not an IANA time zone (e.g. Europe/London)."); zone = TimeZoneInfo.Utc; }
                    break;
                case "default_country":
                    var c = Str(v, p, errors);
                    if (c is not null)
                    {
                        if (CountryNormalizer.TryNormalize(c, out var alpha2)) country = alpha2.ToUpperInvariant();
                        else errors.Add($"{p}: '{c}' is not an ISO 3166 country code or name.");
                    }
                    break;
                case "max_event_age_days": maxAge = Int(v, p, errors, 1, 3650); break;
                case "history_days": historyDays = Int(v, p, errors, 1, 3650); break;
                case "mapping_file": mappingFile = Str(v, p, errors) is { } mf ? Resolve(baseDir, mf) : null; break;
                case "mapping": inlineMapping = v; break;
                case "preset":
                    presetName = Str(v, p, errors);
                    if (presetName is not null && !PresetCatalog.TryGet(presetName, out _))
                        errors.Add($"{p}: '{presetName}' is not a preset; presets: {string.Join(", ", PresetCatalog.All.Select(x => x.Name))}.");
                    break;
                case "contacts": contacts = ParseContacts(v, p, errors); break;
                case "preset_options": presetOptions = StrMap(v, p, errors); break;
                case "currency":
                    var cur = Str(v, p, errors);
                    if (cur is not null && !TextValues.TryCurrency(cur, out currency!)) errors.Add($"{p}: '{cur}' is not an ISO 4217 code or a currency name.");
                    break;
                case "event_name":
                    var en = Str(v, p, errors);
                    if (en is not null && !DefaultEventName.TryParse(en, out eventName!)) errors.Add($"{p}: {DefaultEventName.Invalid(en)}");
                    break;
                case "locale":
                    locale = Str(v, p, errors);
                    if (locale is not null && !TextValues.TryGetCulture(locale, out _)) errors.Add($"{p}: '{locale}' is not a culture name such as en-US, en-GB or de-DE.");
                    break;
                case "sheet": sheet = Str(v, p, errors); break;
                case "encoding":
                    var enc = Str(v, p, errors);
                    if (enc is not null && !TextEncoding.TryParse(enc, out encoding)) errors.Add($"{p}: '{enc}' is not a text encoding; e.g. {TextEncoding.CommonNames}.");
                    break;
                case "max_decompressed_size":
                    var size = Str(v, p, errors);
                    if (size is not null && ByteSize.TryParse(size, out var bytes)) maxDecompressed = bytes;
                    else if (size is not null) errors.Add($"{p}: '{size}' is not a size such as 50GiB, 500MiB or 1048576.");
                    break;
                case "delivery": delivery = ParseDelivery(v, p, errors); break;
                case "state_dir": stateDir = Str(v, p, errors) is { } sd ? Resolve(baseDir, sd) : null; break;
                case "source": source = ParseSource(v, p, baseDir, errors); break;
                default: errors.Add($"{p}: unknown key; known keys: {string.Join(", ", JobKeys)}."); break;
            }
        }
        if (name is null) errors.Add($"{path}.name: required.");
        if (string.IsNullOrWhiteSpace(pixel)) errors.Add($"{path}.pixel_id: required.");
        if (source is null && !node.Children.ContainsKey(new YamlScalarNode("source"))) errors.Add($"{path}.source: required.");
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
            StateDir = stateDir ?? Resolve(baseDir, ".snapconv"),
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
        try { return CronExpression.Parse(text, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard); }
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
        string? pattern = null;
        foreach (var (k, val) in map.Children)
        {
            var key = Key(k);
            if (key == "pattern") pattern = Str(val, $"{path}.pattern", errors);
            else errors.Add($"{path}.{key}: unknown key; known keys: {string.Join(", ", ContactsKeys)}.");
        }
        if (pattern is null && !map.Children.ContainsKey(new YamlScalarNode("pattern"))) errors.Add($"{path}.pattern: required, e.g. \"*contacts*.csv\".");
        else if (pattern is not null && string.IsNullOrWhiteSpace(pattern)) errors.Add($"{path}.pattern: must not be empty.");
        return string.IsNullOrWhiteSpace(pattern) ? null : pattern;
    }

    private static UploadOptions ParseDelivery(YamlNode v, string path, List<string> errors)
    {
        var d = new UploadOptions();
        if (v is not YamlMappingNode map) { errors.Add($"{path}: expected an object."); return d; }
        foreach (var (k, val) in map.Children)
        {
            var key = Key(k);
            var p = $"{path}.{key}";
            d = key switch
            {
                "batch_size" => d with { BatchSize = Int(val, p, errors, 1, UploadOptions.SnapMaxEvents) ?? d.BatchSize },
                "concurrency" => d with { Concurrency = Int(val, p, errors, 1, UploadOptions.MaxConcurrency) ?? d.Concurrency },
                "qps" => d with { Qps = Dbl(val, p, errors, UploadOptions.MinQps, UploadOptions.MaxQps) ?? d.Qps },
                "sample_gate" => d with { SampleGate = Bool(val, p, errors) ?? d.SampleGate },
                "dry_run" => d with { DryRun = Bool(val, p, errors) ?? d.DryRun },
                "test_event_code" => d with { TestEventCode = Str(val, p, errors) },
                "auth" => OneOf(val, p, errors, "query", "header") switch
                {
                    "header" => d with { Auth = AuthMode.Header },
                    "query" => d with { Auth = AuthMode.Query },
                    _ => d,
                },
                _ => Unknown(d, p, DeliveryKeys, errors),
            };
        }
        return d;
    }

    private static SourceOptions? ParseSource(YamlNode v, string path, string baseDir, List<string> errors)
    {
        if (v is not YamlMappingNode map) { errors.Add($"{path}: expected an object with 'type'."); return null; }
        var type = map.Children.TryGetValue(new YamlScalarNode("type"), out var t) ? Str(t, path + ".type", errors) : null;
        if (type is null) { errors.Add($"{path}.type: required: local, s3, sftp, ftp, http or sql."); return null; }
        if (!SourceKeys.TryGetValue(type, out var known)) { errors.Add($"{path}.type: '{type}' is not a source type; use local, s3, sftp, ftp, http or sql."); return null; }
        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (k, val) in map.Children)
        {
            var key = Key(k);
            if (!known.Contains(key)) errors.Add($"{path}.{key}: unknown key for type {type}; known keys: {string.Join(", ", known.Skip(1))}.");
            else values[key] = val;
        }
        string? S(string key) => values.TryGetValue(key, out var n) ? Str(n, $"{path}.{key}", errors) : null;
        int? I(string key, int min, int max) => values.TryGetValue(key, out var n) ? Int(n, $"{path}.{key}", errors, min, max) : null;
        bool? B(string key) => values.TryGetValue(key, out var n) ? Bool(n, $"{path}.{key}", errors) : null;
        string? P(string key) => S(key) is { } s ? Resolve(baseDir, s) : null;
        SourceOptions options = type switch
        {
            "local" => new LocalSourceOptions { Path = P("path") ?? "", Pattern = S("pattern") ?? "*", ArchiveDir = P("archive_dir") },
            "s3" => new S3SourceOptions
            {
                Bucket = S("bucket") ?? "", Prefix = S("prefix") ?? "", Pattern = S("pattern") ?? "*", Endpoint = S("endpoint"),
                Region = S("region") ?? "us-east-1", ForcePathStyle = B("force_path_style") ?? false,
                AccessKeyEnv = S("access_key_env"), SecretKeyEnv = S("secret_key_env"),
            },
            "sftp" => new SftpSourceOptions
            {
                Host = S("host") ?? "", Port = I("port", 1, 65535) ?? 22, Username = S("username") ?? "", PasswordEnv = S("password_env"),
                PrivateKeyFile = P("private_key_file"), PassphraseEnv = S("passphrase_env"), Path = S("path") ?? ".", Pattern = S("pattern") ?? "*",
                HostKeySha256 = S("host_key_sha256"), TimeoutSecs = I("timeout_secs", 1, 3600) ?? 30,
            },
            "ftp" => new FtpSourceOptions
            {
                Host = S("host") ?? "", Port = I("port", 1, 65535) ?? 21, Username = S("username") ?? "anonymous", PasswordEnv = S("password_env"),
                Path = S("path") ?? "/", Pattern = S("pattern") ?? "*",
                Tls = (values.TryGetValue("tls", out var tl) ? OneOf(tl, $"{path}.tls", errors, "none", "explicit") : null) == "explicit" ? FtpTls.Explicit : FtpTls.None,
                TlsAcceptAnyCertificate = B("tls_accept_any_certificate") ?? false, TimeoutSecs = I("timeout_secs", 1, 3600) ?? 30,
            },
            "http" => new HttpSourceOptions
            {
                Url = S("url") ?? "", UrlEnv = S("url_env"), Headers = values.TryGetValue("headers", out var h) ? StrMap(h, $"{path}.headers", errors) : new Dictionary<string, string>(),
                FileName = S("file_name"), TimeoutSecs = I("timeout_secs", 1, 86400) ?? 300,
            },
            _ => new SqlSourceOptions
            {
                Driver = (values.TryGetValue("driver", out var dr) ? OneOf(dr, $"{path}.driver", errors, "postgres", "sqlite") : null) switch
                {
                    "sqlite" => SqlDriver.Sqlite,
                    "postgres" => SqlDriver.Postgres,
                    _ => Missing(SqlDriver.Postgres, $"{path}.driver", values.ContainsKey("driver"), errors),
                },
                ConnectionEnv = S("connection_env"), Connection = SqliteRelative(S("connection"), baseDir), Query = S("query") ?? "",
                CursorColumn = S("cursor_column"), CursorStart = S("cursor_start"), TimeoutSecs = I("timeout_secs", 1, 86400) ?? 600,
            },
        };
        errors.AddRange(options.Validate(path));
        return options;
    }

    private static T Missing<T>(T fallback, string path, bool present, List<string> errors)
    {
        if (!present) errors.Add($"{path}: required: postgres or sqlite.");
        return fallback;
    }

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

    private static UploadOptions Unknown(UploadOptions d, string path, string[] known, List<string> errors)
    {
        errors.Add($"{path}: unknown key; known keys: {string.Join(", ", known)}.");
        return d;
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

    private static int? Int(YamlNode node, string path, List<string> errors, int min, int max)
    {
        var s = Str(node, path, errors);
        if (s is null) return null;
        if (int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
        errors.Add($"{path}: must be a whole number {min}..{max} (was '{s}').");
        return null;
    }

    private static double? Dbl(YamlNode node, string path, List<string> errors, double min, double max)
    {
        var s = Str(node, path, errors);
        if (s is null) return null;
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
        errors.Add($"{path}: must be a number {min.ToString(CultureInfo.InvariantCulture)}..{max.ToString(CultureInfo.InvariantCulture)} (was '{s}').");
        return null;
    }

    private static bool? Bool(YamlNode node, string path, List<string> errors)
    {
        var s = Str(node, path, errors);
        if (s is null) return null;
        if (bool.TryParse(s, out var b)) return b;
        errors.Add($"{path}: must be true or false (was '{s}').");
        return null;
    }

    private static string? OneOf(YamlNode node, string path, List<string> errors, params string[] allowed)
    {
        var s = Str(node, path, errors);
        if (s is null) return null;
        if (allowed.Contains(s)) return s;
        errors.Add($"{path}: must be one of {string.Join(", ", allowed)} (was '{s}').");
        return null;
    }

    private static Dictionary<string, string> StrMap(YamlNode node, string path, List<string> errors)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (node is not YamlMappingNode map) { errors.Add($"{path}: expected an object of name → value."); return d; }
        foreach (var (k, v) in map.Children) if (Str(v, $"{path}.{Key(k)}", errors) is { } s) d[Key(k)] = s;
        return d;
    }

    [GeneratedRegex("^[a-z0-9_-]+$")]
    private static partial Regex NameRegex();
}
