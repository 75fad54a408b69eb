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

    public static MappingSpec Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(path, "cannot read the mapping file (" + e.GetType().Name + ")", inner: e);
        }
        return Parse(text, path);
    }

    public static MappingSpec Parse(string text, string sourceName)
    {
        var stream = new YamlStream();
        try { stream.Load(new StringReader(text)); }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InputException(sourceName, $"not valid YAML or JSON at line {e.Start.Line}: {e.Message}", inner: e);
        }
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
                _ => throw Error(sourceName, key, "unknown key; known keys: columns, constants, timezone, default_country, dob_format, decimal_separator, auto_detect, fold_city_accents"),
            };
        }
        return spec;
    }

    private static List<ColumnRule> ParseColumns(YamlNode node, string src)
    {
        if (node is not YamlMappingNode map) throw Error(src, "columns", "expected an object of column name → field");
        var rules = new List<ColumnRule>();
        foreach (var (k, v) in map.Children)
        {
            var column = Scalar(k, src, "columns");
            var path = "columns." + column;
            if (v is YamlScalarNode)
            {
                rules.Add(new ColumnRule(column, Field(Scalar(v, src, path), src, path)));
                continue;
            }
            if (v is not YamlMappingNode opts) throw Error(src, path, "expected a field name or an object with 'field'");
            ColumnRule? rule = null;
            bool hashed = false, preserve = false;
            string? format = null;
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
                    default: throw Error(src, opath, "unknown key; known keys: field, already_hashed, preserve_case, format");
                }
            }
            if (rule is null) throw Error(src, path + ".field", "required");
            rules.Add(rule with { AlreadyHashed = hashed, PreserveCase = preserve, Format = format });
        }
        return rules;
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

    private static InputException Error(string src, string path, string message) =>
        new(src, string.Create(CultureInfo.InvariantCulture, $"{(path.Length > 0 ? path + ": " : "")}{message}"));
}
