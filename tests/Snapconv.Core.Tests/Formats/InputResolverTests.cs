using Snapconv.Core.Formats;

namespace Snapconv.Core.Tests.Formats;

public sealed class InputResolverTests : IDisposable
{
    private readonly TempDir _dir = new();

    public InputResolverTests()
    {
        _dir.File("exports/b.csv.gz");
        _dir.File("exports/a.csv.gz");
        _dir.File("exports/a.csv");
        _dir.File("exports/.hidden.csv.gz");
        _dir.File("data/x.csv");
        _dir.File("data/2024/01/y.csv");
        _dir.File("data/2024/notes.txt");
        _dir.File("data/.git/z.csv");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Resolve_File_ReturnsItAsGiven()
    {
        var file = P("exports/a.csv");

        Assert.Equal([file], InputResolver.Resolve([file]));
    }

    [Fact]
    public void Resolve_Directory_ReturnsAllFilesRecursivelySortedSkippingHidden()
    {
        var result = InputResolver.Resolve([P("data")]);

        Assert.Equal([P("data/2024/01/y.csv"), P("data/2024/notes.txt"), P("data/x.csv")], result);
    }

    [Fact]
    public void Resolve_StarPattern_MatchesOneSegmentSkippingHidden()
    {
        var result = InputResolver.Resolve([P("exports/*.csv.gz")]);

        Assert.Equal([P("exports/a.csv.gz"), P("exports/b.csv.gz")], result);
    }

    [Fact]
    public void Resolve_DoubleStarPattern_MatchesAnyDepthIncludingZero()
    {
        var result = InputResolver.Resolve([P("data/**/*.csv")]);

        Assert.Equal([P("data/2024/01/y.csv"), P("data/x.csv")], result);
    }

    [Fact]
    public void Resolve_QuestionMarkAndWildcardDirectory_Match()
    {
        Assert.Equal([P("exports/a.csv")], InputResolver.Resolve([P("export?/?.csv")]));
        Assert.Equal([P("data/2024/01/y.csv")], InputResolver.Resolve([P("data/*/0*/*.csv")]));
    }

    [Fact]
    public void Resolve_ExplicitHiddenPattern_MatchesHidden()
    {
        Assert.Equal([P("exports/.hidden.csv.gz")], InputResolver.Resolve([P("exports/.*.gz")]));
    }

    [Fact]
    public void Resolve_OverlappingInputs_ReturnsSortedDistinct()
    {
        var result = InputResolver.Resolve([P("exports/b.csv.gz"), P("exports/*.gz"), P("exports/a.csv.gz")]);

        Assert.Equal([P("exports/a.csv.gz"), P("exports/b.csv.gz")], result);
    }

    [Fact]
    public void Resolve_RelativePattern_ReturnsRelativePaths()
    {
        var cwd = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = _dir.Path;
            Assert.Equal(["exports/a.csv.gz", "exports/b.csv.gz"], InputResolver.Resolve(["exports/*.csv.gz"]));
        }
        finally
        {
            Environment.CurrentDirectory = cwd;
        }
    }

    [Fact]
    public void Resolve_MissingFile_ThrowsInputExceptionNamingIt()
    {
        var missing = P("exports/nope.csv");

        var e = Assert.Throws<InputException>(() => InputResolver.Resolve([P("exports/a.csv"), missing]));

        Assert.Equal($"{missing}: no such file or directory", e.Message);
    }

    [Fact]
    public void Resolve_PatternMatchingNothing_ThrowsInputExceptionNamingIt()
    {
        var pattern = P("exports/*.parquet");

        var e = Assert.Throws<InputException>(() => InputResolver.Resolve([pattern]));

        Assert.Equal(pattern, e.File);
        Assert.Equal($"{pattern}: the pattern matches no file", e.Message);
    }

    private string P(string relative) => _dir.Path + "/" + relative;
}
