namespace Snapconv.Core.Options;

/// <summary>
/// One problem with an option: its config path (<c>jobs[2].delivery.qps</c>, or the bare key <c>qps</c> for a
/// command's own options) and a fixed-wording message (<c>must be 0.1–100000 (was 0).</c>).
/// </summary>
/// <param name="Path">The option's config path: snake_case keys joined by <c>.</c>, under the caller's prefix.</param>
/// <param name="Message">What is wrong, as a sentence ending in a full stop.</param>
public readonly record struct OptionError(string Path, string Message)
{
    /// <summary><c>path: message</c>, the form job-file errors are printed in.</summary>
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}

/// <summary>
/// The one name rule of options: a property <c>MaxEventAgeDays</c> is the job-file key <c>max_event_age_days</c> and
/// the flag <c>--max-event-age-days</c>.
/// </summary>
public static class OptionNames
{
    /// <summary>The snake_case key of a property name (<c>HostKeySha256</c> → <c>host_key_sha256</c>).</summary>
    public static string Key(string propertyName)
    {
        var sb = new System.Text.StringBuilder(propertyName.Length + 4);
        for (var i = 0; i < propertyName.Length; i++)
        {
            var c = propertyName[i];
            if (char.IsUpper(c))
            {
                var prev = i > 0 ? propertyName[i - 1] : '\0';
                var nextLower = i + 1 < propertyName.Length && char.IsLower(propertyName[i + 1]);
                if (i > 0 && (char.IsLower(prev) || char.IsDigit(prev) || (char.IsUpper(prev) && nextLower))) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>The flag of a key (<c>max_event_age_days</c> → <c>--max-event-age-days</c>).</summary>
    public static string Flag(string key) => "--" + key.Replace('_', '-');

    /// <summary><paramref name="key"/> under <paramref name="prefix"/> (<c>jobs[0].source</c> + <c>port</c>); a blank prefix gives the key alone.</summary>
    public static string Join(string prefix, string key) => prefix.Length == 0 ? key : prefix + "." + key;
}

/// <summary>
/// Marks an option a job file cannot set: the program fills it in (the token, the pixel from the job's own
/// <c>pixel_id</c>) or only a command-line flag or a test sets it. <see cref="OptionBinder"/> skips it.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotInJobFileAttribute : Attribute;
