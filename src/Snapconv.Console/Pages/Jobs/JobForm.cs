using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Snapconv.Sources;

namespace Snapconv.Console.Pages.Jobs;

/// <summary>How an input is drawn.</summary>
public enum FieldKind { Text, Number, Checkbox, Select, TextArea }

/// <summary>
/// One input of the job form. <see cref="Key"/> is the job-file key path (<c>pixel_id</c>, <c>source.bucket</c>): the
/// input's <c>name</c>, the API's field and the YAML key are one word.
/// </summary>
public sealed record FormField(string Key, string Label, string? Hint = null, FieldKind Kind = FieldKind.Text, string? Placeholder = null,
    IReadOnlyList<string>? Options = null, bool Required = false, string? AutoComplete = null)
{
    /// <summary>The source kind this input belongs to (<c>local</c>), or null for the job's own keys.</summary>
    public string? Scope { get; init; }

    /// <summary>The input's id, unique on the page (several kinds share <c>source.path</c>; dots are not welcome in CSS selectors).</summary>
    public string Id => "f-" + (Scope is null ? "" : Scope + "-") + Key.Replace('.', '-').Replace('_', '-');
}

/// <summary>
/// The job form's inputs and the conversion between a posted form and a job's keys (a JSON object in the job-file
/// shape). Only labels, hints and input kinds live here: the rules are the job-file loader's, which validates what the
/// form sends (through <see cref="IConsoleRuntime"/>).
/// </summary>
public static class JobForm
{
    /// <summary>Source kinds, as <c>source.type</c> names them.</summary>
    public static readonly IReadOnlyList<string> SourceKinds = ["local", "s3", "sftp", "ftp", "http", "sql"];

    public static readonly IReadOnlyList<FormField> General =
    [
        new("name", "Name", "Lower-case letters, digits, '-' and '_'; it names the job in the list, the metrics and the logs.", Required: true, Placeholder: "store-sales", AutoComplete: "off"),
        new("pixel_id", "Pixel ID", "The Snap Pixel the conversions are for (Ads Manager → Events Manager).", Required: true, AutoComplete: "off"),
        new("endpoint", "Endpoint", "Empty: Snap's Conversions API. A sandbox address (snapconv sandbox) is allowed for trying things out.", Placeholder: "https://tr.snapchat.com"),
    ];

    public static readonly IReadOnlyList<FormField> Token =
    [
        new("token_env", "Environment variable", "The name of the variable that holds the token where serve runs.", Placeholder: Snapconv.Delivery.Upload.UploadOptions.DefaultTokenEnv, AutoComplete: "off"),
        new("token_file", "or file", "A file on the server that holds the token (one line).", Placeholder: "/etc/snapconv/token", AutoComplete: "off"),
    ];

