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
        // #15: point-of-sale and commerce exports
        { "shopify", "shopify-orders", ["shopify-orders/orders_export.csv", "shopify-orders/2021/orders_export_1.csv", "shopify-orders/2019/orders_export.csv"], [], null, null },
        { "stripe", "stripe-payments", ["stripe-payments/unified_payments.csv"], ["stripe-payments/unified_customers.csv"], null, null },
        { "stripe-2022-semicolon", "stripe-payments", ["stripe-payments/2022/unified_payments.csv"], [], null, null },
        { "square", "square-transactions", ["square-transactions/transactions-2026-10-26-2026-10-29.csv"], ["square-transactions/export-20261030-091500.csv"], "USD", null },
        { "loyverse", "loyverse-receipts", ["loyverse-receipts/receipts-2026-10-01-2026-10-31.csv"], [], "GBP", null },
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
    [InlineData("shopify-orders/orders_export.csv", "shopify-orders")]
    [InlineData("shopify-orders/2021/orders_export_1.csv", "shopify-orders")]
    [InlineData("shopify-orders/2019/orders_export.csv", "shopify-orders")]
    [InlineData("stripe-payments/unified_payments.csv", "stripe-payments")]
    [InlineData("stripe-payments/2022/unified_payments.csv", "stripe-payments")]
    [InlineData("square-transactions/transactions-2026-10-26-2026-10-29.csv", "square-transactions")]
    [InlineData("loyverse-receipts/receipts-2026-10-01-2026-10-31.csv", "loyverse-receipts")]
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
    [InlineData("stripe-payments/unified_customers.csv")]
    [InlineData("square-transactions/export-20261030-091500.csv")]
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
            "loyverse-receipts", "mparticle", "salesforce-data-export", "salesforce-report", "shopify-orders", "square-transactions",
            "stripe-payments", "zoho-deals"], names);
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
        Assert.Equal(["bitrix24-deals", "freshsales-deals", "leadsquared-opportunities", "loyverse-receipts", "salesforce-report"],
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

    [Fact]
    public async Task ShopifyOrders_IncludeOnline_SendsWebAndAppOrdersToo()
    {
        // #15: include_online=true drops the scope rule; the won rule still holds.
        var spec = PresetRuns.Spec("shopify-orders").WithOptions([new("include_online", "true")]);
        var (scoped, _, _) = await PresetRuns.RunAsync(PresetRuns.Spec("shopify-orders"), ["shopify-orders/orders_export.csv"], defaultCountry: "US");
        var (all, events, _) = await PresetRuns.RunAsync(spec, ["shopify-orders/orders_export.csv"], defaultCountry: "US");
        Assert.Equal(2, scoped.FilteredByRule["online order (include_online=true sends it)"]);
        Assert.False(all.FilteredByRule.ContainsKey("online order (include_online=true sends it)"));
        Assert.Equal(scoped.Accepted + 2, all.Accepted);
        Assert.Equal(scoped.Folded, all.Folded);
        Assert.Contains(events, e => e.GetProperty("custom_data").GetProperty("order_id").GetString() == "5601234567002");
    }

    [Fact]
    public async Task ShopifyOrders_LineItems_FoldIntoTheOrderWithSkusAndQuantities()
    {
        var (report, events, _) = await PresetRuns.RunAsync(PresetRuns.Spec("shopify-orders"), ["shopify-orders/orders_export.csv"], defaultCountry: "US");
        Assert.Equal(report.Rows, report.Accepted + report.Rejected + report.Filtered + report.Duplicates + report.Folded);
        var pos = events.Single(e => e.GetProperty("custom_data").GetProperty("order_id").GetString() == "5601234567001").GetProperty("custom_data");
        Assert.Equal(["BEAN-ETH-250", "MUG-CER-01"], pos.GetProperty("content_ids").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(4, pos.GetProperty("num_items").GetInt32());
        // Total 120.00 less 20.00 refunded.
        var draft = events.Single(e => e.GetProperty("custom_data").GetProperty("order_id").GetString() == "5601234567003").GetProperty("custom_data");
        Assert.Equal(100m, draft.GetProperty("value").GetDecimal());
    }
}
