using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Snapconv.Core.Pipeline;
using Snapconv.State;
using Snapconv.State.Sqlite;

namespace Snapconv.Console.Tests.Browser;

/// <summary>
/// The console's pages on 127.0.0.1:0 with a real SQLite store in a temp folder and <see cref="FakeRuntime"/>: what the
/// page tests need to show any state (30 days of runs, a failed run, a running one) without running jobs.
/// </summary>
internal sealed class PagesHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    public string Url { get; }
    public IStateStore Store { get; }
    public FakeRuntime Runtime { get; }
    public string Dir { get; }

    private PagesHost(WebApplication app, string url, IStateStore store, FakeRuntime runtime, string dir) =>
        (_app, Url, Store, Runtime, Dir) = (app, url, store, runtime, dir);

    public static async Task<PagesHost> StartAsync(string? token = null)
    {
        var dir = Directory.CreateTempSubdirectory("snapconv-pages-").FullName;
        var store = await SqliteStateStore.OpenAsync(Path.Combine(dir, "state"));
        var runtime = new FakeRuntime(store, TimeProvider.System);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSnapconvConsole(new ConsoleOptions { Token = token }, store, runtime);
        var app = builder.Build();
        app.MapSnapconvConsole();
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new PagesHost(app, url, store, runtime, dir);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Store.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>A console job as the runtime would show it.</summary>
    public static JobView Job(string name, string? definedIn = null, string? schedule = "0 * * * *", DateTimeOffset? next = null)
    {
        var settings = JsonSerializer.SerializeToElement(new Dictionary<string, object?>
        {
            ["name"] = name, ["pixel_id"] = "pixel-" + name, ["token_env"] = "SNAP_TOKEN",
            ["source"] = new Dictionary<string, object> { ["type"] = "local", ["path"] = "/data/" + name, ["pattern"] = "*.csv" },
            ["schedule"] = schedule, ["default_country"] = "US",
        });
        return new JobView
        {
            Name = name, PixelId = "pixel-" + name, SourceType = "local", SourceWhere = $"/data/{name} (*.csv)", Schedule = schedule,
            NextFireAt = next, DefinedIn = definedIn, Settings = settings, HistoryDays = 90,
        };
    }

    /// <summary>Records a finished run with a report (written by Core's <see cref="RunReport"/>) and a rejects file; returns its id.</summary>
    public async Task<long> AddRunAsync(string job, DateTimeOffset started, long accepted, IReadOnlyDictionary<string, long>? rejected = null,
        string outcome = "completed", int exitCode = 0, string? message = null)
    {
        var id = await Store.StartRunAsync(new RunStart { Job = job, Node = "node-a", StartedAt = started });
        var rejects = rejected?.Values.Sum() ?? 0;
        var report = new RunReport { StartedAt = started, Rows = accepted + rejects + 2, Accepted = accepted, Rejected = rejects, Duplicates = 2, DurationSeconds = 3.2 };
        foreach (var (k, v) in rejected ?? new Dictionary<string, long>()) report.RejectedByReason[k] = v;
        report.WarningsByReason["INVALID_PHONE"] = 2;
        report.CoverageCounts[0] = accepted;                  // em
        report.CoverageCounts[1] = accepted * 6 / 10;         // ph
        report.CoverageCounts[9] = accepted;                  // country
        report.InputFiles.Add(new FileReport($"/data/{job}/sales-{started:yyyyMMdd}.csv")
        {
            Rows = report.Rows, Accepted = accepted, Rejected = rejects, Duplicates = 2, Encoding = "utf-8",
            MappedColumns = ["Email → em", "Phone → ph", "Total → value"], UnmappedColumns = ["Notes"],
        });
        report.Extra["sent"] = accepted;
        report.Extra["acknowledged"] = accepted;
        report.Extra["requests"] = 1;
        var runDir = Directory.CreateDirectory(Path.Combine(Dir, "runs", id.ToString())).FullName;
        var reportPath = Path.Combine(runDir, "report.json");
        report.WriteJson(reportPath);
        string? rejectsPath = null;
        if (rejects > 0)
        {
            rejectsPath = Path.Combine(runDir, "rejects.csv");
            await File.WriteAllTextAsync(rejectsPath, "Email,Phone,Total,row,file,reason,field,code,message\n,,10.00,3,sales.csv,MISSING_USER_DATA,Email|Phone,505,no user id\n");
        }
        await Store.AppendLogAsync(id, [new RunLogEntry(started, "info", "read", "read 1 object"), new RunLogEntry(started.AddSeconds(2), "warn", "deliver", "2 phones were not possible numbers")]);
        await Store.FinishRunAsync(id, new RunFinish
        {
            FinishedAt = started.AddSeconds(3), Outcome = outcome, ExitCode = exitCode, Message = message,
            Counts = new RunCounts(report.Rows, accepted, rejects, 2, 0, accepted, exitCode == 0 ? accepted : 0),
            ReportPath = reportPath, RejectsPath = rejectsPath,
        });
        return id;
    }
}
