using System.Globalization;
using Snapconv.Core.Formats;
using YamlDotNet.RepresentationModel;

namespace Snapconv.Core.Mapping;

/// <summary>
/// Loads a mapping file (YAML or JSON, same keys). Unknown keys and bad values are errors that name
/// their path, e.g. <c>columns.Amount.field</c>.
/// </summary>
/// <example>
/// <code>
/// columns:
///   Email Address: em
///   Hashed Phone: {field: ph, already_hashed: true}
///   Sale Date: {field: event_time, format: "dd/MM/yyyy HH:mm"}
/// constants: {event_name: PURCHASE, currency: USD, event_tag: in-store}
/// timezone: Europe/London
/// default_country: GB
/// </code>
/// </example>
public static class MappingFileLoader
{
    private static readonly HashSet<TargetField> ConstantFields =
    [
        TargetField.EventName, TargetField.ActionSource, TargetField.Currency, TargetField.EventTag,
        TargetField.ContentCategory, TargetField.Value, TargetField.NumItems,
    ];

    // This list stays by hand: a mapping file is not an options record. Its keys are a small language (columns,
    // joins, filter rules, group_by) that the switch in Parse reads into MappingSpec's very different shape, so no
    // record's properties could be its list; the switch's cases and this list sit a few lines apart.
    private const string KnownKeys = "columns, constants, timezone, default_country, dob_format, decimal_separator, auto_detect, fold_city_accents, locale, encoding, filter, joins, preset, group_by, options, requires_currency";

    public static MappingSpec Load(string path)
    {
        string text;
        try
        {
            // A huge file is refused before it is read whole (#16).
            if (new FileInfo(path).Length > SafeYaml.MaxFileBytes)
                throw new InputException(path, $"the mapping file is longer than {SafeYaml.MaxFileBytes >> 20} MiB (the limit)");
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(path, "cannot read the mapping file (" + e.GetType().Name + ")", inner: e);
        }
        return Parse(text, path);
    }

    /// <param name="embedded">True for the presets shipped inside snapconv: written by us, so the hostile-input screen
    /// (<see cref="SafeYaml"/>, a second pass over the text) is skipped; start-up parses every preset.</param>
    public static MappingSpec Parse(string text, string sourceName, bool embedded = false)
    {
        var stream = embedded ? LoadEmbedded(text) : SafeYaml.TryLoad(text, out var problem) ?? throw new InputException(sourceName, problem!);
        if (stream.Documents.Count == 0) return MappingSpec.Empty;
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new InputException(sourceName, "a mapping file is an object with keys such as 'columns' and 'constants'");

        var spec = new MappingSpec();
        foreach (var (k, v) in root.Children)
        {
            var key = Scalar(k, sourceName, "");
            spec = key switch
            {
                "columns" => spec with { Columns = ParseColumns(v, sourceName) },
                "constants" => spec with { Constants = ParseConstants(v, sourceName) },
                "timezone" => spec with { Timezone = Scalar(v, sourceName, key) },
                "default_country" => spec with { DefaultCountry = Scalar(v, sourceName, key).ToUpperInvariant() },
                "dob_format" => spec with { DobFormat = Scalar(v, sourceName, key) },
                "decimal_separator" => spec with { DecimalSeparator = Separator(v, sourceName, key) },
                "auto_detect" => spec with { AutoDetect = Bool(v, sourceName, key) },
                "fold_city_accents" => spec with { FoldCityAccents = Bool(v, sourceName, key) },
                "locale" => spec with { Locale = Culture(v, sourceName, key) },
                "encoding" => spec with { Encoding = TextEncodingName(v, sourceName, key) },
                "filter" => spec with { Filter = ParseFilter(v, sourceName) },
                "joins" => spec with { Joins = ParseJoins(v, sourceName) },
                "preset" => spec with { Preset = ParsePreset(v, sourceName) },
                "group_by" => spec with { GroupBy = Scalar(v, sourceName, key) },
                "options" => spec with { Options = ParseOptions(v, sourceName) },
                "requires_currency" => spec with { RequiresCurrency = Bool(v, sourceName, key) },
                _ => throw Error(sourceName, key, "unknown key; known keys: " + KnownKeys),
            };
        }
        foreach (var rule in spec.Filter)
            foreach (var option in new[] { rule.Unless, rule.When })
                if (option is not null && !spec.Options.Any(o => o.Name == option))
                    throw Error(sourceName, "filter." + rule.Name, $"names option '{option}', which 'options' does not declare");
        return spec;
    }

    private static YamlStream LoadEmbedded(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream;
    }

