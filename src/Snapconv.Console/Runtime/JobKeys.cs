using System.Text;
using System.Text.Json;
using Snapconv.Core.Redaction;
using Snapconv.Jobs;
using Snapconv.Sources;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Snapconv.Console.Runtime;

/// <summary>
/// A console job's keys (a JSON object with the job-file keys) and the job-file format: validated by the job-file loader
/// itself (the same rules, the same messages), exported as job-file YAML that loads back to the same job.
/// </summary>
public static class JobKeys
{
    private const string Prefix = "jobs[0].";

    /// <summary>
    /// Validates <paramref name="keys"/> as one job of a job file. A job without <c>state_dir</c> keeps its state in
    /// <paramref name="stateDir"/>; relative paths resolve against <paramref name="baseDir"/>.
    /// </summary>
    /// <returns>The job, or null with every problem (field = key path such as <c>source.bucket</c>, message = the loader's words).</returns>
    public static (JobDefinition? Job, IReadOnlyList<FieldError> Errors) Parse(JsonElement keys, string stateDir, string baseDir)
    {
        if (keys.ValueKind != JsonValueKind.Object) return (null, [new FieldError("", "a job is an object of job-file keys.")]);
        var text = JobFileJson(keys, keys.TryGetProperty("state_dir", out _) ? null : stateDir);
        try
        {
            var file = JobFileLoader.Parse(text, "console job", baseDir);
            return (file.Jobs[0], []);
        }
        catch (JobFileException e)
        {
            return (null, e.Errors.Select(ToFieldError).ToList());
        }
    }

    /// <summary>A loader message (<c>jobs[0].source.bucket: required.</c>) as a field error (<c>source.bucket</c>, <c>required.</c>).</summary>
    internal static FieldError ToFieldError(string error)
    {
        var e = error.StartsWith(Prefix, StringComparison.Ordinal) ? error[Prefix.Length..] : error;
        var colon = e.IndexOf(": ", StringComparison.Ordinal);
        return colon > 0 && !e[..colon].Contains(' ', StringComparison.Ordinal) ? new FieldError(e[..colon], e[(colon + 2)..]) : new FieldError("", e);
    }

    private static string JobFileJson(JsonElement keys, string? stateDir)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteStartArray("jobs");
            w.WriteStartObject();
            foreach (var p in keys.EnumerateObject()) p.WriteTo(w);
            if (stateDir is not null) w.WriteString("state_dir", stateDir);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>The job's keys as a job file in YAML (<c>jobs:</c> with the one job), keys in the order given.</summary>
    public static string ToYaml(JsonElement keys)
    {
        var root = new YamlMappingNode { { "jobs", new YamlSequenceNode(ToNode(keys)) } };
        var sb = new StringBuilder();
        using (var w = new StringWriter(sb)) new YamlStream(new YamlDocument(root)).Save(w, assignAnchors: false);
        var yaml = sb.ToString().ReplaceLineEndings("\n");
        // YamlStream ends a document with "..."; a job file has one document.
        if (yaml.EndsWith("...\n", StringComparison.Ordinal)) yaml = yaml[..^4];
        return "# snapconv job file (exported from the console)\n" + yaml;
    }

    private static YamlNode ToNode(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => new YamlMappingNode(e.EnumerateObject().Select(p => new KeyValuePair<YamlNode, YamlNode>(new YamlScalarNode(p.Name), ToNode(p.Value)))),
        JsonValueKind.Array => new YamlSequenceNode(e.EnumerateArray().Select(ToNode)),
        // Strings quoted: "0700", "yes" or "1e3" stay strings when read back.
        JsonValueKind.String => new YamlScalarNode(e.GetString()) { Style = ScalarStyle.DoubleQuoted },
        JsonValueKind.True => new YamlScalarNode("true") { Style = ScalarStyle.Plain },
        JsonValueKind.False => new YamlScalarNode("false") { Style = ScalarStyle.Plain },
        JsonValueKind.Number => new YamlScalarNode(e.GetRawText()) { Style = ScalarStyle.Plain },
        _ => new YamlScalarNode("null") { Style = ScalarStyle.Plain },
    };

