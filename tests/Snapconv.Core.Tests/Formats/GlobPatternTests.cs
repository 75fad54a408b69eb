using Snapconv.Core.Formats;

namespace Snapconv.Core.Tests.Formats;

// #17: one glob for local trees (walked by FileSystemGlobbing) and remote keys.
public class GlobPatternTests
{
    [Theory]
    [InlineData("*", "a.csv", true)]
    [InlineData("*", "sub/a.csv", false)]
    [InlineData("a?.csv", "ab.csv", true)]
    [InlineData("a?.csv", "a.csv", false)]
    [InlineData("a?.csv", "a/.csv", false)]
    [InlineData("data/**", "data/x/y.csv", true)]
    [InlineData("data/**", "data", false)]
    [InlineData("**", "x/y/z.csv", true)]
    [InlineData("a/**/b/*.csv", "a/b/c.csv", true)]
    [InlineData("a/**/b/*.csv", "a/x/y/b/c.csv", true)]
    [InlineData("a/**/b/*.csv", "a/x/y/c.csv", false)]
    [InlineData("*.CSV", "a.csv", false)]
    public void IsMatch_Key_FollowsTheRules(string pattern, string key, bool match) =>
        Assert.Equal(match, new GlobPattern(pattern).IsMatch(key));

    [Theory]
    [InlineData("*.csv", ".a.csv", false)]
    [InlineData(".*.csv", ".a.csv", true)]
    [InlineData("**/*.csv", ".git/a.csv", false)]
    [InlineData("**", ".git/a.csv", false)]
    [InlineData(".git/*.csv", ".git/a.csv", true)]
    public void IsMatch_SkipHidden_HiddenOnlyByADotSegment(string pattern, string key, bool match) =>
        Assert.Equal(match, new GlobPattern(pattern).IsMatch(key, skipHidden: true));

    [Fact]
    public void IsMatch_IgnoreCase_MatchesOtherCase() => Assert.True(new GlobPattern("*.CSV", ignoreCase: true).IsMatch("a.csv"));

    [Fact]
    public void MatchFiles_LocalTree_SameRulesAsKeys()
    {
        using var tmp = new TempDir();
        foreach (var f in new[] { "2024-05/a.parquet", "2024-5/b.parquet", "2024-06/x/c.parquet", "2024-07/.d.parquet", "top.parquet" })
        {
            tmp.File(f);
        }
        var found = new GlobPattern("2024-??/*.parquet").MatchFiles(tmp.Path, skipHidden: true);
        found.Sort(StringComparer.Ordinal);
        Assert.Equal(["2024-05/a.parquet"], found);
        var deep = new GlobPattern("**/*.parquet").MatchFiles(tmp.Path, skipHidden: true);
        deep.Sort(StringComparer.Ordinal);
        Assert.Equal(["2024-05/a.parquet", "2024-06/x/c.parquet", "2024-5/b.parquet", "top.parquet"], deep);
    }
}
