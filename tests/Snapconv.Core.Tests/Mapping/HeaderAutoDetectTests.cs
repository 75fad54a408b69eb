using Snapconv.Core.Mapping;

namespace Snapconv.Core.Tests.Mapping;

/// <summary>Header recognition of commerce and point-of-sale exports (#15): the names they use, and the look-alikes that fill nothing.</summary>
public class HeaderAutoDetectTests
{
    [Theory]
    // e-mail
    [InlineData("Customer Email", TargetField.Em)]
    [InlineData("Email Address", TargetField.Em)]
    [InlineData("Billing Email", TargetField.Em)]
    [InlineData("Shipping Email", TargetField.Em)]
    [InlineData("Contact Email", TargetField.Em)]
    [InlineData("Secondary Email", TargetField.Em)]
    // phone
    [InlineData("Billing Phone", TargetField.Ph)]
    [InlineData("Shipping Phone", TargetField.Ph)]
    [InlineData("Phone Number", TargetField.Ph)]
    [InlineData("Mobile Phone Number", TargetField.Ph)]
    [InlineData("Default Address Phone", TargetField.Ph)]
    [InlineData("Customer Phone", TargetField.Ph)]
    // names and address
    [InlineData("Billing First Name", TargetField.Fn)]
    [InlineData("Shipping First Name", TargetField.Fn)]
    [InlineData("Billing Last Name", TargetField.Ln)]
    [InlineData("Billing City", TargetField.Ct)]
    [InlineData("Mailing City", TargetField.Ct)]
    [InlineData("Shipping City", TargetField.Ct)]
    [InlineData("Billing Province", TargetField.St)]
    [InlineData("Billing Province Name", TargetField.St)]
    [InlineData("Mailing State/Province", TargetField.St)]
    [InlineData("Billing Zip", TargetField.Zp)]
    [InlineData("Postal Code", TargetField.Zp)]
    [InlineData("Billing Postal Code", TargetField.Zp)]
    [InlineData("Mailing Zip/Postal Code", TargetField.Zp)]
    [InlineData("Zip/Postal Code", TargetField.Zp)]
    [InlineData("Billing Country", TargetField.Country)]
    [InlineData("Default Address Country Code", TargetField.Country)]
    [InlineData("Country/Region", TargetField.Country)]
    // order
    [InlineData("InvoiceNo", TargetField.OrderId)]
    [InlineData("Invoice Number", TargetField.OrderId)]
    [InlineData("Order ID", TargetField.OrderId)]
    [InlineData("Order Number", TargetField.OrderId)]
    [InlineData("Order #", TargetField.OrderId)]
    [InlineData("Receipt Number", TargetField.OrderId)]
    [InlineData("Transaction ID", TargetField.OrderId)]
    [InlineData("InvoiceDate", TargetField.EventTime)]
    [InlineData("Paid at", TargetField.EventTime)]
    [InlineData("Order Date", TargetField.EventTime)]
    [InlineData("Created date (UTC)", TargetField.EventTime)]
    [InlineData("Created (UTC)", TargetField.EventTime)]
    [InlineData("date_paid", TargetField.EventTime)]
    [InlineData("Total Collected", TargetField.Value)]
    [InlineData("Order Total", TargetField.Value)]
    [InlineData("Grand Total", TargetField.Value)]
    [InlineData("CurrencyIsoCode", TargetField.Currency)]
    [InlineData("StockCode", TargetField.ContentIds)]
    [InlineData("Items sold", TargetField.NumItems)]
    [InlineData("CustomerID", TargetField.ExternalId)]
    [InlineData("Loyalty Number", TargetField.ExternalId)]
    [InlineData("Mobile Advertising ID", TargetField.Madid)]
    public void TryDetect_CommerceHeader_FillsItsField(string header, TargetField expected) // #15
    {
        Assert.True(HeaderAutoDetect.TryDetect(header, out var field, out var hashed), header);
        Assert.Equal(expected, field);
        Assert.False(hashed);
    }

    [Theory]
    [InlineData("Device ID")]                 // Shopify POS: the till, not an advertising id
    [InlineData("Device Name")]
    [InlineData("Device Nickname")]
    [InlineData("Phone Model")]
    [InlineData("Phone Type")]
    [InlineData("Email Opt Out")]
    [InlineData("Accepts Email Marketing")]
    [InlineData("Accepts SMS Marketing")]
    [InlineData("Accepts Marketing")]
    [InlineData("Email Verified")]
    [InlineData("Email Marketing Consent")]
    [InlineData("Billing Name")]              // a whole name: neither first nor last
    [InlineData("Shipping Name")]
    [InlineData("Customer Name")]
    [InlineData("Name")]                      // Shopify: the order number #1851
    [InlineData("Billing Address1")]
    [InlineData("Billing Company")]
    [InlineData("Shipping Method")]
    [InlineData("Shipping")]                  // an amount
    [InlineData("Refunded Amount")]
    [InlineData("Amount Refunded")]
    [InlineData("Discount Amount")]
    [InlineData("Net Total")]
    [InlineData("Subtotal")]
    [InlineData("Lineitem price")]
    [InlineData("UnitPrice")]
    [InlineData("Cancelled at")]
    [InlineData("Time Zone")]
    [InlineData("Financial Status")]
    [InlineData("Staff ID")]
    [InlineData("Employee")]
    [InlineData("Location")]
    [InlineData("Customer contacts")]         // Loyverse: e-mail and phone in one cell, for the preset to split
    [InlineData("Customer Reference ID")]
    [InlineData("Payment Type")]
    [InlineData("Card Brand")]
    public void TryDetect_LookAlike_FillsNothing(string header) // #15
    {
        Assert.False(HeaderAutoDetect.TryDetect(header, out var field, out _), $"{header} → {field}");
    }