    private static List<MappingOption> ParseOptions(YamlNode node, string src)
    {
        if (node is not YamlMappingNode map) throw Error(src, "options", "expected an object of NAME → {default: false, description: …}");
        var options = new List<MappingOption>();
        foreach (var (k, v) in map.Children)
        {
            var name = Scalar(k, src, "options");
            var path = "options." + name;
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
                throw Error(src, path, "an option's name is lower-case letters, digits and _");
            if (v is not YamlMappingNode opts) throw Error(src, path, "expected {default: false, description: …}");
            bool? @default = null;
            string? description = null;
            foreach (var (ok, ov) in opts.Children)
            {
                var okey = Scalar(ok, src, path);
                switch (okey)
                {
                    case "default": @default = Bool(ov, src, path + ".default"); break;
                    case "description": description = Scalar(ov, src, path + ".description"); break;
                    default: throw Error(src, path + "." + okey, "unknown key; known keys: default, description");
                }
            }
            if (@default is null) throw Error(src, path + ".default", "required (true or false)");
            if (description is null) throw Error(src, path + ".description", "required: what the switch does");
            options.Add(new MappingOption(name, @default.Value, description));
        }
        return options;
    }

    private static List<ColumnRule> ParseColumns(YamlNode node, string src, string basePath = "columns")
    {
        if (node is not YamlMappingNode map) throw Error(src, basePath, "expected an object of column name → field");
        var rules = new List<ColumnRule>();
        foreach (var (k, v) in map.Children)
        {
            var column = Scalar(k, src, basePath);
            var path = basePath + "." + column;
            if (v is YamlScalarNode)
            {
                rules.Add(new ColumnRule(column, Field(Scalar(v, src, path), src, path)));
                continue;
            }
            if (v is not YamlMappingNode opts) throw Error(src, path, "expected a field name or an object with 'field'");
            ColumnRule? rule = null;
            bool hashed = false, preserve = false, optional = false, split = false;
            var extract = ExtractKind.None;
            string? format = null, fallback = null, less = null, timeColumn = null, zoneColumn = null;
            foreach (var (ok, ov) in opts.Children)
            {
                var okey = Scalar(ok, src, path);
                var opath = path + "." + okey;
                switch (okey)
                {
                    case "field": rule = new ColumnRule(column, Field(Scalar(ov, src, opath), src, opath)); break;
                    case "already_hashed": hashed = Bool(ov, src, opath); break;
                    case "preserve_case": preserve = Bool(ov, src, opath); break;
                    case "format": format = Scalar(ov, src, opath); break;
                    case "optional": optional = Bool(ov, src, opath); break;
                    case "split": split = Bool(ov, src, opath); break;
                    case "extract":
                        extract = Scalar(ov, src, opath) switch
                        {
                            "email" => ExtractKind.Email,
                            "contacts" => ExtractKind.Contacts,
                            _ => throw Error(src, opath, "expected email or contacts"),
                        };
                        break;
                    case "fallback": fallback = Scalar(ov, src, opath); break;
                    case "less": less = Scalar(ov, src, opath); break;
                    case "time_column": timeColumn = Scalar(ov, src, opath); break;
                    case "zone_column": zoneColumn = Scalar(ov, src, opath); break;
                    default: throw Error(src, opath, "unknown key; known keys: field, already_hashed, preserve_case, format, optional, split, extract, fallback, less, time_column, zone_column");
                }
            }
            if (rule is null) throw Error(src, path + ".field", "required");
            var money = format == "money";
            if (money && rule.Field != TargetField.Value) throw Error(src, path + ".format", "money applies to value columns");
            if (less is not null && rule.Field != TargetField.Value) throw Error(src, path + ".less", "applies to value columns");
            if (extract == ExtractKind.Contacts && rule.Field != TargetField.Em) throw Error(src, path + ".extract", "contacts applies to em columns (phones go to ph)");
            if ((timeColumn ?? zoneColumn) is not null && rule.Field != TargetField.EventTime)
                throw Error(src, path + (timeColumn is not null ? ".time_column" : ".zone_column"), "applies to event_time columns");
            rules.Add(rule with
            {
                AlreadyHashed = hashed, PreserveCase = preserve, Format = money ? null : format, Optional = optional,
                Split = split || extract != ExtractKind.None, Extract = extract, Fallback = fallback, Money = money, Less = less,
                TimeColumn = timeColumn, ZoneColumn = zoneColumn,
            });
        }
        return rules;
    }

