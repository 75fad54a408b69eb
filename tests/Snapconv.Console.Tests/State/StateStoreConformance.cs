using Snapconv.State;

namespace Snapconv.Console.Tests.State;

/// <summary>
/// What every <see cref="IStateStore"/> must do (#18, #19). A store's test class derives from this one and says how to
/// open an empty store: <c>public sealed class PostgresStateStoreTests : StateStoreConformance { protected override … }</c>.
/// Each test opens its own empty store.
/// </summary>
public abstract class StateStoreConformance
{
    /// <summary>A new, empty store (each call: a fresh one). Disposed by the test.</summary>
    protected abstract Task<IStateStore> OpenEmptyAsync();

    /// <summary>A fixed instant with whole microseconds (every store keeps microseconds).</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 11, 3, 10, 15, 30, 123, TimeSpan.Zero);

    private static RunStart Start(string job, DateTimeOffset at, string node = "node-a", string trigger = RunTriggers.Schedule) =>
        new() { Job = job, Node = node, StartedAt = at, Trigger = trigger };

    private static RunFinish Finish(DateTimeOffset at, long accepted = 0, long rejected = 0, long acknowledged = 0, string outcome = "delivered", int exit = 0) => new()
    {
        FinishedAt = at,
        Outcome = outcome,
        ExitCode = exit,
        Counts = new RunCounts(accepted + rejected, accepted, rejected, 1, 2, accepted, acknowledged),
        ReportPath = "/state/runs/j/report.json",
        RejectsPath = rejected > 0 ? "/state/runs/j/rejects.csv" : null,
        Message = "ok",
    };

    [Fact]
    public async Task Jobs_UpsertThenGet_RoundTripsEveryField()
    {
        await using var store = await OpenEmptyAsync();
        var job = new ConsoleJobRecord { Name = "pos-daily", Definition = """{"name":"pos-daily","pixel_id":"px"}""", CreatedAt = T0, UpdatedAt = T0.AddMinutes(1) };

        Assert.True(await store.UpsertJobAsync(job));

        Assert.Equal(job, await store.GetJobAsync("pos-daily"));
        Assert.Null(await store.GetJobAsync("other"));
    }

    [Fact]
    public async Task Jobs_UpsertExisting_ReplacesDefinitionKeepsCreatedAt()
    {
        await using var store = await OpenEmptyAsync();
        await store.UpsertJobAsync(new ConsoleJobRecord { Name = "a", Definition = "{\"v\":1}", CreatedAt = T0, UpdatedAt = T0 });

        var created = await store.UpsertJobAsync(new ConsoleJobRecord { Name = "a", Definition = "{\"v\":2}", CreatedAt = T0.AddDays(5), UpdatedAt = T0.AddDays(5) });

        Assert.False(created);
        var got = await store.GetJobAsync("a");
        Assert.Equal("{\"v\":2}", got!.Definition);
        Assert.Equal(T0, got.CreatedAt);
        Assert.Equal(T0.AddDays(5), got.UpdatedAt);
    }

    [Fact]
    public async Task Jobs_List_OrderedByNameOrdinal()
    {
        await using var store = await OpenEmptyAsync();
        foreach (var n in new[] { "b", "a-2", "a", "B" })
            await store.UpsertJobAsync(new ConsoleJobRecord { Name = n, Definition = "{}", CreatedAt = T0, UpdatedAt = T0 });

        var names = (await store.ListJobsAsync()).Select(j => j.Name).ToList();

        Assert.Equal(["B", "a", "a-2", "b"], names);
    }

    [Fact]
    public async Task Jobs_Delete_RemovesJobKeepsItsRuns()
    {
        await using var store = await OpenEmptyAsync();
        await store.UpsertJobAsync(new ConsoleJobRecord { Name = "a", Definition = "{}", CreatedAt = T0, UpdatedAt = T0 });
        var id = await store.StartRunAsync(Start("a", T0));

        Assert.True(await store.DeleteJobAsync("a"));
        Assert.False(await store.DeleteJobAsync("a"));

        Assert.Null(await store.GetJobAsync("a"));
        Assert.Empty(await store.ListJobsAsync());
        Assert.NotNull(await store.GetRunAsync(id));
    }