    private static Dictionary<string, TargetField> Bound(params string[] headers) =>
        BoundMapping.Bind(MappingSpec.Empty, headers, "t.csv").Bindings.ToDictionary(b => b.Header, b => b.Field);

    [Fact]
    public void Bind_BillingAndShippingAddress_BillingWinsShippingUnmapped() // #15
    {
        var m = BoundMapping.Bind(MappingSpec.Empty,
            ["Shipping City", "Shipping Zip", "Billing City", "Billing Zip", "Shipping Country", "Billing Country"], "t.csv");
        Assert.Equal(["Billing City", "Billing Zip", "Billing Country"], m.Bindings.Select(b => b.Header));
        Assert.Equal(["Shipping City", "Shipping Zip", "Shipping Country"], m.Unmapped);
    }

    [Fact]
    public void Bind_OnlyShippingAddress_ShippingFills() // #15
    {
        Assert.Equal(new Dictionary<string, TargetField> { ["Shipping City"] = TargetField.Ct, ["Shipping Zip"] = TargetField.Zp },
            Bound("Shipping City", "Shipping Zip", "Device ID"));
    }

    [Fact]
    public void Bind_SeveralPhonesAndEmails_EveryOneFills() // #15: Snap takes several values of em and ph
    {
        var bound = Bound("Email", "Phone", "Billing Phone", "Shipping Phone", "Billing Email");
        Assert.Equal(5, bound.Count);
        Assert.Equal(3, bound.Values.Count(f => f == TargetField.Ph));
    }

    [Theory]
    [InlineData(new[] { "Created at", "Paid at" }, "Paid at")]
    [InlineData(new[] { "Date", "Order Date" }, "Order Date")]
    [InlineData(new[] { "Time", "Date" }, "Date")]
    [InlineData(new[] { "Created date (UTC)", "Date" }, "Created date (UTC)")]
    public void Bind_SeveralEventTimes_BestRankedWins(string[] headers, string winner) // #15
    {
        var times = Bound(headers).Where(kv => kv.Value == TargetField.EventTime).Select(kv => kv.Key).ToList();
        Assert.Equal([winner], times);
    }

    [Theory]
    [InlineData(new[] { "Price", "Total", "Order Total" }, "Order Total")]
    [InlineData(new[] { "Lineitem price", "Price", "Amount" }, "Amount")]
    [InlineData(new[] { "Payment ID", "Transaction ID" }, "Transaction ID")]
    [InlineData(new[] { "Invoice Number", "Order ID" }, "Order ID")]
    public void Bind_SeveralCandidates_BestRankedWins(string[] headers, string winner) // #15
    {
        Assert.Contains(winner, Bound(headers).Keys);
        Assert.Single(Bound(headers));
    }

    [Fact]
    public void Bind_TwoColumnsOfOneRank_FirstWins()
    {
        Assert.Equal(["Order ID"], Bound("Order ID", "Order Number").Keys);
    }

    [Fact]
    public void Bind_RuleFillsField_AutoDetectLeavesItAlone()
    {
        var spec = new MappingSpec { Columns = [new ColumnRule("Created at", TargetField.EventTime)] };
        var m = BoundMapping.Bind(spec, ["Paid at", "Created at"], "t.csv");
        Assert.Equal(["Created at"], m.Bindings.Where(b => b.Field == TargetField.EventTime).Select(b => b.Header));
        Assert.Equal(["Paid at"], m.Unmapped);
    }

    [Fact]
    public void Bind_SixteenThousandColumns_BindsTheKnownOnesInOrder() // #15: Excel's 16,384 columns
    {
        var headers = Enumerable.Range(0, 16_384).Select(i => i % 1_000 == 7 ? "Phone" : $"Attribute {i}").ToArray();
        headers[16_383] = "Billing Email";
        headers[16_382] = "Shipping City";
        headers[3] = "Billing City";
        var m = BoundMapping.Bind(MappingSpec.Empty, headers, "t.csv");
        Assert.Equal(17, m.Bindings.Count(b => b.Field == TargetField.Ph));
        Assert.Equal(["Billing City"], m.Bindings.Where(b => b.Field == TargetField.Ct).Select(b => b.Header));
        Assert.Equal(16_383, m.Bindings.Single(b => b.Field == TargetField.Em).Ordinal);
        Assert.Equal(16_384 - 19, m.Unmapped.Count);
    }
}
