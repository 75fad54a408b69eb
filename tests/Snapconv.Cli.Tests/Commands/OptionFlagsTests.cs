using System.CommandLine;
using Snapconv.Cli.Commands;
using Snapconv.Core.Options;
using Snapconv.Jobs;

namespace Snapconv.Cli.Tests.Commands;

// #17: one Validate per options record, used by job files and flags alike: the same bad value gives the same
// message, under the job file's path there and under the flag here.
public class OptionFlagsTests
{
    private const string Job = "jobs:\n  - {name: a, pixel_id: p, source: {type: local, path: x}, ";

    [Fact]
    public async Task MaxEventAgeDays_OutOfRange_SameMessageAsJobKeyAndAsFlag()
    {
        var e = Assert.Throws<JobFileException>(() => JobFileLoader.Parse(Job + "max_event_age_days: 4000}\n", "j.yaml", "/tmp"));
        Assert.Equal(["jobs[0].max_event_age_days: must be 1–3650 (was 4000)."], e.Errors);

        using var dir = new TempDir();
        File.WriteAllText(dir.File("a.csv"), "email,event_time,event_name\na@b.c,2026-01-01T00:00:00Z,PURCHASE\n");
        var (code, stderr) = await CliChild.RunAsync(["validate", dir.File("a.csv"), "--max-event-age-days", "4000"], TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.Contains("--max-event-age-days: must be 1–3650 (was 4000).", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BatchSize_OutOfRange_SameMessageAsDeliveryKeyAndAsFlag()
    {
        var e = Assert.Throws<JobFileException>(() => JobFileLoader.Parse(Job + "delivery: {batch_size: 5000}}\n", "j.yaml", "/tmp"));
        Assert.Equal(["jobs[0].delivery.batch_size: must be 1–2000 (was 5000)."], e.Errors);

        using var dir = new TempDir();
        File.WriteAllText(dir.File("token"), "t0ken\n");
        File.WriteAllText(dir.File("a.csv"), "email\na@b.c\n");
        var (code, stderr) = await CliChild.RunAsync(
            ["upload", dir.File("a.csv"), "--pixel-id", "p", "--token-file", dir.File("token"), "--state-dir", dir.File("state"), "--batch-size", "5000"],
            TimeSpan.FromSeconds(60));
        Assert.Equal(2, code);
        Assert.Contains("--batch-size: must be 1–2000 (was 5000).", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Source_PortOutOfRange_NamesTheSourcePath()
    {
        var e = Assert.Throws<JobFileException>(() => JobFileLoader.Parse(
            "jobs:\n  - {name: a, pixel_id: p, source: {type: sftp, host: h, port: 70000, username: u, password_env: P, host_key_sha256: any}}\n" +
            "  - {name: b, pixel_id: p, source: {type: ftp, host: h, timeout_secs: 0}, history_days: 0}\n", "j.yaml", "/tmp"));
        Assert.Equal(
        [
            "jobs[0].source.port: must be 1–65535 (was 70000).",
            "jobs[1].history_days: must be 1–3650 (was 0).",
            "jobs[1].source.timeout_secs: must be 1–3600 (was 0).",
        ], e.Errors);
    }

    [Fact]
    public void ConversionFlags_SharedWithJobFiles_AreTheJobKeysByTheNameRule()
    {
        // The flags a job file has too are its keys by OptionNames' rule; these are the commands' own (or, like
        // --mapping ↔ mapping_file and --contacts FILE ↔ contacts: {pattern}, take another form in a job file).
        string[] commandOnly = ["--mapping", "--contacts", "--preset-option", "--email-type", "--report", "--rejects", "--events-out"];
        var command = new Command("x");
        new ConversionOptionSet().AddTo(command);
        var keys = OptionBinder.Keys(typeof(JobSettings));
        var shared = command.Options.Select(o => o.Name).Where(n => !commandOnly.Contains(n)).ToList();
        Assert.Equal(11, shared.Count);
        foreach (var flag in shared) Assert.Contains(flag, keys.Select(OptionNames.Flag));
    }
}
