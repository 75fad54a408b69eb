using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Snapconv.State;

namespace Snapconv.Console.Pages;

/// <summary>How a run's outcome reads on the pages: a word, a badge class, and whether it counts as a failure.</summary>
/// <param name="Label">What a person reads (<c>Completed</c>, <c>Failed</c>).</param>
/// <param name="Css">The badge's class: <c>ok</c>, <c>warn</c>, <c>failed</c>, <c>running</c>.</param>
/// <param name="IsFailure">True when the run did not deliver what it read (the jobs page makes the job stand out).</param>
public sealed record OutcomeLook(string Label, string Css, bool IsFailure);

/// <summary>Formatting shared by the pages: times (UTC), durations, numbers, outcomes, settings.</summary>
public static class Ui
{
    /// <summary>The product's version, shown in the footer.</summary>
    public static string Version { get; } =
        typeof(Ui).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "";

    private static readonly CultureInfo En = CultureInfo.GetCultureInfo("en-GB");

    /// <summary>The look of a run: running, or its outcome word (as <c>JobRunner</c> writes it).</summary>
    public static OutcomeLook Outcome(RunRecord run) => run.IsRunning ? new("Running", "running", false) : Outcome(run.Outcome, run.ExitCode);

    /// <summary>The look of an outcome word and exit code.</summary>
    public static OutcomeLook Outcome(string? outcome, int? exitCode) => outcome switch
    {
        "completed" => new("Completed", "ok", false),
        "nothing_new" => new("Nothing new", "ok", false),
        "pending_left" => new("Events pending", "failed", true),
        "sample_gate" => new("Stopped by the sample gate", "failed", true),
        "source_unavailable" => new("Source unavailable", "failed", true),
        "invalid_input" => new("Setup error", "failed", true),
        "failed" => new("Failed", "failed", true),
        "canceled" => new("Canceled", "warn", false),
        RunOutcomes.Interrupted => new("Interrupted", "warn", false),
        null => new("Unknown", "warn", false),
        _ => new(Capitalise(outcome.Replace('_', ' ')), exitCode is 0 ? "ok" : "failed", exitCode is not 0),
    };

    /// <summary>A UTC time as <c>5 Dec 2026 19:40</c>.</summary>
    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("d MMM yyyy HH:mm", En);

    /// <summary>A UTC time with seconds.</summary>
    public static string TimeSeconds(DateTimeOffset t) => t.UtcDateTime.ToString("d MMM yyyy HH:mm:ss", En);

    /// <summary>The machine-readable form for <c>&lt;time datetime&gt;</c>.</summary>
    public static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>How long ago <paramref name="t"/> was, seen from <paramref name="now"/>: <c>just now</c>, <c>5 min ago</c>, <c>3 h ago</c>, <c>2 days ago</c>.</summary>
    public static string Ago(DateTimeOffset t, DateTimeOffset now)
    {
        var d = now - t;
        if (d < TimeSpan.Zero) return "in " + Span(-d);
        if (d < TimeSpan.FromMinutes(1)) return "just now";
        return Span(d) + " ago";
    }

    /// <summary>How far ahead <paramref name="t"/> is: <c>in 5 min</c>.</summary>
    public static string In(DateTimeOffset t, DateTimeOffset now) => t <= now ? "now" : "in " + Span(t - now);

    private static string Span(TimeSpan d) =>
        d < TimeSpan.FromHours(1) ? $"{Math.Max(1, (int)d.TotalMinutes)} min"
        : d < TimeSpan.FromDays(2) ? $"{(int)d.TotalHours} h"
        : $"{(int)d.TotalDays} days";

    /// <summary>A duration: <c>0.4 s</c>, <c>12 s</c>, <c>3 min 05 s</c>, <c>2 h 10 min</c>.</summary>
    public static string Duration(TimeSpan d) =>
        d < TimeSpan.FromSeconds(10) ? d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"
        : d < TimeSpan.FromMinutes(1) ? $"{(int)d.TotalSeconds} s"
        : d < TimeSpan.FromHours(1) ? $"{(int)d.TotalMinutes} min {d.Seconds:00} s"
        : $"{(int)d.TotalHours} h {d.Minutes:00} min";

    /// <summary>A run's duration, or how long it has been running.</summary>
    public static string Duration(RunRecord run, DateTimeOffset now) => Duration((run.FinishedAt ?? now) - run.StartedAt);

    /// <summary>A count with thousands separators: <c>12,345</c>.</summary>
    public static string N(long n) => n.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>A share as a whole percentage (<c>93 %</c>); below 1 % but above 0 shows <c>&lt;1 %</c>.</summary>
    public static string Percent(double share) =>
        share > 0 && share < 0.01 ? "<1 %" : Math.Round(share * 100).ToString("0", CultureInfo.InvariantCulture) + " %";

    /// <summary>
    /// A job's keys flattened to key paths (<c>source.type</c>, <c>delivery.batch_size</c>) and their text, in the object's
    /// order. Arrays and maps inside are shown as compact JSON.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Flatten(JsonElement settings)
    {
        var list = new List<KeyValuePair<string, string>>();
        if (settings.ValueKind == JsonValueKind.Object) Walk(settings, "", list);
        return list;
    }

    private static void Walk(JsonElement o, string prefix, List<KeyValuePair<string, string>> list)
    {
        foreach (var p in o.EnumerateObject())
        {
            var key = prefix + p.Name;
            if (p.Value.ValueKind == JsonValueKind.Object && (p.Name is "source" or "delivery" or "contacts")) Walk(p.Value, key + ".", list);
            else list.Add(KeyValuePair.Create(key, Text(p.Value)));
        }
    }

    /// <summary>A JSON value as text: strings bare, null empty, others as JSON.</summary>
    public static string Text(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString() ?? "",
        JsonValueKind.Null or JsonValueKind.Undefined => "",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => v.GetRawText(),
    };

    /// <summary>True for a key that names a secret by reference (<c>token_env</c>, <c>password_env</c>, <c>token_file</c>).</summary>
    public static bool IsSecretReference(string key)
    {
        var last = key[(key.LastIndexOf('.') + 1)..];
        return last is "token_env" or "token_file" or "password_env" or "passphrase_env" or "access_key_env" or "secret_key_env"
            or "connection_env" or "url_env" or "private_key_file";
    }

    private static string Capitalise(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];
}
