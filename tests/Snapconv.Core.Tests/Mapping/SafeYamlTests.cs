using System.Diagnostics;
using System.Text;
using Snapconv.Core.Formats;
using Snapconv.Core.Mapping;

namespace Snapconv.Core.Tests.Mapping;

/// <summary>Mapping files are read within bounds and their errors quote at most 80 characters of a value (#16).</summary>
public class SafeYamlTests
{
    [Fact]
    public void Parse_NestedAliasKeys_IsRefusedAtOnceNamingTheMappingFile()
    {
        // A 488-byte mapping whose keys are nested aliases (? *a10 : em) cost 20 s of CPU, ×9 a level.
        var yaml = new StringBuilder("x: &k0 {a: b}\n");
        for (var i = 1; i < 14; i++) yaml.Append($"y{i}: &k{i} {{? *k{i - 1} : em, ? [*k{i - 1}] : ph}}\n");
        var clock = Stopwatch.StartNew();

        var e = Assert.Throws<InputException>(() => MappingFileLoader.Parse(yaml.ToString(), "m.yaml"));

        Assert.Equal("m.yaml", e.File);
        Assert.Contains("line 2: an alias ('*k0') cannot be a key", e.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData("? [a, b]\n: em\n")]
    [InlineData("? {a: b}\n: em\n")]
    public void Parse_ObjectOrListAsKey_IsRefused(string yaml)
    {
        var e = Assert.Throws<InputException>(() => MappingFileLoader.Parse(yaml, "m.yaml"));

        Assert.Contains("a key must be plain text", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AliasExpansionBomb_IsRefusedAtTheNodeLimit()
    {
        var yaml = new StringBuilder("a0: &a0 em\n");
        for (var i = 1; i < 30; i++) yaml.Append($"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}]\n");

        var e = Assert.Throws<InputException>(() => MappingFileLoader.Parse(yaml.ToString(), "m.yaml"));

        Assert.Contains("more than 100,000 values once its aliases are expanded", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AliasesWithinTheLimit_StillWork()
    {
        var spec = MappingFileLoader.Parse("constants: &c {event_name: PURCHASE}\ncolumns: {Mail: em}\n", "m.yaml");

        Assert.Equal("PURCHASE", spec.Constants[TargetField.EventName]);
    }

    [Fact]
    public void Parse_ScalarOver1MiB_IsRefusedWithoutQuotingIt()
    {
        var e = Assert.Throws<InputException>(() => MappingFileLoader.Parse("columns:\n  Email: \"" + new string('x', (1 << 20) + 1) + "\"\n", "m.yaml"));

        Assert.Contains("line 2: a value is longer than 1 Mi characters", e.Message, StringComparison.Ordinal);
        Assert.True(e.Message.Length < 200, e.Message.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Parse_LongUnknownValue_IsQuotedAtMost80Characters()
    {
        var value = new string('q', 5000);

        var e = Assert.Throws<InputException>(() => MappingFileLoader.Parse($"columns:\n  Email: {value}\n", "m.yaml"));

        Assert.Contains("unknown field '" + new string('q', 80) + "…'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('q', 81), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FileOver16MiB_IsRefusedBeforeReadingIt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"snapconv-big-{Guid.NewGuid():N}.yaml");
        try
        {
            using (var f = File.Create(path)) f.SetLength(SafeYaml.MaxFileBytes + 1L);

            var e = Assert.Throws<InputException>(() => MappingFileLoader.Load(path));

            Assert.Equal(path, e.File);
            Assert.Contains("longer than 16 MiB", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("short 'value' stays", "short 'value' stays")]
    [InlineData("x", "x")]
    public void Clip_ShortMessages_AreUnchanged(string message, string expected) => Assert.Equal(expected, SafeYaml.Clip(message));
}
