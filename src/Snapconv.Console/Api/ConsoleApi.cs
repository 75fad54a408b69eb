using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Snapconv.State;

namespace Snapconv.Console.Api;

/// <summary>
/// The console's JSON API (the pages and scripts read the same data). Routes and field names are a contract (issue
/// #18): see <c>docs/console.md</c>. Every answer is JSON with snake_case names and UTC times, except the YAML export,
/// the report file and the rejects download.
/// </summary>
public static class ConsoleApi
{
    /// <summary>Rows a preview shows.</summary>
    public const int PreviewRows = 20;

    /// <summary>Maps <c>/api/…</c>.</summary>
    public static void Map(IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api").DisableAntiforgery();
        api.MapGet("/jobs", ListJobsAsync);
        api.MapGet("/jobs/{name}", GetJobAsync);
        api.MapGet("/jobs/{name}/runs", ListRunsAsync);
        api.MapGet("/jobs/{name}/daily", DailyAsync);
        api.MapGet("/jobs/{name}/export.yaml", (string name, IConsoleRuntime rt) =>
            rt.ExportYaml(name) is { } yaml ? Results.Text(yaml, "application/yaml; charset=utf-8") : NotFound($"no console job '{name}'"));
        api.MapPost("/jobs", SaveAsync);
        api.MapDelete("/jobs/{name}", DeleteAsync);
        api.MapPost("/jobs/{name}/run", RunNowAsync);
        api.MapGet("/runs/{id:long}", GetRunAsync);
        api.MapGet("/runs/{id:long}/log", LogAsync);
        api.MapGet("/runs/{id:long}/report", ReportAsync);
        api.MapGet("/runs/{id:long}/rejects.csv", RejectsAsync);
        api.MapPost("/connection-test", ConnectionTestAsync);
        api.MapPost("/preview", PreviewAsync);
    }

    private static IResult Json(object? value, int status = 200) => Results.Json(value, ApiJson.Options, statusCode: status);
    private static IResult NotFound(string message) => Json(new { error = message }, StatusCodes.Status404NotFound);
    private static IResult Problem(string message, int status) => Json(new { error = message }, status);

    /// <summary>The jobs list: every job with its last run and events acknowledged in 7 days.</summary>
    internal static async Task<IResult> ListJobsAsync(IConsoleRuntime rt, IStateStore store, CancellationToken ct)
    {
        var since = rt.Clock.GetUtcNow().AddDays(-ConsoleOptions.AcknowledgedDays);
        var summaries = await store.SummarizeJobsAsync(since, ct).ConfigureAwait(false);
        return Json(rt.Jobs().Select(j => ToJson(j, summaries.GetValueOrDefault(j.Name), Running(rt, j.Name, summaries.GetValueOrDefault(j.Name)))).ToList());
    }

    // Running here, or (a run now asked for and not started yet, or a run on another node of a cluster) an open run.
    private static bool Running(IConsoleRuntime rt, string name, JobRunSummary? s) => rt.IsRunning(name) || s?.LastRun.IsRunning == true;

    private static JobJson ToJson(JobView j, JobRunSummary? s, bool running) => new(j.Name, j.PixelId, new SourceJson(j.SourceType, j.SourceWhere),
        j.Schedule, j.TimeZone, j.NextFireAt, j.DefinedIn, s is null ? null : RunJson.From(s.LastRun), s?.AcknowledgedSince ?? 0, running);

    private static async Task<IResult> GetJobAsync(string name, IConsoleRuntime rt, IStateStore store, CancellationToken ct)
    {
        if (rt.Job(name) is not { } j) return NotFound($"no job '{name}'");
        var since = rt.Clock.GetUtcNow().AddDays(-ConsoleOptions.AcknowledgedDays);
        var s = (await store.SummarizeJobsAsync(since, ct).ConfigureAwait(false)).GetValueOrDefault(name);
        return Json(new JobDetailJson(j.Name, j.PixelId, new SourceJson(j.SourceType, j.SourceWhere), j.Schedule, j.TimeZone, j.NextFireAt,
            j.DefinedIn, s is null ? null : RunJson.From(s.LastRun), s?.AcknowledgedSince ?? 0, Running(rt, name, s), j.HistoryDays, j.Settings));
    }

    private static async Task<IResult> ListRunsAsync(string name, int? limit, long? before, IStateStore store, CancellationToken ct)
    {
        var n = limit ?? ConsoleOptions.DefaultRunsLimit;
        if (n < 1 || n > StateLimits.MaxPage) return Problem($"limit: between 1 and {StateLimits.MaxPage}.", StatusCodes.Status400BadRequest);
        var runs = await store.ListRunsAsync(name, n, before, ct).ConfigureAwait(false);
        return Json(runs.Select(RunJson.From).ToList());
    }

