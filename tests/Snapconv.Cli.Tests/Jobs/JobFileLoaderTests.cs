using Snapconv.Jobs;
using Snapconv.Core.Mapping;
using Snapconv.Sources;

namespace Snapconv.Cli.Tests.Jobs;

public class JobFileLoaderTests
{
    private static JobFile Parse(string yaml, string dir = "/base") => JobFileLoader.Parse(yaml, "jobs.yaml", dir);

    public static TheoryData<string> SampleJobFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(RepoPaths.Sample("jobs"), "*.yaml").Order(StringComparer.Ordinal)) data.Add(Path.GetFileName(f));
        return data;
    }

    [Theory]
    [MemberData(nameof(SampleJobFiles))]
    public void Samples_EveryJobFile_LoadsWithoutErrors(string file)
    {
        var jobs = JobFileLoader.Load(RepoPaths.Sample(Path.Combine("jobs", file)));
        Assert.NotEmpty(jobs.Jobs);
    }

    [Fact]
    public void Samples_CoverEverySourceKind()
    {
        var kinds = Directory.GetFiles(RepoPaths.Sample("jobs"), "*.yaml")
            .SelectMany(f => JobFileLoader.Load(f).Jobs).Select(j => j.Source.Kind).ToHashSet();
        Assert.Equal(["ftp", "http", "local", "s3", "sftp", "sql"], kinds.Order());
    }

    [Fact]
    public void Parse_Defaults_MergeIntoEveryJob_JobKeysWin_DeliveryMergesPerKey()
    {
        var file = Parse("""
            defaults:
              endpoint: http://127.0.0.1:8787
              token_env: MY_TOKEN
              state_dir: state
              delivery: {batch_size: 100, qps: 5}
            jobs:
              - name: a
                pixel_id: p1
                delivery: {qps: 7}
                source: {type: local, path: in}
              - name: b
                pixel_id: p2
                token_env: OTHER
                schedule: "*/2 * * * * *"
                timezone: Europe/London
                source: {type: local, path: /abs}
            """);
        var (a, b) = (file.Jobs[0], file.Jobs[1]);
        Assert.Equal(new Uri("http://127.0.0.1:8787"), a.Endpoint);
        Assert.Equal(("MY_TOKEN", "OTHER"), (a.TokenEnv, b.TokenEnv));
        Assert.Equal((100, 7.0), (a.Delivery.BatchSize, a.Delivery.Qps));
        Assert.Equal(Path.GetFullPath("/base/state"), a.StateDir);
        Assert.Equal(Path.GetFullPath("/base/in"), ((LocalSourceOptions)a.Source).Path);
        Assert.Equal("/abs", ((LocalSourceOptions)b.Source).Path);
        Assert.Null(a.Cron);
        Assert.NotNull(b.Cron);
        Assert.Equal("Europe/London", b.TimeZone.Id);
    }

    [Fact]
    public void Parse_MaxDecompressedSize_ReachesTheReaderOptions()
    {
        // #16
        var file = Parse("""
            jobs:
              - name: m
                pixel_id: p
                max_decompressed_size: 100GiB
                source: {type: local, path: x}
            """);

        Assert.Equal(100L << 30, file.Jobs[0].Mapping.ReaderOptions.MaxDecompressedBytes);
    }

    [Fact]
    public void Parse_AliasKeyOrLongValue_IsRefusedNamingTheJobFileAndQuotingAtMost80Characters()
    {
        // #16
        var alias = Assert.Throws<JobFileException>(() => Parse("a: &a {x: y}\njobs:\n  - {? *a : b}\n"));
        var junk = new string('z', 3000);
        var longValue = Assert.Throws<JobFileException>(() => Parse($"jobs:\n  - name: m\n    pixel_id: p\n    max_decompressed_size: {junk}\n    source: {{type: local, path: x}}\n"));

        Assert.StartsWith("jobs.yaml: ", alias.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be a key", alias.Message, StringComparison.Ordinal);
        Assert.Contains("'" + new string('z', 80) + "…'", longValue.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('z', 81), longValue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InlineMapping_IsTheMappingFileFormat()
    {
        var file = Parse("""
            jobs:
              - name: m
                pixel_id: p
                mapping:
                  columns: {Order ID: order_id, Mail: {field: em, already_hashed: true}}
                  constants: {event_name: PURCHASE}
                source: {type: local, path: x}
            """);
        var spec = file.Jobs[0].Mapping;
        Assert.Equal(2, spec.Columns.Count);
        Assert.True(spec.Columns[1].AlreadyHashed);
        Assert.Equal("PURCHASE", spec.Constants[TargetField.EventName]);
    }

    [Fact]
    public void Parse_Problems_AreAllListedWithTheirPaths()
    {
        var e = Assert.Throws<JobFileException>(() => Parse("""
            jobs:
              - name: Bad Name
                pixel_id: p
                colour: blue
                schedule: "61 * * * *"
                delivery: {batch_size: 5000, speed: 1}
                source: {type: s3, prefix: x/, secret: y}
              - name: ok
                source: {type: sftp, host: h, username: u, password_env: P}
              - name: ok
                pixel_id: p
                source: {type: carrier-pigeon}
            """));
        Assert.Contains("jobs[0].name: must match [a-z0-9_-]+ (was 'Bad Name').", e.Errors);
        Assert.Contains(e.Errors, x => x.StartsWith("jobs[0].colour: unknown key; known keys: name, pixel_id", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.StartsWith("jobs[0].schedule: '61 * * * *' is not a valid cron expression", StringComparison.Ordinal));
        Assert.Contains("jobs[0].delivery.batch_size: must be 1–2000 (was 5000).", e.Errors);
        Assert.Contains(e.Errors, x => x.StartsWith("jobs[0].delivery.speed: unknown key", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.StartsWith("jobs[0].source.secret: unknown key for type s3", StringComparison.Ordinal));
        Assert.Contains("jobs[0].source.bucket: required.", e.Errors);
        Assert.Contains("jobs[1].pixel_id: required.", e.Errors);
        Assert.Contains(e.Errors, x => x.StartsWith("jobs[1].source.host_key_sha256: required", StringComparison.Ordinal));
        Assert.Contains("jobs[2].source.type: 'carrier-pigeon' is not a source type; use local, s3, sftp, ftp, http or sql.", e.Errors);
    }

    [Fact]
    public void Parse_DuplicateNames_AndUnknownTopLevelKey_AreErrors()
    {
        var e = Assert.Throws<JobFileException>(() => Parse("""
            version: 2
            jobs:
              - {name: a, pixel_id: p, source: {type: local, path: x}}
              - {name: a, pixel_id: p, source: {type: local, path: y}}
            """));
        Assert.Contains("version: unknown key; known keys: defaults, jobs.", e.Errors);
        Assert.Contains("jobs[1].name: 'a' is used by another job.", e.Errors);
    }

    [Fact]
    public void Parse_Json_IsAccepted()
    {
        var file = Parse("""{"jobs": [{"name": "j", "pixel_id": "p", "schedule": "*/5 * * * *", "source": {"type": "http", "url": "https://x.example/a.csv"}}]}""");
        Assert.Equal("http", file.Jobs[0].Source.Kind);
    }

    [Fact]
    public void Parse_PresetOptions_AreSetOnTheMapping()
    {
        // #15: preset_options as --preset-option; requires_currency satisfied by currency.
        var job = Assert.Single(Parse("""
            jobs:
              - name: shop
                pixel_id: px
                preset: shopify-orders
                preset_options: {include_online: "true"}
                source: {type: local, path: in}
            """).Jobs);
        Assert.True(job.Mapping.Option("include_online"));
    }

    [Fact]
    public void Parse_UnknownPresetOptionAndMissingCurrency_AreErrorsNamingThem()
    {
        var e = Assert.Throws<JobFileException>(() => Parse("""
            jobs:
              - name: shop
                pixel_id: px
                preset: shopify-orders
                preset_options: {include_web: "true"}
                source: {type: local, path: in}
              - name: square
                pixel_id: px
                preset: square-transactions
                source: {type: local, path: in}
            """));
        Assert.Contains(e.Errors, x => x.StartsWith("jobs[0].preset_options: option 'include_web' is not an option of preset shopify-orders", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.StartsWith("jobs[1].currency: required", StringComparison.Ordinal));
    }
}

/// <summary>The job key <c>event_name</c> (#15), as <c>--event-name</c>.</summary>
public class JobEventNameTests
{
    private static JobFile Parse(string eventName) => JobFileLoader.Parse($"""
        jobs:
          - name: sales
            pixel_id: p1
            event_name: {eventName}
            source: {"{"}type: local, path: in{"}"}
        """, "jobs.yaml", "/base");

    [Fact]
    public void Parse_EventName_BecomesTheMappingsEventNameConstant()
    {
        var job = Parse("purchase").Jobs[0];
        Assert.Equal("PURCHASE", job.Mapping.Constants[TargetField.EventName]);
    }

    [Fact]
    public void Parse_UnknownEventName_ErrorNamesTheKey()
    {
        var e = Assert.Throws<JobFileException>(() => Parse("SALE"));
        Assert.Contains(e.Errors, x => x.StartsWith("jobs[0].event_name: 'SALE' is not one of Snap's event names", StringComparison.Ordinal));
    }
}
