using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;

namespace Snapconv.Core.Options;

/// <summary>
/// Evaluates the <c>[Required]</c>, <c>[Range]</c> and <c>[RegularExpression]</c> attributes of an options record,
/// naming each problem by its config path. An options record's own <c>Validate(string path)</c> calls
/// <see cref="Check"/> and adds the rules the attributes cannot say (one key depending on another).
/// </summary>
public static class OptionValidator
{
    /// <summary>The one wording of a range error: <c>must be 1–65535 (was 70000).</c></summary>
    public static string RangeMessage(object minimum, object maximum, object? value) =>
        string.Create(CultureInfo.InvariantCulture, $"must be {Text(minimum)}–{Text(maximum)} (was {Text(value)}).");

    /// <summary>The wording of a missing required option.</summary>
    public const string RequiredMessage = "required.";

    /// <summary>Every attribute problem of <paramref name="options"/>, each path under <paramref name="prefix"/>; empty when valid.</summary>
    public static List<OptionError> Check(object options, string prefix)
    {
        var errors = new List<OptionError>();
        foreach (var p in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var rules = p.GetCustomAttributes<ValidationAttribute>(inherit: true).ToArray();
            if (rules.Length == 0) continue;
            var value = p.GetValue(options);
            var path = OptionNames.Join(prefix, OptionNames.Key(p.Name));
            foreach (var rule in rules)
            {
                switch (rule)
                {
                    case RequiredAttribute required:
                        if (value is null || (value is string s && string.IsNullOrWhiteSpace(s))) errors.Add(new(path, required.ErrorMessage ?? RequiredMessage));
                        break;
                    case RangeAttribute range:
                        if (value is not null && !range.IsValid(value)) errors.Add(new(path, RangeMessage(range.Minimum, range.Maximum, value)));
                        break;
                    case RegularExpressionAttribute regex:
                        if (value is not null && !regex.IsValid(value))
                            errors.Add(new(path, regex.ErrorMessage is { } m
                                ? string.Format(CultureInfo.InvariantCulture, m, value)
                                : $"must match {regex.Pattern} (was '{value}')."));
                        break;
                    default:
                        if (!rule.IsValid(value)) errors.Add(new(path, rule.ErrorMessage ?? "is not valid."));
                        break;
                }
                // One message a key: a missing value is not also out of range.
                if (errors.Count > 0 && errors[^1].Path == path) break;
            }
        }
        return errors;
    }

    private static string Text(object? value) => value switch
    {
        null => "none",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
