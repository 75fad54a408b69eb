using Snapconv.Core.Presets;

namespace Snapconv.Core.Tests.Presets;

/// <summary>
/// Recognition reads each preset's <c>recognize</c> lists from its text without a YAML parser (#15's speed bar: loading
/// every preset cost a run ≈ 60-90 ms of CPU); the light reading must agree with the full parse, or decline.
/// </summary>
public class PresetCatalogTests
{
    [Fact]
    public void ScanRecognize_EveryShippedPreset_EqualsTheFullParse()
    {
        // #15: a preset whose light reading differed would be recognised differently from what it says.
        foreach (var p in PresetCatalog.All)
        {
            var light = PresetCatalog.ScanRecognize(p.Yaml);
            Assert.NotNull(light);
            Assert.Equal(p.Info.RecognizeAlternatives.Select(a => a.ToArray()), light.Select(a => a.ToArray()));
        }
    }

    [Theory]
    [InlineData("preset:\n  name: x\n  recognize:\n    - ['Deal Stage', Amount]\n")]         // a quoted name
    [InlineData("preset:\n  name: x\n  recognize:\n    - [Deal Stage, Amount] # comment\n")]  // a comment after the list
    [InlineData("preset:\n  name: x\n  recognize: [[Deal Stage, Amount]]\n")]                 // the flow form
    [InlineData("preset:\n  name: x\n  recognize:\n    - - Deal Stage\n      - Amount\n")]    // the block form
    [InlineData("preset: {name: x, recognize: [[Deal Stage]]}\n")]                               // no preset block
    public void ScanRecognize_FormItDoesNotRead_DeclinesWithNull(string yaml) =>
        Assert.Null(PresetCatalog.ScanRecognize(yaml));

    [Fact]
    public void ScanRecognize_PlainForm_ReadsEachAlternativeInOrder()
    {
        const string yaml = """
            # a comment
            preset:
              name: x
              recognize:
                - [Deal Name, Stage, Income]

                - [Название сделки, (Do Not Modify) Opportunity]
              file_name: deals*
            columns:
              recognize: em
            """;
        var found = PresetCatalog.ScanRecognize(yaml);
        Assert.NotNull(found);
        Assert.Equal([["Deal Name", "Stage", "Income"], ["Название сделки", "(Do Not Modify) Opportunity"]], found.Select(a => a.ToArray()));
    }

    [Fact]
    public void Recognize_HeaderOfNoPreset_MatchesNothing()
    {
        // The bench's file: recognised as no preset, by the light reading.
        var found = PresetCatalog.Recognize(["order_id", "transaction_date", "email", "phone", "amount", "currency", "event_type"], "lean.csv");
        Assert.Empty(found.Matches);
    }
}
