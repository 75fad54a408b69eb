using Snapconv.Core.Output;

namespace Snapconv.Core.Tests.Output;

/// <summary>Outputs are put in place whole, or not at all (#16).</summary>
public sealed class OutputFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("snapconv-out-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string P(string name) => Path.Combine(_dir, name);

    [Fact]
    public void OutputFile_Committed_ReplacesTheOldFileWhole()
    {
        File.WriteAllText(P("o.txt"), "old");
        using (var f = new OutputFile(P("o.txt"), isPrivate: false))
        {
            f.Stream.Write("new content"u8);
            Assert.Equal("old", File.ReadAllText(P("o.txt"))); // never truncated while being written
            f.Commit();
        }
        Assert.Equal("new content", File.ReadAllText(P("o.txt")));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void OutputFile_DisposedWithoutCommit_LeavesTheOldFile_AndNoTemporaryFile()
    {
        File.WriteAllText(P("o.txt"), "old");
        using (var f = new OutputFile(P("o.txt"), isPrivate: true)) f.Stream.Write("half"u8);
        Assert.Equal("old", File.ReadAllText(P("o.txt")));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void OutputFile_Private_IsOwnerReadWriteOnly_EvenOverAWorldReadableFile()
    {
        File.WriteAllText(P("o.txt"), "old");
        File.SetUnixFileMode(P("o.txt"), (UnixFileMode)0b110_100_100);
        OutputFile.WriteAll(P("o.txt"), isPrivate: true, s => s.Write("x"u8));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(P("o.txt")));
    }

    [Fact]
    public void OutputPaths_SameFileWrittenTwoWays_Clashes()
    {
        Directory.CreateDirectory(P("sub"));
        var clashes = OutputPaths.Clashes([("--report", P("sub/../in.csv")), ("--rejects", null)], [P("in.csv")]);
        Assert.Equal([$"--report '{P("sub/../in.csv")}' is the input file {P("in.csv")}: writing it would destroy it; choose another file."], clashes);
        Assert.Single(OutputPaths.Clashes([("--report", P("r")), ("--rejects", P("./r"))], []));
        Assert.Empty(OutputPaths.Clashes([("--report", P("r")), ("--rejects", P("s"))], [P("in.csv")]));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void OutputPaths_Canonical_FollowsFileAndFolderLinks_AndEndsOnALoop()
    {
        Directory.CreateDirectory(P("real"));
        File.WriteAllText(P("real/in.csv"), "a");
        Directory.CreateSymbolicLink(P("alias"), P("real"));
        File.CreateSymbolicLink(P("real/link.csv"), "in.csv");
        var real = OutputPaths.Canonical(P("real/in.csv"));
        Assert.Equal(real, OutputPaths.Canonical(P("alias/link.csv")));
        Assert.Equal(Path.Combine(real[..^"in.csv".Length], "new.csv"), OutputPaths.Canonical(P("alias/new.csv")));

        File.CreateSymbolicLink(P("loop1"), P("loop2"));
        File.CreateSymbolicLink(P("loop2"), P("loop1"));
        Assert.NotNull(OutputPaths.Canonical(P("loop1"))); // bounded: returns instead of spinning
    }
}
