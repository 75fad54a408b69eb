using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using YamlDotNet.RepresentationModel;

namespace Snapconv.Core.Options;

/// <summary>
/// Binds a job file's section (a YAML mapping) straight onto an options record: each key is the snake_case name of
/// one of the record's properties (<see cref="OptionNames.Key"/>), so the record is the one list of its keys. A
/// property is a key when it has a public setter, a scalar type (text, number, true/false, enum, a map of text) and
/// no <see cref="NotInJobFileAttribute"/>; a <see cref="YamlNode"/> property takes a nested section as written. Keys left out keep the record's defaults. Range and required rules are
/// the record's own <c>Validate</c>; the binder reports only values of the wrong type and unknown keys.
/// </summary>
public static class OptionBinder
{
    /// <summary>The keys a job file may set on <paramref name="type"/>, in declaration order.</summary>
    public static IReadOnlyList<string> Keys(Type type) => Bindable(type).Select(p => OptionNames.Key(p.Name)).ToList();

    /// <summary>
    /// A copy of <paramref name="start"/> with the values of <paramref name="map"/> set. Problems go to
    /// <paramref name="errors"/> as <c>path.key: message</c>; <paramref name="unknown"/> words an unknown key's error
    /// (default <c>unknown key</c>) and <paramref name="skip"/> names keys the caller reads itself (e.g. <c>type</c>).
    /// A value-typed property marked <c>[Required]</c> (an enum) must be given.
    /// </summary>
    public static T Bind<T>(T start, YamlMappingNode map, string path, ICollection<string> errors, string unknown = "unknown key", params string[] skip)
        where T : class
    {
        var props = Bindable(start.GetType()).ToList();
        var byKey = props.ToDictionary(p => OptionNames.Key(p.Name), StringComparer.Ordinal);
        var copy = (T)CloneMethod.Invoke(start, null)!;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Children)
        {
            var key = k is YamlScalarNode s ? s.Value ?? "" : "?";
            if (skip.Contains(key)) continue;
            var p = $"{path}.{key}";
            if (!byKey.TryGetValue(key, out var prop))
            {
                errors.Add($"{p}: {unknown}; known keys: {string.Join(", ", byKey.Keys)}.");
                continue;
            }
            seen.Add(key);
            if (TryConvert(v, prop.PropertyType, p, errors, out var value)) prop.SetValue(copy, value);
        }
        foreach (var (key, prop) in byKey)
            if (prop.PropertyType.IsValueType && Nullable.GetUnderlyingType(prop.PropertyType) is null
                && prop.GetCustomAttribute<RequiredAttribute>() is not null && !seen.Contains(key))
                errors.Add($"{path}.{key}: required{(prop.PropertyType.IsEnum ? ": " + Choices(prop.PropertyType) : "")}.");
        return copy;
    }

    /// <summary>The text of an enum value as a job file writes it (<c>FtpTls.Explicit</c> → <c>explicit</c>).</summary>
    public static string EnumKey(Enum value) => OptionNames.Key(value.ToString());

    private static readonly MethodInfo CloneMethod = typeof(object).GetMethod("MemberwiseClone", BindingFlags.Instance | BindingFlags.NonPublic)!;

    private static IEnumerable<PropertyInfo> Bindable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0
                        && p.GetCustomAttribute<NotInJobFileAttribute>() is null && IsScalar(p.PropertyType));

    private static bool IsScalar(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        return t == typeof(string) || t == typeof(int) || t == typeof(long) || t == typeof(double) || t == typeof(bool) || t.IsEnum
               || t == typeof(IReadOnlyDictionary<string, string>) || t == typeof(YamlNode);
    }

    private static string Choices(Type enumType) => string.Join(" or ", Enum.GetNames(enumType).Select(OptionNames.Key));

    private static bool TryConvert(YamlNode node, Type type, string path, ICollection<string> errors, out object? value)
    {
        value = null;
        var t = Nullable.GetUnderlyingType(type) ?? type;
        // A section read by its own binder (a source, a mapping) is kept as written.
        if (t == typeof(YamlNode)) { value = node; return true; }
        if (t == typeof(IReadOnlyDictionary<string, string>))
        {
            var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (node is not YamlMappingNode map) { errors.Add($"{path}: expected an object of name → value."); value = d; return true; }
            foreach (var (k, v) in map.Children)
            {
                var key = k is YamlScalarNode ks ? ks.Value ?? "" : "?";
                if (v is YamlScalarNode { Value: { } s }) d[key] = s;
                else errors.Add($"{path}.{key}: expected a text value.");
            }
            value = d;
            return true;
        }
        if (node is not YamlScalarNode { Value: { } text })
        {
            errors.Add($"{path}: expected a text value.");
            return false;
        }
        if (t == typeof(string)) { value = text; return true; }
        if (t == typeof(int) && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i)) { value = i; return true; }
        if (t == typeof(long) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) { value = l; return true; }
        if (t == typeof(double) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) { value = n; return true; }
        if (t == typeof(bool) && bool.TryParse(text, out var b)) { value = b; return true; }
        if (t.IsEnum)
        {
            foreach (var name in Enum.GetNames(t))
                if (OptionNames.Key(name) == text) { value = Enum.Parse(t, name); return true; }
            errors.Add($"{path}: must be one of {string.Join(", ", Enum.GetNames(t).Select(OptionNames.Key))} (was '{text}').");
            return false;
        }
        errors.Add($"{path}: {(t == typeof(bool) ? "must be true or false" : t == typeof(double) ? "must be a number" : "must be a whole number")} (was '{text}').");
        return false;
    }
}
