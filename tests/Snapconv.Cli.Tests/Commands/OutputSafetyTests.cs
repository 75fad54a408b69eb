namespace Snapconv.Cli.Tests.Commands;

/// <summary>Outputs never clobber inputs, are put in place whole, and private when they hold raw rows (#16).</summary>
public class OutputSafetyTests
{
    private static readonly string Crm = RepoPaths.Sample("data/crm-export.csv");
    private static readonly string CrmMapping = RepoPaths.Sample("mappings/crm-export.yaml");

    private static string CopyCrm(TempDir tmp, string name = "b.csv")
    {
        File.Copy(Crm, tmp.File(name));
        return tmp.File(name);
    }

    [Fact]
    public async Task Preprocess_OutputIsTheInput_Exits2_InputUntouched()
    {
        using var tmp = new TempDir();
        var input = CopyCrm(tmp);
        var before = File.ReadAllBytes(input);
        Assert.Equal(2, await CliApp.RunAsync(["preprocess", input, "--mapping", CrmMapping, "--output", input]));
        Assert.Equal(before, File.ReadAllBytes(input));
        Assert.Single(Directory.GetFiles(tmp.Path)); // no temporary file left either
    }

    [Theory]
    [InlineData("--rejects")]
    [InlineData("--report")]
    [InlineData("--events-out")]
    public async Task Validate_OutputIsTheInput_Exits2_InputUntouched(string option)
    {
        using var tmp = new TempDir();
        var input = CopyCrm(tmp, "a.csv");
        var before = File.ReadAllBytes(input);
        Assert.Equal(2, await CliApp.RunAsync(["validate", input, "--mapping", CrmMapping, option, tmp.File("./x/../a.csv")]));
        Assert.Equal(before, File.ReadAllBytes(input));
    }

    [Fact]
    public async Task Validate_RejectsIsTheMappingFile_Exits2()
    {
        using var tmp = new TempDir();
        File.Copy(CrmMapping, tmp.File("m.yaml"));
        var before = File.ReadAllBytes(tmp.File("m.yaml"));
        Assert.Equal(2, await CliApp.RunAsync(["validate", Crm, "--mapping", tmp.File("m.yaml"), "--rejects", tmp.File("m.yaml")]));
        Assert.Equal(before, File.ReadAllBytes(tmp.File("m.yaml")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Validate_RejectsThroughSymlinks_ToTheInput_Exits2()
    {
        using var tmp = new TempDir();
        var input = CopyCrm(tmp, "a.csv");
        var before = File.ReadAllBytes(input);
        File.CreateSymbolicLink(tmp.File("link.csv"), input);
        Directory.CreateDirectory(tmp.File("real"));
        Directory.CreateSymbolicLink(tmp.File("alias"), tmp.File("real"));
        File.Copy(Crm, tmp.File("real/c.csv"));

        Assert.Equal(2, await CliApp.RunAsync(["validate", input, "--mapping", CrmMapping, "--rejects", tmp.File("link.csv")]));
        Assert.Equal(2, await CliApp.RunAsync(["validate", tmp.File("real/c.csv"), "--mapping", CrmMapping, "--rejects", tmp.File("alias/c.csv")]));
        Assert.Equal(before, File.ReadAllBytes(input));
        Assert.Equal(before, File.ReadAllBytes(tmp.File("real/c.csv")));
    }

    [Fact]
    public async Task Validate_TwoOutputsOneFile_Exits2_NothingWritten()
    {
        using var tmp = new TempDir();
        Assert.Equal(2, await CliApp.RunAsync(["validate", Crm, "--mapping", CrmMapping, "--report", tmp.File("out"), "--rejects", tmp.File("out")]));
        Assert.False(File.Exists(tmp.File("out")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Validate_RejectsEventsAndPreprocess_AreCreatedOwnerOnly()
    {
        using var tmp = new TempDir();
        Assert.Equal(0, await CliApp.RunAsync(["validate", Crm, "--mapping", CrmMapping, "--rejects", tmp.File("rej.csv"), "--events-out", tmp.File("ev.ndjson"), "--report", tmp.File("r.json")]));
        Assert.Equal(0, await CliApp.RunAsync(["preprocess", Crm, "--mapping", CrmMapping, "--output", tmp.File("pre.csv")]));
        const UnixFileMode owner = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Assert.Equal(owner, File.GetUnixFileMode(tmp.File("rej.csv")));
        Assert.Equal(owner, File.GetUnixFileMode(tmp.File("ev.ndjson")));
        Assert.Equal(owner, File.GetUnixFileMode(tmp.File("pre.csv")));
        Assert.True(File.ReadAllLines(tmp.File("rej.csv")).Length > 1);
        Assert.Equal(4, Directory.GetFiles(tmp.Path).Length); // no temporary or spool file left
    }

    [Fact]
    public async Task Preprocess_RunFailsOnBadInput_OldOutputStaysWhole_NoHalfFile()
    {
        using var tmp = new TempDir();
        File.WriteAllText(tmp.File("out.ndjson"), "old\n");
        // The first file is read (its events written), the second is malformed JSON: the run stops with exit 2.
        File.WriteAllText(tmp.File("bad.json"), "[{\"email\": \"a@example.com\", \"event_time\": \"2026-01-01T00:00:00Z\"}, {\"email\": ");
        var code = await CliApp.RunAsync(["preprocess", Crm, tmp.File("bad.json"), "--mapping", CrmMapping, "--output", tmp.File("out.ndjson")]);
        Assert.Equal(2, code);
        Assert.Equal("old\n", File.ReadAllText(tmp.File("out.ndjson")));
        Assert.Equal(["bad.json", "out.ndjson"], Directory.GetFiles(tmp.Path).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray());
    }
}
