using System.Text;
using Snapconv.Jobs;
using Snapconv.Cli.Tests.Commands;

namespace Snapconv.Cli.Tests.Jobs;

// #15: job key `encoding` forces the text encoding; detected encodings reach the job's report.
public class JobEncodingTests
{
    private static Encoding Cp1252
    {
        get
        {
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            return Encoding.GetEncoding(1252);
        }
    }

    [Fact]
    public void Parse_EncodingKey_ForcesTheMappingsEncoding()
    {
        var jobs = JobFileLoader.Parse("""
            defaults:
              encoding: latin1
            jobs:
              - {name: j, pixel_id: p, encoding: Windows-1252, source: {type: local, path: in}}
              - {name: k, pixel_id: p, source: {type: local, path: in}}
            """, "jobs.yaml", "/base").Jobs;

        Assert.Equal("windows-1252", jobs[0].Mapping.Encoding!.Name);
        Assert.True(jobs[0].Mapping.ReaderOptions.Encoding!.Forced);
        Assert.Equal("iso-8859-1", jobs[1].Mapping.ReaderOptions.Encoding!.Name);
    }

    [Fact]
    public void Parse_UnknownEncoding_IsAnErrorNamingTheKey()
    {
        var e = Assert.Throws<JobFileException>(() => JobFileLoader.Parse("""
            jobs:
              - {name: j, pixel_id: p, encoding: klingon, source: {type: local, path: in}}
            """, "jobs.yaml", "/base"));

        Assert.Contains(e.Errors, x => x.StartsWith("jobs[0].encoding: 'klingon' is not a text encoding", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_Windows1252File_DeliversCorrectHashesAndReportsTheEncoding()
    {
        using var dir = new TempDir();
        await using var sandbox = await JobRunTests.Sandbox();
        var tokenEnv = "SNAPCONV_TEST_TOKEN_" + Guid.NewGuid().ToString("N")[..8];
        Environment.SetEnvironmentVariable(tokenEnv, sandbox.Pixels[0].Token);
        Directory.CreateDirectory(dir.File("in"));
        var now = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds();
        File.WriteAllBytes(dir.File("in/sales.csv"), Cp1252.GetBytes(
            $"email,first_name,event_name,event_time,currency,value\nmaria@example.com,María,PURCHASE,{now},EUR,10\n"));
        File.WriteAllText(dir.File("jobs.yaml"), JobRunTests.JobYaml(sandbox, tokenEnv, ("shop", "in", null)));
        var job = JobFileLoader.Load(dir.File("jobs.yaml")).Jobs[0];

        var result = await new JobRunner(new RunLog(LogFormat.Json, TimeProvider.System, new StringWriter()), TimeProvider.System).RunAsync(job, CancellationToken.None);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("windows-1252", result.Report!.InputFiles.Single().Encoding);
        using var stored = sandbox.GetEvents(sandbox.Pixels[0].PixelId).Single().Parse();
        Assert.Equal(EncodingCommandTests.Sha256("maría"), stored.RootElement.GetProperty("user_data").GetProperty("fn")[0].GetString());
    }
}
