using System.Text.Json;
using System.Text.Json.Serialization;
using Snapconv.State;

namespace Snapconv.Console.Api;

/// <summary>A job as <c>GET /api/jobs</c> gives it.</summary>
public sealed record JobJson(
    string Name, string PixelId, SourceJson Source, string? Schedule, string Timezone, DateTimeOffset? NextFireAt, string? DefinedIn,
    RunJson? LastRun, [property: JsonPropertyName("acknowledged_7d")] long Acknowledged7d, bool Running);

/// <summary>A job's source: its kind and where it reads.</summary>
public sealed record SourceJson(string Type, string Where);

/// <summary>One job with its settings (<c>GET /api/jobs/{name}</c>).</summary>
public sealed record JobDetailJson(
    string Name, string PixelId, SourceJson Source, string? Schedule, string Timezone, DateTimeOffset? NextFireAt, string? DefinedIn,
    RunJson? LastRun, [property: JsonPropertyName("acknowledged_7d")] long Acknowledged7d, bool Running, int HistoryDays, JsonElement Settings);

/// <summary>A run (<c>GET /api/runs/{id}</c>, the runs list).</summary>
public sealed record RunJson(
    long Id, string Job, string Node, string Trigger, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string? Outcome, int? ExitCode,
    long Rows, long Accepted, long Rejected, long Duplicates, long Filtered, long Sent, long Acknowledged,
    string? Message, bool HasReport, bool HasRejects)
{
    /// <summary>The JSON shape of a stored run (times in UTC).</summary>
    public static RunJson From(RunRecord r) => new(r.Id, r.Job, r.Node, r.Trigger, r.StartedAt.ToUniversalTime(), r.FinishedAt?.ToUniversalTime(),
        r.Outcome, r.ExitCode, r.Counts.Rows, r.Counts.Accepted, r.Counts.Rejected, r.Counts.Duplicates, r.Counts.Filtered, r.Counts.Sent,
        r.Counts.Acknowledged, r.Message, r.ReportPath is not null, r.RejectsPath is not null);
}

/// <summary>Accepted and rejected events of one UTC day (<c>GET /api/jobs/{name}/daily</c>).</summary>
public sealed record DailyJson(DateOnly Day, long Accepted, long Rejected);

/// <summary>A log line (<c>GET /api/runs/{id}/log</c>).</summary>
public sealed record LogLineJson(long Seq, DateTimeOffset At, string Level, string Step, string Message);

/// <summary>The API's JSON settings: snake_case names, ISO 8601 times.</summary>
public static class ApiJson
{
    /// <summary>Options of every API answer and body.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
        Converters = { new UtcTimeConverter() },
    };

    /// <summary>Times as ISO 8601 in UTC with a Z (<c>2026-12-05T19:28:31.1234567Z</c>).</summary>
    private sealed class UtcTimeConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetDateTimeOffset().ToUniversalTime();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }
}
