using System.Text.Json;

namespace Snapconv.Cli.Tests.Presets;

[Collection("console")]
public class PresetsCliTests
{
    private static string P(string relative) => RepoPaths.Sample(Path.Combine("presets", relative));

    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var (oldOut, oldErr) = (System.Console.Out, System.Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        System.Console.SetOut(o);
        System.Console.SetError(e);
        try { return (await CliApp.RunAsync(args), o.ToString(), e.ToString()); }
        finally { System.Console.SetOut(oldOut); System.Console.SetError(oldErr); }
    }

    [Fact]
    public async Task Presets_List_NamesEveryPresetAndMarksUnverified()
    {
        var (code, output, _) = await Run("presets");
        Assert.Equal(0, code);
        foreach (var name in new[] { "hubspot-deals", "salesforce", "zoho-deals", "dynamics", "bitrix24-deals", "freshsales", "leadsquared", "mparticle" })
            Assert.Contains(name, output);
        Assert.Contains("unverified", output);
    }

    [Fact]
    public async Task PresetsShow_Name_PrintsAMappingFileThatLoadsAsMapping()
    {
        var (code, output, _) = await Run("presets", "show", "zoho-deals");
        Assert.Equal(0, code);
        Assert.Contains("joins:", output);
        using var tmp = new TempDir();
        await File.WriteAllTextAsync(tmp.File("m.yaml"), output);
        var (code2, _, err) = await Run("validate", P("zoho-deals/Deals_2026_11_02.csv"), "--mapping", tmp.File("m.yaml"),
            "--contacts", P("zoho-deals/Contacts_2026_11_02.csv"), "--report", tmp.File("r.json"));
        Assert.True(code2 == 0, err);
        using var report = JsonDocument.Parse(File.ReadAllText(tmp.File("r.json")));
        Assert.Equal(2, report.RootElement.GetProperty("accepted").GetInt64());
        Assert.False(report.RootElement.TryGetProperty("preset", out _));
    }

    [Fact]
    public async Task PresetsShow_UnknownName_Exit2ListingPresets()
    {
        var (code, _, err) = await Run("presets", "show", "pipedrive");
        Assert.Equal(2, code);
        Assert.Contains("hubspot-deals", err);
    }

    [Fact]
    public async Task Validate_HubspotExportWithoutPreset_IsRecognisedAndNamedInReport()
    {
        using var tmp = new TempDir();
        var (code, _, err) = await Run("validate", P("hubspot-deals/hubspot-crm-exports-all-deals-2026-11-02.csv"),
            "--contacts", P("hubspot-deals/hubspot-crm-exports-all-contacts-2026-11-02.csv"), "--currency", "US Dollar",
            "--report", tmp.File("r.json"), "--rejects", tmp.File("rej.csv"));
        Assert.Equal(0, code);
        Assert.Contains("hubspot-deals", err);
        using var report = JsonDocument.Parse(File.ReadAllText(tmp.File("r.json")));
        var r = report.RootElement;
        Assert.Equal("hubspot-deals", r.GetProperty("preset").GetString());
        Assert.Equal(2, r.GetProperty("filtered").GetInt64());
        Assert.Equal(2, r.GetProperty("filtered_by_rule").GetProperty("deal not won").GetInt64());
        Assert.Equal(1, r.GetProperty("rejected").GetInt64());
        // #15: the match-key columns that gave nothing — the deal's own e-mail column, then the key that found no contact.
        Assert.Contains(",MISSING_USER_DATA,Associated Contact|Associated Contact IDs,", File.ReadAllText(tmp.File("rej.csv")));
    }

    [Fact]
    public async Task Validate_ContactsMalformedAfterManyRows_Exit2NamingTheContactsFile()
    {
        // The contacts load runs on two threads (parse, index); a malformed row well past the first batches still stops
        // the run before any deal is read, with exit 2 naming the contacts file.
        using var tmp = new TempDir();
        var contacts = new System.Text.StringBuilder("\"Record ID\",\"First Name\",\"Last Name\",\"Email\",\"Phone Number\",\"Mobile Phone Number\",\"Create Date\",\"Associated Deal IDs\"\n");
        for (var i = 0; i < 20_000; i++) contacts.Append(i).Append(",Ann,Lee,ann").Append(i).Append("@example.com,,,2026-01-02 10:00,9001\n");
        contacts.Append("20000,Ann,\"Lee\"x,broken@example.com,,,,9001\n");
        await File.WriteAllTextAsync(tmp.File("all-contacts-broken.csv"), contacts.ToString());

        var (code, _, err) = await Run("validate", P("hubspot-deals/hubspot-crm-exports-all-deals-2026-11-02.csv"),
            "--contacts", tmp.File("all-contacts-broken.csv"), "--currency", "USD", "--report", tmp.File("r.json"));

        Assert.Equal(2, code);
        Assert.Contains("all-contacts-broken.csv", err);
        Assert.DoesNotContain("broken@example.com", err);   // no raw PII in the message
    }