    /// <summary>The fields of each source kind (after <c>source.type</c>).</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<FormField>> Source = Scoped(new Dictionary<string, IReadOnlyList<FormField>>
    {
        ["local"] =
        [
            new("source.path", "Folder", "The folder the exports land in, on the machine serve runs on.", Required: true, Placeholder: "/data/exports"),
            new("source.pattern", "File pattern", "Which files to read; default every file.", Placeholder: "*.csv"),
            new("source.archive_dir", "Archive folder", "Where a file goes once all its events are delivered; empty: it stays (and is not read again)."),
        ],
        ["s3"] =
        [
            new("source.bucket", "Bucket", Required: true),
            new("source.prefix", "Prefix", "Only keys under this prefix.", Placeholder: "exports/"),
            new("source.pattern", "Key pattern", Placeholder: "*.csv"),
            new("source.region", "Region", Placeholder: S3SourceOptions.DefaultRegion),
            new("source.endpoint", "S3 endpoint", "Empty for AWS; the address of another S3-compatible store."),
            new("source.force_path_style", "Path-style addressing", "Needed by most S3-compatible stores.", FieldKind.Checkbox),
            new("source.access_key_env", "Access key variable", "Environment variable holding the access key id.", Placeholder: "AWS_ACCESS_KEY_ID"),
            new("source.secret_key_env", "Secret key variable", "Environment variable holding the secret key.", Placeholder: "AWS_SECRET_ACCESS_KEY"),
        ],
        ["sftp"] =
        [
            new("source.host", "Host", Required: true),
            new("source.port", "Port", Kind: FieldKind.Number, Placeholder: N(SftpSourceOptions.DefaultPort)),
            new("source.username", "User name", Required: true, AutoComplete: "off"),
            new("source.password_env", "Password variable", "Environment variable holding the password."),
            new("source.private_key_file", "Private key file", "A key file on the server (instead of a password)."),
            new("source.passphrase_env", "Key passphrase variable"),
            new("source.path", "Folder", "Default: the login folder.", Placeholder: "/exports"),
            new("source.pattern", "File pattern", Placeholder: "*.csv"),
            new("source.host_key_sha256", "Host key (SHA-256)", "The server's key fingerprint; snapconv refuses a server whose key differs."),
            new("source.timeout_secs", "Timeout (seconds)", Kind: FieldKind.Number, Placeholder: N(SftpSourceOptions.DefaultTimeoutSecs)),
        ],
        ["ftp"] =
        [
            new("source.host", "Host", Required: true),
            new("source.port", "Port", Kind: FieldKind.Number, Placeholder: N(FtpSourceOptions.DefaultPort)),
            new("source.username", "User name", Placeholder: "anonymous", AutoComplete: "off"),
            new("source.password_env", "Password variable", "Environment variable holding the password."),
            new("source.path", "Folder", "Default: the login folder.", Placeholder: "/exports"),
            new("source.pattern", "File pattern", Placeholder: "*.csv"),
            new("source.tls", "TLS", Kind: FieldKind.Select, Options: ["", "none", "explicit"]),
            new("source.tls_accept_any_certificate", "Accept any certificate", "Only for a test server with a self-signed certificate.", FieldKind.Checkbox),
            new("source.timeout_secs", "Timeout (seconds)", Kind: FieldKind.Number, Placeholder: N(FtpSourceOptions.DefaultTimeoutSecs)),
        ],
        ["http"] =
        [
            new("source.url", "URL", "The export's address (a query string with a key belongs in the URL variable instead).", Placeholder: "https://example.com/export.csv"),
            new("source.url_env", "URL variable", "Environment variable holding the URL, when it carries a secret."),
            new("source.file_name", "File name", "The name the download is read as (its extension picks the format)."),
            new("source.timeout_secs", "Timeout (seconds)", Kind: FieldKind.Number, Placeholder: N(HttpSourceOptions.DefaultTimeoutSecs)),
        ],
        ["sql"] =
        [
            new("source.driver", "Database", Kind: FieldKind.Select, Options: ["", "postgres", "sqlite"], Required: true),
            new("source.connection_env", "Connection variable", "Environment variable holding the connection string (with its password)."),
            new("source.connection", "Connection", "A SQLite file, or a connection string without a password."),
            new("source.query", "Query", "The rows to read; with a cursor column, only rows past the last one read.", FieldKind.TextArea),
            new("source.cursor_column", "Cursor column", "A column that grows (an id, a timestamp): each run reads rows past the last one."),
            new("source.cursor_start", "Cursor start"),
            new("source.timeout_secs", "Timeout (seconds)", Kind: FieldKind.Number, Placeholder: N(SqlSourceOptions.DefaultTimeoutSecs)),
        ],
    });

    // The defaults shown are the options records' own constants.
    private static string N(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static Dictionary<string, IReadOnlyList<FormField>> Scoped(Dictionary<string, IReadOnlyList<FormField>> byKind) =>
        byKind.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<FormField>)[.. kv.Value.Select(f => f with { Scope = kv.Key })]);

    /// <summary>The input of <paramref name="key"/> for the source kind <paramref name="kind"/>, or null when the form has none.</summary>
    public static FormField? Field(string key, string kind) =>
        General.Concat(Token).Concat(Data).Append(Schedule).Append(SourceType).Concat(Source.GetValueOrDefault(kind) ?? []).FirstOrDefault(f => f.Key == key);

    public static readonly IReadOnlyList<FormField> Data =
    [
        new("preset", "Preset", "Empty: recognised from the export's header. Name one to skip recognition.", FieldKind.Select),
        new("mapping_file", "Mapping file", "Instead of a preset: a mapping file on the server (see docs/mapping-file.md)."),
        new("event_name", "Event name", "For exports without an event column: every row is this event.", Placeholder: "PURCHASE"),
        new("currency", "Currency", "For exports without a currency column.", Placeholder: "USD"),
        new("default_country", "Default country", "For phone numbers without a country code.", Placeholder: "US"),
        new("timezone", "Time zone", "The zone of the export's times, and of the schedule.", Placeholder: "UTC"),
    ];

    public static readonly FormField Schedule =
        new("schedule", "Schedule (cron)", "Minute hour day month weekday, e.g. \"0 * * * *\" for every hour. Empty: only Run now.", Placeholder: "0 * * * *");

    public static readonly FormField SourceType = new("source.type", "Source type", Kind: FieldKind.Select, Options: SourceKinds, Required: true);

    /// <summary>Every field the form draws (each source kind's included).</summary>
    public static IEnumerable<FormField> All =>
        General.Concat(Token).Append(SourceType).Concat(Source.Values.SelectMany(f => f)).Concat(Data).Append(Schedule);

    /// <summary>The keys the form draws at the top level (any kind).</summary>
    private static readonly HashSet<string> TopKeys = new(General.Concat(Token).Concat(Data).Append(Schedule).Select(f => f.Key), StringComparer.Ordinal);

    /// <summary>The posted values, by key path (empty strings dropped).</summary>
    public static Dictionary<string, string> Values(IFormCollection form)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in All.DistinctBy(f => f.Key))
            if (form[f.Key].LastOrDefault() is { } v && v.Trim().Length > 0) values[f.Key] = v.Trim();
        return values;
    }

    /// <summary>A job's keys flattened for the form (<c>source.path</c>), booleans as <c>true</c>.</summary>
    public static Dictionary<string, string> Values(JsonElement settings) =>
        Ui.Flatten(settings).Where(kv => kv.Value.Length > 0).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    /// <summary>
    /// The job's keys from the form's values: the drawn fields that have a value (numbers and checkboxes typed), the
    /// chosen source kind's fields only. Keys of <paramref name="existing"/> the form does not draw (a mapping, delivery
    /// settings, an HTTP source's headers) are kept, so that editing in the form loses nothing set through the API.
    /// </summary>
    public static JsonObject ToKeys(IReadOnlyDictionary<string, string> values, JsonElement? existing)
    {
        var kind = values.GetValueOrDefault("source.type") ?? "local";
        JsonObject? oldSource = null;
        var kept = new List<(string Key, JsonNode? Value)>();
        if (existing is { ValueKind: JsonValueKind.Object } old)
            foreach (var p in old.EnumerateObject())
            {
                if (p.Name == "source") oldSource = JsonNode.Parse(p.Value.GetRawText()) as JsonObject;
                else if (!TopKeys.Contains(p.Name)) kept.Add((p.Name, JsonNode.Parse(p.Value.GetRawText())));
            }
        var keys = new JsonObject();
        foreach (var f in General.Concat(Token))
            if (values.TryGetValue(f.Key, out var v)) keys[f.Key] = Typed(f, v);
        var source = new JsonObject { ["type"] = kind };
        var drawn = Source.GetValueOrDefault(kind) ?? [];
        foreach (var f in drawn)
            if (values.TryGetValue(f.Key, out var v)) source[f.Key["source.".Length..]] = Typed(f, v);
        // The same kind as before: keys the form does not draw stay (headers of an HTTP source).
        if (oldSource is not null && oldSource["type"]?.GetValueKind() == JsonValueKind.String && oldSource["type"]!.GetValue<string>() == kind)
            foreach (var (k, v) in oldSource.ToList())
                if (k != "type" && drawn.All(f => f.Key != "source." + k)) source[k] = v?.DeepClone();
        keys["source"] = source;
        foreach (var f in Data.Append(Schedule))
            if (values.TryGetValue(f.Key, out var v)) keys[f.Key] = Typed(f, v);
        foreach (var (k, v) in kept) keys[k] = v;
        return keys;
    }

    private static JsonNode Typed(FormField f, string v) => f.Kind switch
    {
        FieldKind.Checkbox => JsonValue.Create(v is "true" or "on"),
        FieldKind.Number when long.TryParse(v, out var n) => JsonValue.Create(n),
        _ => JsonValue.Create(v),
    };

    /// <summary>A JSON object as an element (what the runtime takes).</summary>
    public static JsonElement Element(JsonObject keys) => JsonSerializer.SerializeToElement(keys);
}