    private static List<FilterRule> ParseFilter(YamlNode node, string src)
    {
        if (node is not YamlSequenceNode seq) throw Error(src, "filter", "expected a list of rules, e.g. - {column: Stage, in: [Closed Won]}");
        var rules = new List<FilterRule>();
        var i = 0;
        foreach (var item in seq.Children)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"filter[{i++}]");
            if (item is not YamlMappingNode map) throw Error(src, path, "expected an object with 'any' or 'column'");
            string? name = null, unless = null, when = null;
            var optional = false;
            var conditions = new List<FilterCondition>();
            var single = new YamlMappingNode();
            foreach (var (k, v) in map.Children)
            {
                var key = Scalar(k, src, path);
                switch (key)
                {
                    case "name": name = Scalar(v, src, path + ".name"); break;
                    case "optional": optional = Bool(v, src, path + ".optional"); break;
                    case "unless": unless = Scalar(v, src, path + ".unless"); break;
                    case "when": when = Scalar(v, src, path + ".when"); break;
                    case "any":
                        if (v is not YamlSequenceNode any) throw Error(src, path + ".any", "expected a list of conditions");
                        var j = 0;
                        foreach (var c in any.Children)
                            conditions.Add(ParseCondition(c, src, string.Create(CultureInfo.InvariantCulture, $"{path}.any[{j++}]")));
                        break;
                    case "column" or "in" or "not_in": single.Add(k, v); break;
                    default: throw Error(src, path + "." + key, "unknown key; known keys: name, any, column, in, not_in, optional, unless, when");
                }
            }
            if (single.Children.Count > 0) conditions.Add(ParseCondition(single, src, path));
            if (conditions.Count == 0) throw Error(src, path, "a rule needs 'any' or 'column' with 'in' or 'not_in'");
            name ??= string.Join(" or ", conditions.Select(c => $"{c.Column} {(c.Negate ? "not in" : "in")} [{string.Join(", ", c.Values)}]"));
            rules.Add(new FilterRule(name, conditions) { Optional = optional, Unless = unless, When = when });
        }
        return rules;
    }

    private static FilterCondition ParseCondition(YamlNode node, string src, string path)
    {
        if (node is not YamlMappingNode map) throw Error(src, path, "expected {column: NAME, in: [VALUES]}");
        string? column = null;
        List<string>? values = null;
        var negate = false;
        foreach (var (k, v) in map.Children)
        {
            var key = Scalar(k, src, path);
            switch (key)
            {
                case "column": column = Scalar(v, src, path + ".column"); break;
                case "in": values = List(v, src, path + ".in"); break;
                case "not_in": values = List(v, src, path + ".not_in"); negate = true; break;
                default: throw Error(src, path + "." + key, "unknown key; known keys: column, in, not_in");
            }
        }
        if (column is null) throw Error(src, path + ".column", "required");
        if (values is null) throw Error(src, path + ".in", "required ('in' or 'not_in')");
        return new FilterCondition(column, values, negate);
    }

    private static List<JoinSpec> ParseJoins(YamlNode node, string src)
    {
        if (node is not YamlSequenceNode seq) throw Error(src, "joins", "expected a list of joins");
        var joins = new List<JoinSpec>();
        var i = 0;
        foreach (var item in seq.Children)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"joins[{i++}]");
            if (item is not YamlMappingNode map) throw Error(src, path, "expected an object with name, keys, on and columns");
            string? name = null, on = null, description = null;
            List<string>? keys = null, headers = null;
            List<ColumnRule>? columns = null;
            foreach (var (k, v) in map.Children)
            {
                var key = Scalar(k, src, path);
                var kpath = path + "." + key;
                switch (key)
                {
                    case "name": name = Scalar(v, src, kpath); break;
                    case "keys": keys = List(v, src, kpath); break;
                    case "on": on = Scalar(v, src, kpath); break;
                    case "headers": headers = List(v, src, kpath); break;
                    case "description": description = Scalar(v, src, kpath); break;
                    case "columns": columns = ParseColumns(v, src, kpath); break;
                    default: throw Error(src, kpath, "unknown key; known keys: name, keys, on, headers, description, columns");
                }
            }
            if (name is null) throw Error(src, path + ".name", "required");
            if (keys is null || keys.Count == 0) throw Error(src, path + ".keys", "required: the main file's key column(s)");
            if (on is null) throw Error(src, path + ".on", "required: the extra file's key column");
            if (columns is null) throw Error(src, path + ".columns", "required");
            foreach (var c in columns)
                if (c.Field is not (TargetField.Ignore or TargetField.FullName) && TargetFields.ToIdentifier(c.Field) is null)
                    throw Error(src, path + ".columns." + c.Column, "a joined column fills a user_data field (em, ph, fn …, full_name) or is ignore");
            joins.Add(new JoinSpec(name, keys, on) { Headers = headers ?? [], Columns = columns, Description = description });
        }
        foreach (var j in joins)
            foreach (var k in j.Keys)
                if (k.IndexOf('.') is > 0 and var dot && joins.Any(o => o.Name == k[..dot]) && joins.FindIndex(o => o.Name == k[..dot]) >= joins.IndexOf(j))
                    throw Error(src, "joins." + j.Name + ".keys", $"'{k}' reads a join that comes later; list '{k[..dot]}' first");
        return joins;
    }

    private static PresetInfo ParsePreset(YamlNode node, string src)
    {
        if (node is not YamlMappingNode map) throw Error(src, "preset", "expected an object");
        var p = new PresetInfo();
        foreach (var (k, v) in map.Children)
        {
            var key = Scalar(k, src, "preset");
            var path = "preset." + key;
            p = key switch
            {
                "name" => p with { Name = Scalar(v, src, path) },
                "system" => p with { System = Scalar(v, src, path) },
                "files" => p with { Files = Scalar(v, src, path) },
                "won" => p with { Won = Scalar(v, src, path) },
                "verified" => p with { Verified = Bool(v, src, path) },
                "file_name" => p with { FileName = Scalar(v, src, path) },
                "recognize" => p with { RecognizeAlternatives = v is YamlSequenceNode s ? s.Children.Select((c, n) => (IReadOnlyList<string>)List(c, src, string.Create(CultureInfo.InvariantCulture, $"{path}[{n}]"))).ToList() : throw Error(src, path, "expected a list of header lists") },
                _ => throw Error(src, path, "unknown key; known keys: name, system, files, won, verified, recognize, file_name"),
            };
        }
        return p;
    }

    private static List<string> List(YamlNode node, string src, string path) => node switch
    {
        YamlSequenceNode seq => seq.Children.Select(c => Scalar(c, src, path)).ToList(),
        YamlScalarNode => [Scalar(node, src, path)],
        _ => throw Error(src, path, "expected a list of values"),
    };

    private static string Culture(YamlNode node, string src, string path)
    {
        var name = Scalar(node, src, path);
        return TextValues.TryGetCulture(name, out _) ? name : throw Error(src, path, $"'{name}' is not a culture name such as en-US, en-GB or de-DE");
    }

    private static TextEncoding TextEncodingName(YamlNode node, string src, string path)
    {
        var name = Scalar(node, src, path);
        return TextEncoding.TryParse(name, out var encoding)
            ? encoding
            : throw Error(src, path, $"'{name}' is not a text encoding; e.g. {TextEncoding.CommonNames}");
    }

    private static Dictionary<TargetField, string> ParseConstants(YamlNode node, string src)
    {
        if (node is not YamlMappingNode map) throw Error(src, "constants", "expected an object of field → value");
        var d = new Dictionary<TargetField, string>();
        foreach (var (k, v) in map.Children)
        {
            var name = Scalar(k, src, "constants");
            var path = "constants." + name;
            var field = Field(name, src, path);
            if (!ConstantFields.Contains(field))
                throw Error(src, path, "only event_name, action_source, currency, value, event_tag, content_category and num_items can be constants");
            d[field] = Scalar(v, src, path);
        }
        return d;
    }

    private static TargetField Field(string name, string src, string path) =>
        TargetFields.TryParse(name, out var f)
            ? f
            : throw Error(src, path, $"unknown field '{name}'; known fields: {string.Join(", ", TargetFields.KnownNames)}");

    private static string Scalar(YamlNode node, string src, string path) =>
        node is YamlScalarNode { Value: { } s } ? s : throw Error(src, path, "expected a single value");

    private static bool Bool(YamlNode node, string src, string path) =>
        Scalar(node, src, path).ToLowerInvariant() switch
        {
            "true" or "yes" => true,
            "false" or "no" => false,
            _ => throw Error(src, path, "expected true or false"),
        };

    private static char Separator(YamlNode node, string src, string path)
    {
        var s = Scalar(node, src, path);
        return s is "." or "," ? s[0] : throw Error(src, path, "expected \".\" or \",\"");
    }

    // Values and keys are quoted at most 80 characters long (#16).
    private static InputException Error(string src, string path, string message) =>
        new(src, SafeYaml.Clip(string.Create(CultureInfo.InvariantCulture, $"{(path.Length > 0 ? path + ": " : "")}{message}")));
}