    [Fact]
    public async Task Validate_SalesforceReportWithoutLocale_Exit2AskingForLocale()
    {
        var (code, _, err) = await Run("validate", P("salesforce-report/report1762074000000.csv"));
        Assert.Equal(2, code);
        Assert.Contains("--locale", err);
        Assert.Contains("'Amount'", err);
    }

    [Fact]
    public async Task Validate_CorruptWorkbook_Exit2NamingTheFile()
    {
        var path = P("dynamics-opportunities/broken.xlsx");
        var (code, _, err) = await Run("validate", path, "--preset", "dynamics-opportunities");
        Assert.Equal(2, code);
        Assert.Contains(path, err);
    }

    [Fact]
    public async Task Validate_ContactsFileOfNoJoin_Exit2NamingExpectedHeaders()
    {
        var (code, _, err) = await Run("validate", P("zoho-deals/Deals_2026_11_02.csv"), "--contacts", P("salesforce-data-export/OpportunityContactRole.csv"));
        Assert.Equal(2, code);
        Assert.Contains("Zoho Contacts export", err);
    }

    [Fact]
    public async Task Validate_HeaderFittingTwoPresets_UsesNeitherAndNamesBoth()
    {
        using var tmp = new TempDir();
        await File.WriteAllTextAsync(tmp.File("x.csv"), "Deal Stage,Associated Contact IDs,Deal Value,Related contacts,email,event_time,event_name\nClosed Won,1,5,a@b.co,a@b.co,2026-10-01,SIGN_UP\n");
        var (code, _, err) = await Run("validate", tmp.File("x.csv"), "--report", tmp.File("r.json"));
        Assert.Equal(0, code);
        Assert.Contains("freshsales-deals", err);
        Assert.Contains("hubspot-deals", err);
        using var report = JsonDocument.Parse(File.ReadAllText(tmp.File("r.json")));
        Assert.False(report.RootElement.TryGetProperty("preset", out _));
        Assert.Equal(1, report.RootElement.GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task Validate_MparticleEmailTypeOther_SendsTheOtherIdentityAsEmail()
    {
        using var tmp = new TempDir();
        var (code, _, _) = await Run("validate", P("mparticle/archive"), "--email-type", "other", "--events-out", tmp.File("ev.ndjson"));
        Assert.Equal(0, code);
        var events = File.ReadAllLines(tmp.File("ev.ndjson")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, events.Count);
        Assert.False(events[0].GetProperty("user_data").TryGetProperty("em", out _));
        Assert.Equal(1, events[1].GetProperty("user_data").GetProperty("em").GetArrayLength());
    }

    [Fact]
    public async Task Validate_MappingAndPresetTogether_Exit2()
    {
        var (code, _, err) = await Run("validate", P("zoho-deals/Deals_2026_11_02.csv"), "--preset", "zoho-deals", "--mapping", "x.yaml");
        Assert.Equal(2, code);
        Assert.Contains("alternatives", err);
    }

    [Fact]
    public async Task Validate_SquareWithoutCurrency_Exit2BeforeReadingRows()
    {
        // #15: Square's export carries no currency; without --currency the run stops, not a thousand MISSING_CURRENCY rejects.
        using var tmp = new TempDir();
        var (code, _, err) = await Run("validate", P("square-transactions/transactions-2026-10-26-2026-10-29.csv"), "--report", tmp.File("r.json"));
        Assert.Equal(2, code);
        Assert.Contains("--currency", err);
        Assert.False(File.Exists(tmp.File("r.json")));
    }

    [Fact]
    public async Task Validate_UnknownPresetOption_Exit2NamingIt()
    {
        var (code, _, err) = await Run("validate", P("shopify-orders/orders_export.csv"), "--preset-option", "include_web=true");
        Assert.Equal(2, code);
        Assert.Contains("'include_web'", err);
        Assert.Contains("include_online", err);
    }

    [Fact]
    public async Task Validate_ShopifyIncludeOnline_SendsOnlineOrders()
    {
        using var tmp = new TempDir();
        var (code, _, err) = await Run("validate", P("shopify-orders/orders_export.csv"), "--preset-option", "include_online=true", "--report", tmp.File("r.json"));
        Assert.True(code == 0, err);
        using var report = JsonDocument.Parse(File.ReadAllText(tmp.File("r.json")));
        Assert.Equal("shopify-orders", report.RootElement.GetProperty("preset").GetString());
        Assert.False(report.RootElement.GetProperty("filtered_by_rule").TryGetProperty("online order (include_online=true sends it)", out _));
        Assert.True(report.RootElement.GetProperty("folded").GetInt64() > 0);
    }

    [Fact]
    public async Task PresetsShow_PresetWithOptions_ListsThemWithDefaults()
    {
        var (code, output, err) = await Run("presets", "show", "shopify-orders");
        Assert.Equal(0, code);
        Assert.Contains("group_by: Name", output);
        Assert.Contains("include_online (default false):", err);
    }
}