    /// <summary>
    /// The keys to show: as given, with URLs redacted (query secrets) and a literal SQL connection string replaced by
    /// <c>(set)</c> (it may hold a password). Secrets are references already (<c>token_env</c>, <c>*_env</c>, files).
    /// </summary>
    public static JsonElement ForDisplay(JsonElement keys)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) WriteDisplay(w, keys, null);
        return JsonDocument.Parse(ms.ToArray()).RootElement.Clone();
    }

    private static void WriteDisplay(Utf8JsonWriter w, JsonElement e, string? name)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                w.WriteStartObject();
                foreach (var p in e.EnumerateObject())
                {
                    w.WritePropertyName(p.Name);
                    WriteDisplay(w, p.Value, p.Name);
                }
                w.WriteEndObject();
                break;
            case JsonValueKind.Array:
                w.WriteStartArray();
                foreach (var x in e.EnumerateArray()) WriteDisplay(w, x, name);
                w.WriteEndArray();
                break;
            case JsonValueKind.String when name is "connection":
                w.WriteStringValue("(set)");
                break;
            case JsonValueKind.String when name is "headers":
                w.WriteStringValue("(set)");
                break;
            case JsonValueKind.String:
                w.WriteStringValue(Redactor.Text(e.GetString()!));
                break;
            default:
                e.WriteTo(w);
                break;
        }
    }

    /// <summary>The settings of a job-file job (rebuilt from the loaded job; secrets as references, URLs redacted).</summary>
    public static JsonElement SettingsOf(JobDefinition job)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("name", job.Name);
            w.WriteString("pixel_id", job.PixelId);
            if (job.TokenFile is not null) w.WriteString("token_file", job.TokenFile); else w.WriteString("token_env", job.TokenEnv);
            w.WriteString("endpoint", Redactor.Url(job.Endpoint.ToString()));
            if (job.Schedule is not null) w.WriteString("schedule", job.Schedule);
            w.WriteString("timezone", job.TimeZone.Id);
            if (job.DefaultCountry is not null) w.WriteString("default_country", job.DefaultCountry);
            if (job.Mapping.PresetName is not null) w.WriteString("preset", job.Mapping.PresetName);
            if (job.MaxEventAgeDays is { } age) w.WriteNumber("max_event_age_days", age);
            w.WriteString("state_dir", job.StateDir);
            w.WriteStartObject("source");
            w.WriteString("type", job.Source.Kind);
            w.WriteString("where", Where(job.Source));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return JsonDocument.Parse(ms.ToArray()).RootElement.Clone();
    }

    /// <summary>Where a source reads, for a person (no secret: URLs redacted, no connection string).</summary>
    public static string Where(SourceOptions source) => source switch
    {
        LocalSourceOptions l => Path.Combine(l.Path, l.Pattern),
        S3SourceOptions s => $"s3://{s.Bucket}/{s.Prefix}{(s.Pattern == "*" ? "" : s.Pattern)}",
        SftpSourceOptions s => $"sftp://{s.Username}@{s.Host}:{s.Port}/{s.Path.TrimStart('/')}/{s.Pattern}".Replace("//", "/", StringComparison.Ordinal).Replace("sftp:/", "sftp://", StringComparison.Ordinal),
        FtpSourceOptions f => $"ftp://{f.Username}@{f.Host}:{f.Port}/{f.Path.TrimStart('/')}/{f.Pattern}".Replace("//", "/", StringComparison.Ordinal).Replace("ftp:/", "ftp://", StringComparison.Ordinal),
        HttpSourceOptions h => h.UrlEnv is { } env ? $"URL from ${env}" : Redactor.Url(h.Url),
        SqlSourceOptions q => $"{q.Driver.ToString().ToLowerInvariant()} query{(q.CursorColumn is null ? "" : $" (cursor {q.CursorColumn})")}",
        _ => source.Kind,
    };
}