    [Fact]
    public async Task Runs_StartThenFinish_RecordsEveryField()
    {
        await using var store = await OpenEmptyAsync();
        var id = await store.StartRunAsync(Start("a", T0, node: "host-1:42", trigger: RunTriggers.RunNow));

        var open = await store.GetRunAsync(id);
        Assert.NotNull(open);
        Assert.True(open.IsRunning);
        Assert.Null(open.Outcome);
        Assert.Null(open.ExitCode);
        Assert.Equal(("a", "host-1:42", RunTriggers.RunNow, T0), (open.Job, open.Node, open.Trigger, open.StartedAt));

        Assert.True(await store.FinishRunAsync(id, Finish(T0.AddSeconds(90), accepted: 10, rejected: 3, acknowledged: 9, outcome: "pending_left", exit: 4)));

        var done = await store.GetRunAsync(id);
        Assert.NotNull(done);
        Assert.False(done.IsRunning);
        Assert.Equal(T0.AddSeconds(90), done.FinishedAt);
        Assert.Equal("pending_left", done.Outcome);
        Assert.Equal(4, done.ExitCode);
        Assert.Equal(new RunCounts(13, 10, 3, 1, 2, 10, 9), done.Counts);
        Assert.Equal("/state/runs/j/report.json", done.ReportPath);
        Assert.Equal("/state/runs/j/rejects.csv", done.RejectsPath);
        Assert.Equal("ok", done.Message);
    }