    private static async Task<IResult> DailyAsync(string name, int? days, IStateStore store, IConsoleRuntime rt, CancellationToken ct)
    {
        var d = days ?? ConsoleOptions.ChartDays;
        if (d < 1 || d > 366) return Problem("days: between 1 and 366.", StatusCodes.Status400BadRequest);
        var today = DateOnly.FromDateTime(rt.Clock.GetUtcNow().UtcDateTime);
        var from = new DateTimeOffset(today.AddDays(1 - d).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var counts = await store.DailyCountsAsync(name, from, from.AddDays(d), ct).ConfigureAwait(false);
        var byDay = counts.ToDictionary(c => c.Day);
        // Every day of the window, zeros included, oldest first: the chart needs no gaps.
        return Json(Enumerable.Range(0, d).Select(i => today.AddDays(1 - d + i))
            .Select(day => byDay.TryGetValue(day, out var c) ? new DailyJson(day, c.Accepted, c.Rejected) : new DailyJson(day, 0, 0)).ToList());
    }

    private static async Task<IResult> SaveAsync(HttpRequest request, IConsoleRuntime rt, CancellationToken ct)
    {
        JsonElement keys;
        try { keys = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body, ApiJson.Options, ct).ConfigureAwait(false); }
        catch (JsonException) { return Problem("the body is not a JSON object of job keys.", StatusCodes.Status400BadRequest); }
        if (keys.ValueKind != JsonValueKind.Object) return Problem("the body is not a JSON object of job keys.", StatusCodes.Status400BadRequest);
        var r = await rt.SaveAsync(keys, ct).ConfigureAwait(false);
        if (!r.Saved) return Json(new { errors = r.Errors }, StatusCodes.Status422UnprocessableEntity);
        return Json(new { name = r.Job!.Name, created = r.Created }, r.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    private static async Task<IResult> DeleteAsync(string name, IConsoleRuntime rt, CancellationToken ct)
    {
        if (rt.Job(name) is { DefinedIn: { } file }) return Problem($"'{name}' is defined in {file}: change it there.", StatusCodes.Status409Conflict);
        return await rt.DeleteAsync(name, ct).ConfigureAwait(false) ? Results.NoContent() : NotFound($"no console job '{name}'");
    }

    private static async Task<IResult> RunNowAsync(string name, IConsoleRuntime rt, CancellationToken ct)
    {
        var r = await rt.RunNowAsync(name, ct).ConfigureAwait(false);
        return r.Status switch
        {
            RunNowStatus.Started => Json(new { id = r.RunId, job = name }, StatusCodes.Status202Accepted),
            RunNowStatus.AlreadyRunning => Problem($"'{name}' is running; try again when it ends.", StatusCodes.Status409Conflict),
            RunNowStatus.Unavailable => Problem($"'{name}' cannot be started now (serve is starting or stopping, or its store does not answer); try again shortly.", StatusCodes.Status503ServiceUnavailable),
            _ => NotFound($"no job '{name}'"),
        };
    }

    private static async Task<IResult> GetRunAsync(long id, IStateStore store, CancellationToken ct) =>
        await store.GetRunAsync(id, ct).ConfigureAwait(false) is { } r ? Json(RunJson.From(r)) : NotFound($"no run {id}");

    private static async Task<IResult> LogAsync(long id, long? after, int? limit, IStateStore store, CancellationToken ct)
    {
        if (await store.GetRunAsync(id, ct).ConfigureAwait(false) is null) return NotFound($"no run {id}");
        var n = Math.Clamp(limit ?? StateLimits.MaxLogPage, 1, StateLimits.MaxLogPage);
        var lines = await store.ReadLogAsync(id, after ?? 0, n, ct).ConfigureAwait(false);
        return Json(lines.Select(l => new LogLineJson(l.Seq, l.At, l.Level, l.Step, l.Message)).ToList());
    }

    private static async Task<IResult> ReportAsync(long id, IStateStore store, CancellationToken ct)
    {
        if (await store.GetRunAsync(id, ct).ConfigureAwait(false) is not { } r) return NotFound($"no run {id}");
        // The report holds counts only (no row values); it is served as the run wrote it.
        return r.ReportPath is { } p && File.Exists(p) ? Results.File(p, "application/json") : NotFound($"run {id} has no report");
    }

    private static async Task<IResult> RejectsAsync(long id, IStateStore store, CancellationToken ct)
    {
        if (await store.GetRunAsync(id, ct).ConfigureAwait(false) is not { } r) return NotFound($"no run {id}");
        // The one answer with raw row values: the rows the user fixes.
        return r.RejectsPath is { } p && File.Exists(p)
            ? Results.File(p, "text/csv; charset=utf-8", $"{r.Job}-run-{r.Id}-rejects.csv")
            : NotFound($"run {id} has no rejects file");
    }

    private static async Task<IResult> ConnectionTestAsync(HttpRequest request, IConsoleRuntime rt, CancellationToken ct)
    {
        ConnectionTestRequest? body;
        try { body = await JsonSerializer.DeserializeAsync<ConnectionTestRequest>(request.Body, ApiJson.Options, ct).ConfigureAwait(false); }
        catch (JsonException) { body = null; }
        if (body is null) return Problem("the body is {endpoint, pixel_id, token_env | token_file}.", StatusCodes.Status400BadRequest);
        return Json(await rt.TestConnectionAsync(body, ct).ConfigureAwait(false));
    }

    private static async Task<IResult> PreviewAsync(HttpRequest request, IConsoleRuntime rt, CancellationToken ct)
    {
        JsonElement keys;
        try { keys = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body, ApiJson.Options, ct).ConfigureAwait(false); }
        catch (JsonException) { return Problem("the body is not a JSON object of job keys.", StatusCodes.Status400BadRequest); }
        if (keys.ValueKind != JsonValueKind.Object) return Problem("the body is not a JSON object of job keys.", StatusCodes.Status400BadRequest);
        var r = await rt.PreviewAsync(keys, PreviewRows, ct).ConfigureAwait(false);
        return Json(r, r.Errors.Count > 0 ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status200OK);
    }
}
