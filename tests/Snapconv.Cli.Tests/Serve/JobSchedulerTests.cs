using Microsoft.Extensions.Time.Testing;
using Snapconv.Jobs;
using Snapconv.Cli.Serve;

namespace Snapconv.Cli.Tests.Serve;

/// <summary>
/// The Quartz scheduler on one node (RAM store), driven by a fake clock. Rewritten for #19 from the tests of the
/// hand-written cron loop it replaced: the same three rules (fires in the job's time zone, never overlaps and catches up
/// once, catches up once after downtime), now asked of <see cref="JobScheduler.StartAsync"/> instead of a per-job loop.
/// </summary>
public class JobSchedulerTests
{
    private static JobDefinition Job(string cron, string name = "s") =>
        JobFileLoader.Parse($"jobs:\n  - {{name: {name}, pixel_id: p, schedule: \"{cron}\", timezone: Europe/London, source: {{type: local, path: x}}}}\n", "j.yaml", "/tmp").Jobs[0];

    private static async Task Until(Func<bool> condition)
    {
        // Bounded: 10 s of real time for Quartz's thread to notice the advanced clock.
        for (var i = 0; i < 1000 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }

    private static Task<JobRunResult> Done(JobDefinition j, FakeTimeProvider clock) => Task.FromResult(new JobRunResult { Job = j.Name, StartedAt = clock.GetUtcNow() });

    [Fact]
    public async Task Scheduler_FiresOnEachCronTick_InTheJobsTimeZone()
    {
        // 2024-07-01 08:59:30 UTC = 09:59:30 in London (BST): "0 10 * * *" fires 30 s later.
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 7, 1, 8, 59, 30, TimeSpan.Zero));
        var fired = new List<DateTimeOffset>();
        await using var scheduler = await JobScheduler.StartAsync([Job("0 10 * * *")], (j, ct) =>
        {
            lock (fired) fired.Add(clock.GetUtcNow());
            return Done(j, clock);
        }, new SchedulerOptions(), clock);
        clock.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(200);
        Assert.Empty(fired);
        clock.Advance(TimeSpan.FromSeconds(1));
        await Until(() => fired.Count == 1);
        Assert.Equal(new DateTimeOffset(2024, 7, 1, 9, 0, 0, TimeSpan.Zero), fired[0]);
        await Task.Delay(100);
        clock.Advance(TimeSpan.FromDays(1));
        await Until(() => fired.Count == 2);
        Assert.Equal(new DateTimeOffset(2024, 7, 2, 9, 0, 0, TimeSpan.Zero), fired[1]);
    }

    [Fact]
    public async Task Scheduler_JobAddedChangedAndRemovedWhileRunning_FiresByItsCurrentSchedule()
    {
        // #18: a console job saved while serve runs gets a trigger, an edit replaces it, a delete removes it.
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 1, 1, 0, 0, 30, TimeSpan.Zero));
        var fired = new List<(string Name, DateTimeOffset At)>();
        await using var scheduler = await JobScheduler.StartAsync([], (j, ct) =>
        {
            lock (fired) fired.Add((j.Name, clock.GetUtcNow()));
            return Done(j, clock);
        }, new SchedulerOptions(), clock);
        await scheduler.AddOrReplaceAsync(Job("* * * * *", "console"));
        clock.Advance(TimeSpan.FromSeconds(30));
        await Until(() => fired.Count == 1);
        Assert.Equal(("console", new DateTimeOffset(2024, 1, 1, 0, 1, 0, TimeSpan.Zero)), fired[0]);

        await scheduler.AddOrReplaceAsync(Job("0 */2 * * *", "console")); // every two hours from now on
        clock.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(300);
        Assert.Single(fired);
        clock.Advance(TimeSpan.FromHours(2));
        await Until(() => fired.Count == 2);

        await scheduler.RemoveAsync("console");
        clock.Advance(TimeSpan.FromHours(4));
        await Task.Delay(300);
        Assert.Equal(2, fired.Count);
    }

    [Fact]
    public async Task Scheduler_LongRun_NeverOverlaps_AndCatchesUpOnce()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var running = 0;
        var maxParallel = 0;
        var runs = 0;
        var release = new SemaphoreSlim(0);
        await using var scheduler = await JobScheduler.StartAsync([Job("* * * * *")], async (j, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            maxParallel = Math.Max(maxParallel, now);
            if (Interlocked.Increment(ref runs) == 1) await release.WaitAsync(ct); // the first run lasts 10 "minutes"
            Interlocked.Decrement(ref running);
            return new JobRunResult { Job = j.Name, StartedAt = clock.GetUtcNow() };
        }, new SchedulerOptions(), clock);
        await Task.Delay(100);
        clock.Advance(TimeSpan.FromMinutes(1));
        await Until(() => runs == 1);
        clock.Advance(TimeSpan.FromMinutes(10)); // 10 ticks missed during the run
        await Task.Delay(200);
        Assert.Equal(1, runs);
        release.Release();
        await Until(() => runs == 2); // one catch-up (a misfire fired once now), not ten
        await Task.Delay(300);
        Assert.Equal(2, runs);
        clock.Advance(TimeSpan.FromMinutes(1));
        await Until(() => runs == 3);
        Assert.Equal(1, maxParallel);
    }

    [Fact]
    public async Task Scheduler_AfterDowntime_CatchesUpOnceAtStart()
    {
        using var dir = new TempDir();
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 1, 1, 12, 0, 30, TimeSpan.Zero));
        var store = new ScheduleStore(_ => dir.Path);
        store.SetLastFire("s", clock.GetUtcNow() - TimeSpan.FromHours(5)); // down for five hourly ticks
        var runs = 0;
        await using var scheduler = await JobScheduler.StartAsync([Job("0 * * * *")], (j, ct) =>
        {
            Interlocked.Increment(ref runs);
            return Done(j, clock);
        }, new SchedulerOptions(), clock, store);
        await Until(() => runs == 1);
        await Task.Delay(300);
        Assert.Equal(1, runs);
        // The catch-up is recorded, so the next start does not run it again; the next tick (13:00) does.
        Assert.True(store.GetLastFire("s") > clock.GetUtcNow() - TimeSpan.FromHours(1));
        clock.Advance(TimeSpan.FromMinutes(60));
        await Until(() => runs == 2);
    }

    [Fact]
    public async Task Scheduler_NoLastFire_DoesNotRunAtStart()
    {
        using var dir = new TempDir();
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 1, 1, 12, 0, 30, TimeSpan.Zero));
        var runs = 0;
        await using var scheduler = await JobScheduler.StartAsync([Job("0 * * * *")], (j, ct) =>
        {
            Interlocked.Increment(ref runs);
            return Done(j, clock);
        }, new SchedulerOptions(), clock, new ScheduleStore(_ => dir.Path));
        await Task.Delay(500);
        Assert.Equal(0, runs);
    }

    [Fact]
    public async Task Scheduler_TwoJobs_RunAtOnce_EachOnItsOwnSchedule()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var gate = new TaskCompletionSource();
        var started = new List<string>();
        await using var scheduler = await JobScheduler.StartAsync([Job("*/10 * * * * *", "a"), Job("*/20 * * * * *", "b")], async (j, ct) =>
        {
            lock (started) started.Add(j.Name);
            await gate.Task.WaitAsync(ct);
            return new JobRunResult { Job = j.Name, StartedAt = clock.GetUtcNow() };
        }, new SchedulerOptions(), clock);
        await Task.Delay(100);
        clock.Advance(TimeSpan.FromSeconds(20));
        await Until(() => { lock (started) return started.Count == 2; });
        Assert.Equal(2, scheduler.Active);
        gate.SetResult();
        await Until(() => scheduler.Active == 0);
    }
    private static JobDefinition Unscheduled(string name) =>
        JobFileLoader.Parse($"jobs:\n  - {{name: {name}, pixel_id: p, source: {{type: local, path: x}}}}\n", "j.yaml", "/tmp").Jobs[0];

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        // Bounded: 10 s of real time.
        for (var i = 0; i < 1000 && !await condition(); i++) await Task.Delay(10);
        Assert.True(await condition());
    }

    [Fact]
    public async Task Scheduler_RunNow_FiresThroughQuartzWithItsRunId_RefusedWhileRunningOrUnknown()
    {
        // #19: run now is a Quartz fire (TriggerJob), so DisallowConcurrentExecution covers it as it covers schedules.
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 7, 1, 8, 0, 0, TimeSpan.Zero));
        var fires = new List<JobFire>();
        var release = new SemaphoreSlim(0);
        await using var scheduler = await JobScheduler.StartAsync([Job("0 10 * * *")], async (j, fire, ct) =>
        {
            lock (fires) fires.Add(fire);
            await release.WaitAsync(ct);
            return new JobRunResult { Job = j.Name, StartedAt = clock.GetUtcNow() };
        }, new SchedulerOptions(), clock, null, null, null);

        Assert.Equal(RunNowOutcome.Started, await scheduler.RunNowAsync("s", 42));
        await Until(() => { lock (fires) return fires.Count == 1; });
        Assert.Equal(new JobFire(Snapconv.State.RunTriggers.RunNow, 42, false), fires[0]);
        Assert.True(scheduler.IsActive("s"));
        Assert.Equal(RunNowOutcome.AlreadyRunning, await scheduler.RunNowAsync("s", 43));
        Assert.Equal(RunNowOutcome.Unknown, await scheduler.RunNowAsync("nope", 44));

        release.Release();
        await Until(() => scheduler.Active == 0);
        await UntilAsync(async () => !await scheduler.IsBusyAsync("s"));
        Assert.Equal(RunNowOutcome.Started, await scheduler.RunNowAsync("s"));
        await Until(() => { lock (fires) return fires.Count == 2; });
        Assert.Equal(new JobFire(Snapconv.State.RunTriggers.RunNow, null, false), fires[1]);
        release.Release();
        await Until(() => scheduler.Active == 0);
        await Task.Delay(200);
        Assert.Equal(2, fires.Count);
    }

    [Fact]
    public async Task Scheduler_ScheduledFireDuringRunNow_WaitsForItThenRunsOnce()
    {
        // #19: a schedule's fire that comes while a run now goes waits for it (never beside it), then runs once.
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 1, 1, 0, 0, 30, TimeSpan.Zero));
        var fires = new List<JobFire>();
        var running = 0;
        var maxParallel = 0;
        var release = new SemaphoreSlim(0);
        await using var scheduler = await JobScheduler.StartAsync([Job("* * * * *")], async (j, fire, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            maxParallel = Math.Max(maxParallel, now);
            lock (fires) fires.Add(fire);
            if (fire.Trigger == Snapconv.State.RunTriggers.RunNow) await release.WaitAsync(ct);
            Interlocked.Decrement(ref running);
            return new JobRunResult { Job = j.Name, StartedAt = clock.GetUtcNow() };
        }, new SchedulerOptions(), clock, null, null, null);

        Assert.Equal(RunNowOutcome.Started, await scheduler.RunNowAsync("s", 7));
        await Until(() => { lock (fires) return fires.Count == 1; });
        clock.Advance(TimeSpan.FromMinutes(3)); // three ticks due while the run now goes
        await Task.Delay(300);
        Assert.Single(fires);
        release.Release();
        await Until(() => { lock (fires) return fires.Count == 2; });
        await Task.Delay(300);
        Assert.Equal(2, fires.Count);
        Assert.Equal(Snapconv.State.RunTriggers.Schedule, fires[1].Trigger);
        Assert.Equal(1, maxParallel);
    }

    [Fact]
    public async Task Scheduler_JobWithoutSchedule_RunsOnlyByRunNow()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var runs = 0;
        await using var scheduler = await JobScheduler.StartAsync([Unscheduled("manual")], (j, ct) =>
        {
            Interlocked.Increment(ref runs);
            return Done(j, clock);
        }, new SchedulerOptions(), clock);
        clock.Advance(TimeSpan.FromDays(2));
        await Task.Delay(200);
        Assert.Equal(0, runs);

        Assert.Equal(RunNowOutcome.Started, await scheduler.RunNowAsync("manual"));

        await Until(() => runs == 1);
    }
}