    [Fact]
    public async Task Runs_Ids_PositiveAndIncreasing()
    {
        await using var store = await OpenEmptyAsync();
        var ids = new List<long>();
        for (var i = 0; i < 5; i++) ids.Add(await store.StartRunAsync(Start(i % 2 == 0 ? "a" : "b", T0)));

        Assert.All(ids, id => Assert.True(id > 0));
        Assert.Equal(ids.Order().ToList(), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task Runs_FinishTwiceOrUnknown_ReturnsFalseAndKeepsFirst()
    {
        await using var store = await OpenEmptyAsync();
        var id = await store.StartRunAsync(Start("a", T0));
        Assert.True(await store.FinishRunAsync(id, Finish(T0.AddSeconds(1), accepted: 5)));

        Assert.False(await store.FinishRunAsync(id, Finish(T0.AddSeconds(2), accepted: 7)));
        Assert.False(await store.FinishRunAsync(id + 1000, Finish(T0.AddSeconds(2))));

        Assert.Equal(5, (await store.GetRunAsync(id))!.Counts.Accepted);
        Assert.Null(await store.GetRunAsync(id + 1000));
    }

    [Fact]
    public async Task Runs_ListOfJob_NewestFirstOnlyThatJobLimited()
    {
        await using var store = await OpenEmptyAsync();
        var a = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            a.Add(await store.StartRunAsync(Start("a", T0.AddMinutes(i))));
            await store.StartRunAsync(Start("b", T0.AddMinutes(i)));
        }

        var page = await store.ListRunsAsync("a", 4);

        Assert.Equal(a.AsEnumerable().Reverse().Take(4).ToList(), page.Select(r => r.Id).ToList());
        Assert.All(page, r => Assert.Equal("a", r.Job));
    }

    [Fact]
    public async Task Runs_ListOrder_StartTimeWinsOverIdThenIdBreaksTies()
    {
        await using var store = await OpenEmptyAsync();
        var late = await store.StartRunAsync(Start("a", T0.AddHours(1)));
        var early = await store.StartRunAsync(Start("a", T0));
        var tieLow = await store.StartRunAsync(Start("a", T0.AddMinutes(30)));
        var tieHigh = await store.StartRunAsync(Start("a", T0.AddMinutes(30)));

        var ids = (await store.ListRunsAsync("a", 10)).Select(r => r.Id).ToList();

        Assert.Equal([late, tieHigh, tieLow, early], ids);
    }

    [Fact]
    public async Task Runs_PagedWithBefore_WalksEveryRunOnceNewestFirst()
    {
        await using var store = await OpenEmptyAsync();
        var all = new List<long>();
        for (var i = 0; i < 23; i++) all.Add(await store.StartRunAsync(Start("a", T0.AddMinutes(i / 2)))); // pairs share a start time

        var seen = new List<long>();
        long? before = null;
        for (var pages = 0; pages < 10; pages++)
        {
            var page = await store.ListRunsAsync("a", 5, before);
            if (page.Count == 0) break;
            seen.AddRange(page.Select(r => r.Id));
            before = page[^1].Id;
        }

        Assert.Equal(all.AsEnumerable().Reverse().ToList(), seen);
    }

    [Fact]
    public async Task Runs_Open_ListedUntilFinished()
    {
        await using var store = await OpenEmptyAsync();
        var x = await store.StartRunAsync(Start("a", T0));
        var y = await store.StartRunAsync(Start("b", T0.AddMinutes(1), node: "node-b"));
        await store.FinishRunAsync(x, Finish(T0.AddMinutes(2)));

        var open = await store.ListOpenRunsAsync();

        Assert.Equal([y], open.Select(r => r.Id).ToList());
    }

    [Fact]
    public async Task Runs_ClaimOpen_MovesNodeAndStart_FinishedOrUnknownRefused()
    {
        // #19: a run now recorded on one node, started by another.
        await using var store = await OpenEmptyAsync();
        var asked = await store.StartRunAsync(Start("a", T0, node: "n1", trigger: RunTriggers.RunNow));
        var done = await store.StartRunAsync(Start("b", T0, node: "n1"));
        await store.FinishRunAsync(done, Finish(T0.AddMinutes(1)));

        Assert.True(await store.ClaimRunAsync(asked, "n2", T0.AddSeconds(3)));
        Assert.False(await store.ClaimRunAsync(done, "n2", T0.AddSeconds(3)));
        Assert.False(await store.ClaimRunAsync(asked + done + 100, "n2", T0));

        var r = await store.GetRunAsync(asked);
        Assert.Equal(("n2", T0.AddSeconds(3), RunTriggers.RunNow, true), (r!.Node, r.StartedAt, r.Trigger, r.IsRunning));
        var d = await store.GetRunAsync(done);
        Assert.Equal(("n1", T0), (d!.Node, d.StartedAt));
        // The claimed run is the new node's: closing the asking node's open runs leaves it alone.
        Assert.Equal(0, await store.CloseOpenRunsAsync("n1", T0.AddHours(1)));
    }

    [Fact]
    public async Task Runs_CloseOpenOfNode_ClosesOnlyThatNodesOpenRunsAsInterrupted()
    {
        await using var store = await OpenEmptyAsync();
        var mineOpen = await store.StartRunAsync(Start("a", T0, node: "me"));
        var mineDone = await store.StartRunAsync(Start("b", T0, node: "me"));
        await store.FinishRunAsync(mineDone, Finish(T0.AddMinutes(1)));
        var otherOpen = await store.StartRunAsync(Start("c", T0, node: "other"));

        var closed = await store.CloseOpenRunsAsync("me", T0.AddHours(1));

        Assert.Equal(1, closed);
        var r = await store.GetRunAsync(mineOpen);
        Assert.Equal(RunOutcomes.Interrupted, r!.Outcome);
        Assert.Equal(T0.AddHours(1), r.FinishedAt);
        Assert.NotNull(r.ExitCode);
        Assert.Equal("delivered", (await store.GetRunAsync(mineDone))!.Outcome);
        Assert.True((await store.GetRunAsync(otherOpen))!.IsRunning);
    }

    [Fact]
    public async Task Summaries_LastRunPerJobAndAcknowledgedSince()
    {
        await using var store = await OpenEmptyAsync();
        var old = await store.StartRunAsync(Start("a", T0.AddDays(-10)));
        await store.FinishRunAsync(old, Finish(T0.AddDays(-10), acknowledged: 1000));
        var recent = await store.StartRunAsync(Start("a", T0.AddDays(-2)));
        await store.FinishRunAsync(recent, Finish(T0.AddDays(-2), acknowledged: 40));
        var newest = await store.StartRunAsync(Start("a", T0));
        await store.FinishRunAsync(newest, Finish(T0.AddMinutes(1), acknowledged: 2, outcome: "failed", exit: 1));
        var bOnly = await store.StartRunAsync(Start("b", T0.AddDays(-20)));

        var s = await store.SummarizeJobsAsync(T0.AddDays(-7));

        Assert.Equal(2, s.Count);
        Assert.Equal(newest, s["a"].LastRun.Id);
        Assert.Equal("failed", s["a"].LastRun.Outcome);
        Assert.Equal(42, s["a"].AcknowledgedSince);
        Assert.Equal(bOnly, s["b"].LastRun.Id);
        Assert.True(s["b"].LastRun.IsRunning);
        Assert.Equal(0, s["b"].AcknowledgedSince);
    }

    [Fact]
    public async Task Summaries_EmptyStore_Empty()
    {
        await using var store = await OpenEmptyAsync();

        Assert.Empty(await store.SummarizeJobsAsync(T0));
    }

    [Fact]
    public async Task Daily_SumsPerUtcDayOfStartWithinWindow()
    {
        await using var store = await OpenEmptyAsync();
        var day = new DateTimeOffset(2026, 11, 3, 0, 0, 0, TimeSpan.Zero);
        async Task Run(string job, DateTimeOffset at, long acc, long rej)
        {
            var id = await store.StartRunAsync(Start(job, at));
            await store.FinishRunAsync(id, Finish(at.AddMinutes(5), accepted: acc, rejected: rej));
        }
        await Run("a", day.AddHours(1), 10, 1);
        await Run("a", day.AddHours(23).AddMinutes(59), 5, 2);  // same UTC day
        await Run("a", day.AddDays(1), 7, 0);                    // next day, at midnight
        await Run("a", day.AddDays(-1), 100, 100);               // before the window
        await Run("a", day.AddDays(3), 100, 100);                // at the window's end (excluded)
        await Run("b", day.AddHours(2), 100, 100);               // another job

        var days = await store.DailyCountsAsync("a", day, day.AddDays(3));

        Assert.Equal([new DailyCounts(new DateOnly(2026, 11, 3), 15, 3), new DailyCounts(new DateOnly(2026, 11, 4), 7, 0)], days);
    }

    [Fact]
    public async Task Log_AppendInBatches_ReadInOrderWithSeqFromOne()
    {
        await using var store = await OpenEmptyAsync();
        var id = await store.StartRunAsync(Start("a", T0));
        var other = await store.StartRunAsync(Start("b", T0));
        await store.AppendLogAsync(id, [new(T0, "INFO", "list", "3 objects"), new(T0.AddSeconds(1), "WARN", "read", "row 7: no email")]);
        await store.AppendLogAsync(other, [new(T0, "INFO", "list", "other run")]);
        await store.AppendLogAsync(id, [new(T0.AddSeconds(2), "INFO", "deliver", "10 sent")]);
        await store.AppendLogAsync(id, []);

        var lines = await store.ReadLogAsync(id);

        Assert.Equal([1L, 2, 3], lines.Select(l => l.Seq).ToList());
        Assert.Equal(["3 objects", "row 7: no email", "10 sent"], lines.Select(l => l.Message).ToList());
        Assert.Equal(new RunLogLine(id, 2, T0.AddSeconds(1), "WARN", "read", "row 7: no email"), lines[1]);
        Assert.Equal([1L], (await store.ReadLogAsync(other)).Select(l => l.Seq).ToList());
    }

    [Fact]
    public async Task Log_ReadAfterSeqWithLimit_ReturnsTheNextLines()
    {
        await using var store = await OpenEmptyAsync();
        var id = await store.StartRunAsync(Start("a", T0));
        await store.AppendLogAsync(id, Enumerable.Range(1, 10).Select(i => new RunLogEntry(T0.AddSeconds(i), "INFO", "s", $"line {i}")).ToList());

        var page = await store.ReadLogAsync(id, afterSeq: 4, limit: 3);

        Assert.Equal(["line 5", "line 6", "line 7"], page.Select(l => l.Message).ToList());
    }

    [Fact]
    public async Task Purge_DeletesFinishedRunsOlderThanTheirJobsDaysWithTheirLog()
    {
        await using var store = await OpenEmptyAsync();
        var now = T0;
        async Task<long> Run(string job, int daysAgo, bool finish = true)
        {
            var id = await store.StartRunAsync(Start(job, now.AddDays(-daysAgo)));
            await store.AppendLogAsync(id, [new(now.AddDays(-daysAgo), "INFO", "s", "x")]);
            if (finish) await store.FinishRunAsync(id, Finish(now.AddDays(-daysAgo).AddMinutes(1)));
            return id;
        }
        var aOld = await Run("a", 91);
        var aKept = await Run("a", 89);
        var aOpenOld = await Run("a", 200, finish: false);
        var shortOld = await Run("short", 8);
        var shortKept = await Run("short", 6);
        var longKept = await Run("long", 300);

        var deleted = await store.PurgeAsync(new RetentionPolicy
        {
            DefaultDays = 90,
            JobDays = new Dictionary<string, int> { ["short"] = 7, ["long"] = 365 },
        }, now);

        Assert.Equal(2, deleted);
        Assert.Null(await store.GetRunAsync(aOld));
        Assert.Null(await store.GetRunAsync(shortOld));
        Assert.Empty(await store.ReadLogAsync(aOld));
        foreach (var kept in new[] { aKept, aOpenOld, shortKept, longKept })
        {
            Assert.NotNull(await store.GetRunAsync(kept));
            Assert.Single(await store.ReadLogAsync(kept));
        }
    }

    [Fact]
    public async Task Times_KeptToTheMicrosecondInUtc()
    {
        await using var store = await OpenEmptyAsync();
        var local = new DateTimeOffset(2026, 11, 3, 12, 0, 0, TimeSpan.FromHours(2)).AddTicks(1_234_560); // .123456 s
        var id = await store.StartRunAsync(Start("a", local));

        var r = await store.GetRunAsync(id);

        Assert.Equal(local.UtcDateTime, r!.StartedAt.UtcDateTime);
        Assert.Equal(TimeSpan.Zero, r.StartedAt.Offset);
    }

    [Fact]
    public async Task Concurrent_StartsAndLogsFromManyTasks_AllRecorded()
    {
        await using var store = await OpenEmptyAsync();

        var ids = await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
        {
            var id = await store.StartRunAsync(Start("j" + (i % 4), T0.AddSeconds(i)));
            await store.AppendLogAsync(id, [new(T0, "INFO", "s", "a"), new(T0, "INFO", "s", "b")]);
            await store.FinishRunAsync(id, Finish(T0.AddSeconds(i + 1), accepted: 1));
            return id;
        }));

        Assert.Equal(16, ids.Distinct().Count());
        foreach (var id in ids) Assert.Equal(2, (await store.ReadLogAsync(id)).Count);
        var s = await store.SummarizeJobsAsync(T0.AddDays(-1));
        Assert.Equal(4, s.Count);
    }
}
