using System.Text.Json;
using Snapconv.Core.Presets;

namespace Snapconv.Core.Tests.Presets;

/// <summary>
/// Each preset over its sample files (samples/presets/NAME/): the exact events and the report's counts, against golden
/// files in samples/presets/NAME/expected/. Set SNAPCONV_UPDATE_GOLDEN=1 to rewrite them (then review the diff).
/// </summary>
public class PresetGoldenTests
{
    public static TheoryData<string, string, string[], string[], string?, string?> Cases => new()
    {
        // case, preset, inputs, contacts, currency, locale
        { "hubspot", "hubspot-deals", ["hubspot-deals/hubspot-crm-exports-all-deals-2026-11-02.csv"], ["hubspot-deals/hubspot-crm-exports-all-contacts-2026-11-02.csv"], "USD", null },
        { "salesforce-report", "salesforce-report", ["salesforce-report/report1762074000000.csv"], [], null, "en-US" },
        { "salesforce-data-export", "salesforce-data-export", ["salesforce-data-export/Opportunity.csv"], ["salesforce-data-export/OpportunityContactRole.csv", "salesforce-data-export/Contact.csv"], null, null },
        { "zoho", "zoho-deals", ["zoho-deals/Deals_2026_11_02.csv"], ["zoho-deals/Contacts_2026_11_02.csv"], null, null },
        { "dynamics-excel", "dynamics-opportunities", ["dynamics-opportunities/excel"], [], null, null },
        { "dynamics-maker-portal", "dynamics-opportunities", ["dynamics-opportunities/maker-portal/opportunity.csv"], ["dynamics-opportunities/maker-portal/contact.csv"], "USD", null },
        { "bitrix24-ru", "bitrix24-deals", ["bitrix24-deals/deals-ru.csv"], [], null, null },
        { "bitrix24-en-xls", "bitrix24-deals", ["bitrix24-deals/deals-en.xls"], [], null, "en-US" },
        { "freshsales", "freshsales-deals", ["freshsales-deals/deals.csv"], [], null, null },
        { "leadsquared", "leadsquared-opportunities", ["leadsquared-opportunities/opportunities.csv"], [], null, null },
        { "mparticle-archive", "mparticle", ["mparticle/archive"], [], null, null },
        { "mparticle-events-api", "mparticle", ["mparticle/events-api"], [], null, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Preset_SampleExport_GivesGoldenEventsAndReport(string name, string preset, string[] inputs, string[] contacts, string? currency, string? locale)
    {
        var (report, events, _) = await PresetRuns.RunAsync(PresetRuns.Spec(preset, contacts, currency, locale, defaultCountry: "US"), inputs, defaultCountry: "US");
        var eventsText = string.Join("\n", events.Select(e => JsonSerializer.Serialize(e))) + "\n";
        var projection = PresetRuns.Projection(report);
        var dir = PresetRuns.Sample(Path.Combine(preset, "expected"));
        var eventsPath = Path.Combine(dir, name + ".events.ndjson");
        var reportPath = Path.Combine(dir, name + ".report.txt");
        if (Environment.GetEnvironmentVariable("SNAPCONV_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(dir);
            await File.WriteAllTextAsync(eventsPath, eventsText);
            await File.WriteAllTextAsync(reportPath, projection);
        }
        Assert.Equal(await File.ReadAllTextAsync(reportPath), projection);
        Assert.Equal(await File.ReadAllTextAsync(eventsPath), eventsText);
        Assert.Equal(preset, report.Preset);
        Assert.True(report.Accepted > 0);
        Assert.True(report.Filtered > 0);
    }

    [Theory]
    [InlineData("hubspot-deals/hubspot-crm-exports-all-deals-2026-11-02.csv", "hubspot-deals")]
    [InlineData("salesforce-report/report1762074000000.csv", "salesforce-report")]
    [InlineData("salesforce-data-export/Opportunity.csv", "salesforce-data-export")]
    [InlineData("zoho-deals/Deals_2026_11_02.csv", "zoho-deals")]
    [InlineData("dynamics-opportunities/excel/My Won Opportunities 11-2-2026 9-00-00 AM.xlsx", "dynamics-opportunities")]
    [InlineData("dynamics-opportunities/maker-portal/opportunity.csv", "dynamics-opportunities")]
    [InlineData("bitrix24-deals/deals-ru.csv", "bitrix24-deals")]
    [InlineData("bitrix24-deals/deals-en.xls", "bitrix24-deals")]
    [InlineData("freshsales-deals/deals.csv", "freshsales-deals")]
    [InlineData("leadsquared-opportunities/opportunities.csv", "leadsquared-opportunities")]
    [InlineData("mparticle/archive/2026-10-30/MyApp_20261030120000_00001.txt", "mparticle")]
    [InlineData("mparticle/events-api/batches.ndjson.gz", "mparticle")]
    public void Recognize_EachSample_IsItsOwnPresetAndNoOther(string sample, string preset)
    {
        using var reader = Core.Formats.RecordReaders.Open(PresetRuns.Sample(sample));
        var found = PresetCatalog.Recognize(reader.Headers, sample);
        Assert.Equal([preset], found.Matches.Select(p => p.Name));
    }

    [Theory]
    [InlineData("hubspot-deals/hubspot-crm-exports-all-contacts-2026-11-02.csv")]
    [InlineData("zoho-deals/Contacts_2026_11_02.csv")]
    [InlineData("salesforce-data-export/Contact.csv")]
    [InlineData("salesforce-data-export/OpportunityContactRole.csv")]
    [InlineData("dynamics-opportunities/maker-portal/contact.csv")]
    public void Recognize_ContactFiles_AreNoPreset(string sample)
    {
        using var reader = Core.Formats.RecordReaders.Open(PresetRuns.Sample(sample));
        Assert.Empty(PresetCatalog.Recognize(reader.Headers, sample).Matches);
    }

    [Fact]
    public void Catalog_EveryPreset_LoadsAndNamesItsSystemFilesAndWonRule()
    {
        var names = PresetCatalog.All.Select(p => p.Name).ToList();
        Assert.Equal(["bitrix24-deals", "dynamics-opportunities", "freshsales-deals", "hubspot-deals", "leadsquared-opportunities",
            "mparticle", "salesforce-data-export", "salesforce-report", "zoho-deals"], names);
        foreach (var p in PresetCatalog.All)
        {
            Assert.NotEmpty(p.Info.System);
            Assert.NotEmpty(p.Info.Files);
            Assert.NotEmpty(p.Info.Won);
            Assert.NotEmpty(p.Spec.Filter);
            Assert.NotEmpty(p.Info.RecognizeAlternatives);
            // A preset is a mapping file: its text loads as one.
            Assert.Equal(p.Spec.Columns.Count, Core.Mapping.MappingFileLoader.Parse(p.Yaml, "copy").Columns.Count);
        }
        Assert.Equal(["bitrix24-deals", "freshsales-deals", "leadsquared-opportunities", "salesforce-report"],
            PresetCatalog.All.Where(p => !p.Info.Verified).Select(p => p.Name));
    }

    [Fact]
    public void Recognize_HeaderFittingTwoPresets_ReturnsBoth()
    {
        string[] headers = ["Deal Stage", "Associated Contact IDs", "Deal Value", "Related contacts"];
        var found = PresetCatalog.Recognize(headers, "export.csv");
        Assert.Equal(["freshsales-deals", "hubspot-deals"], found.Matches.Select(p => p.Name).Order());
        Assert.Null(found.Single);
    }
}
