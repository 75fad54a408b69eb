using System.Collections.Concurrent;
using System.Text.Json;
using Snapconv.State;

namespace Snapconv.Console.Tests.Browser;

/// <summary>
/// A stand-in for serve's runtime in the page tests: jobs in memory, run now recorded in the store (the test finishes the
/// run), a connection test that passes for one token variable, a fixed preview. Its checks are the page tests' own, not
/// the job-file loader's (the end-to-end tests use serve itself).
/// </summary>
internal sealed class FakeRuntime(IStateStore store, TimeProvider clock) : IConsoleRuntime
{
    public const string GoodTokenEnv = "PAGES_TEST_TOKEN";
    private readonly ConcurrentDictionary<string, JobView> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _running = new(StringComparer.Ordinal);

    public TimeProvider Clock => clock;

    public void Add(JobView job) => _jobs[job.Name] = job;

    public IReadOnlyList<JobView> Jobs() => [.. _jobs.Values.OrderBy(j => j.Name, StringComparer.Ordinal)];

    public JobView? Job(string name) => _jobs.GetValueOrDefault(name);

    public IReadOnlyList<FieldError> Validate(JsonElement keys)
    {
        var errors = new List<FieldError>();
        string? S(string k) => keys.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        if (S("name") is null) errors.Add(new("name", "name: required."));
        if (S("pixel_id") is null) errors.Add(new("pixel_id", "pixel_id: required."));
        if (keys.TryGetProperty("source", out var src) && src.TryGetProperty("type", out var t) && t.GetString() == "local" && !src.TryGetProperty("path", out _))
            errors.Add(new("source.path", "source.path: required."));
        return errors;
    }

    public Task<SaveResult> SaveAsync(JsonElement keys, CancellationToken ct)
    {
        var errors = Validate(keys);
        if (errors.Count > 0) return Task.FromResult(new SaveResult(false, false, errors, null));
        var name = keys.GetProperty("name").GetString()!;
        var src = keys.GetProperty("source");
        var job = new JobView
        {
            Name = name, PixelId = keys.GetProperty("pixel_id").GetString()!, SourceType = src.GetProperty("type").GetString()!,
            SourceWhere = src.TryGetProperty("path", out var p) ? p.GetString()! : "", Settings = keys.Clone(), HistoryDays = 90,
            Schedule = keys.TryGetProperty("schedule", out var s) ? s.GetString() : null,
        };
        var created = !_jobs.ContainsKey(name);
        _jobs[name] = job;
        return Task.FromResult(new SaveResult(true, created, [], job));
    }

    public Task<bool> DeleteAsync(string name, CancellationToken ct) => Task.FromResult(_jobs.TryRemove(name, out _));

    public string? ExportYaml(string name) => _jobs.TryGetValue(name, out var j) ? $"jobs:\n  - name: {j.Name}\n" : null;

    public async Task<RunNowResult> RunNowAsync(string name, CancellationToken ct)
    {
        if (!_jobs.ContainsKey(name)) return new(RunNowStatus.NotFound, null);
        if (_running.ContainsKey(name)) return new(RunNowStatus.AlreadyRunning, null);
        var id = await store.StartRunAsync(new RunStart { Job = name, Node = "test-node", StartedAt = clock.GetUtcNow(), Trigger = RunTriggers.RunNow }, ct);
        _running[name] = id;
        return new(RunNowStatus.Started, id);
    }

    /// <summary>Ends the run started by <see cref="RunNowAsync"/>.</summary>
    public async Task FinishAsync(string name, RunFinish finish)
    {
        if (_running.TryRemove(name, out var id)) await store.FinishRunAsync(id, finish);
    }

    public bool IsRunning(string name) => _running.ContainsKey(name);

    public Task<ConnectionTestResult> TestConnectionAsync(ConnectionTestRequest request, CancellationToken ct) =>
        Task.FromResult(request.TokenEnv == GoodTokenEnv
            ? new ConnectionTestResult(true, [new("token", true, "read from " + GoodTokenEnv), new("endpoint", true, "answered 200")], [])
            : new ConnectionTestResult(false, [new("token", false, "the endpoint refused the token (401 Unauthorized)")], []));

    public Task<PreviewResult> PreviewAsync(JsonElement keys, int rows, CancellationToken ct) =>
        Task.FromResult(new PreviewResult(
            [JsonDocument.Parse("""{"event_name":"PURCHASE","event_time":1764950400,"action_source":"OFFLINE","user_data":{"em":["a"],"ph":["b"]},"custom_data":{"value":"12.5","currency":"USD"}}""").RootElement],
            [new PreviewReject(2, "email|phone", "MISSING_USER_DATA", "505", "(the runtime's words)")], []) { Object = "sales.csv", Rows = 2 });
}
