namespace Snapconv.Core.Mapping;

/// <summary>
/// Recognises common column names (case, spaces, hyphens and underscores ignored) when no mapping
/// names a column. A header that starts with <c>hashed_</c> or <c>sha256_</c> is marked already hashed.
/// </summary>
/// <remarks>
/// Names match whole, never by a part: <c>Device ID</c> (a point-of-sale device), <c>Phone Model</c>,
/// <c>Email Opt Out</c> and <c>Accepts Email Marketing</c> fill nothing. Each name has a rank (<see cref="Rank"/>):
/// when several columns could fill one field, the lowest rank wins — billing before shipping, a paid date before a
/// created date, an order total before a unit price (see <c>docs/mapping.md</c>).
/// </remarks>
public static class HeaderAutoDetect
{
    /// <summary>Rank of an address column with no prefix, or a customer's own (<c>City</c>, <c>Customer City</c>).</summary>
    public const int PlainRank = 0;
    /// <summary>Rank of a billing or mailing address column: used before the shipping address.</summary>
    public const int BillingRank = 1;
    /// <summary>Rank of a shipping address column: used when the file has no billing or plain column for the field.</summary>
    public const int ShippingRank = 2;

    private static readonly Dictionary<string, (TargetField Field, int Rank)> Known = Build();

    private static Dictionary<string, (TargetField, int)> Build()
    {
        var d = new Dictionary<string, (TargetField, int)>(StringComparer.Ordinal);
        void Add(TargetField f, int rank, params string[] names)
        {
            foreach (var n in names)
            {
                // One name, one meaning: a second registration with another would silently change what a column fills.
                if (d.TryGetValue(Key(n), out var known) && known != (f, rank))
                    throw new InvalidOperationException($"header name '{n}' is registered as {known.Item1} and as {f}");
                d[Key(n)] = (f, rank);
            }
        }
        // The customer's contact and address columns under the prefixes commerce exports use: billing (and a CRM's
        // mailing address) before shipping; a customer's or contact's own as plain.
        void AddAddress(TargetField f, params string[] names)
        {
            foreach (var n in names)
            {
                Add(f, PlainRank, "customer_" + n, "contact_" + n, "buyer_" + n, "default_address_" + n);
                Add(f, BillingRank, "billing_" + n, "bill_to_" + n, "mailing_" + n);
                Add(f, ShippingRank, "shipping_" + n, "ship_to_" + n);
            }
        }

        Add(TargetField.Em, 0, "em", "email", "e-mail", "email_address", "mail", "user_email", "primary_email",
            "hashed_email", "sha256_email", "email_sha256", "purchaser_email", "work_email", "personal_email");
        Add(TargetField.Em, 1, "secondary_email", "other_email", "email_2", "alternate_email");
        AddAddress(TargetField.Em, "email", "email_address");
        Add(TargetField.Ph, 0, "ph", "phone", "phone_number", "mobile", "mobile_phone", "mobile_number", "mobile_phone_number",
            "cell", "cell_phone", "cell_phone_number", "telephone", "telephone_number", "tel", "hashed_phone", "hashed_phone_number",
            "sha256_phone", "contact_number", "whatsapp_phone_number", "primary_phone");
        Add(TargetField.Ph, 1, "home_phone", "work_phone", "business_phone", "other_phone", "phone_2", "secondary_phone");
        AddAddress(TargetField.Ph, "phone", "phone_number", "mobile", "mobile_phone", "telephone");
        Add(TargetField.Fn, 0, "fn", "first_name", "firstname", "fname", "given_name", "forename");
        AddAddress(TargetField.Fn, "first_name", "given_name");
        Add(TargetField.Ln, 0, "ln", "last_name", "lastname", "lname", "surname", "family_name");
        AddAddress(TargetField.Ln, "last_name", "surname", "family_name");
        Add(TargetField.Ct, 0, "ct", "city", "town", "city_town", "town_city");
        AddAddress(TargetField.Ct, "city", "town");
        Add(TargetField.St, 0, "st", "state", "region", "province", "state_province", "county", "state_code", "province_code",
            "state_or_province", "state_region");
        AddAddress(TargetField.St, "state", "province", "province_code", "province_name", "state_province", "state_code", "region");
        Add(TargetField.Zp, 0, "zp", "zip", "zipcode", "zip_code", "postal_code", "postalcode", "postcode", "post_code",
            "zip_postal_code", "postal_zip_code", "zip_postcode");
        AddAddress(TargetField.Zp, "zip", "zip_code", "postal_code", "postcode", "zip_postal_code");
        Add(TargetField.Country, 0, "country", "country_code", "countrycode", "country_region", "country_name");
        AddAddress(TargetField.Country, "country", "country_code");
        Add(TargetField.Ge, 0, "ge", "gender", "sex");
        Add(TargetField.Db, 0, "db", "dob", "date_of_birth", "birth_date", "birthdate", "birthday");
        // Not "device_id": in point-of-sale exports (Shopify POS) it is the till, not the shopper's advertising id.
        Add(TargetField.Madid, 0, "madid", "maid", "idfa", "gaid", "aaid", "mobile_ad_id", "advertising_id", "mobile_advertising_id");
        Add(TargetField.ExternalId, 0, "external_id", "externalid", "customer_id", "client_id", "user_id", "member_id",
            "loyalty_id", "crm_id", "customer_number", "loyalty_number", "member_number", "loyalty_card_number");
        Add(TargetField.ClientIpAddress, 0, "ip", "ip_address", "client_ip", "client_ip_address", "customer_ip_address");
        Add(TargetField.ClientUserAgent, 0, "user_agent", "useragent", "ua", "client_user_agent", "customer_user_agent");
        Add(TargetField.ScClickId, 0, "sc_click_id", "click_id", "scclid", "sccid");
        Add(TargetField.ScCookie1, 0, "sc_cookie1");
        Add(TargetField.LeadId, 0, "lead_id");
        Add(TargetField.EventName, 0, "event_name", "event_type", "event", "conversion_type", "eventname");
        // When the money changed hands first; then when the order or invoice was made; then when the record was made or
        // a bare date (equals: the first column wins); a bare time column alone is no event time, so it comes last.
        Add(TargetField.EventTime, 0, "event_time", "conversion_time", "paid_at", "date_paid", "paid_date", "payment_date",
            "payment_time");
        Add(TargetField.EventTime, 1, "transaction_date", "transaction_time", "order_date", "order_date_time", "purchase_date",
            "event_date", "sale_date", "invoice_date", "receipt_date", "order_placed", "processed_at", "completed_at");
        Add(TargetField.EventTime, 2, "created_at", "date_created", "created_date", "created", "created_date_utc", "created_utc",
            "order_created_at");
        Add(TargetField.EventTime, 2, "timestamp", "date", "datetime");
        Add(TargetField.EventTime, 3, "time");
        // What the customer paid for the order before its parts; a unit price only when nothing better is there.
        Add(TargetField.Value, 0, "value", "order_total", "total_collected", "grand_total", "invoice_total", "total_amount",
            "sale_amount", "purchase_value", "order_amount", "transaction_amount", "payment_amount", "total_paid",
            "conversion_value", "order_value");
        Add(TargetField.Value, 1, "total", "amount", "revenue", "total_price", "sale_total");
        Add(TargetField.Value, 2, "price");
        Add(TargetField.Currency, 0, "currency", "currency_code", "cur", "currencyisocode", "order_currency", "payment_currency");
        Add(TargetField.OrderId, 0, "order_id", "orderid", "order_number", "order_no", "order_ref", "order_reference");
        Add(TargetField.OrderId, 1, "transaction_id", "transactionid", "txn_id", "invoice_id", "invoice_no", "invoice_number",
            "invoice", "receipt_id", "receipt_number", "receipt_no", "sales_order", "sales_order_number", "order");
        Add(TargetField.OrderId, 2, "payment_id", "charge_id");
        Add(TargetField.EventId, 0, "event_id", "eventid", "dedup_id");
        Add(TargetField.ClientDedupId, 0, "client_dedup_id");
        Add(TargetField.ActionSource, 0, "action_source", "channel_source");
        Add(TargetField.ContentIds, 0, "item_ids", "sku", "skus", "content_ids", "product_ids", "product_id", "item_id",
            "stock_code", "product_code", "item_code", "item_sku", "product_sku", "variant_sku");
        Add(TargetField.NumItems, 0, "number_items", "num_items", "quantity", "qty", "items", "items_sold", "item_count",
            "number_of_items", "total_quantity");
        Add(TargetField.ContentCategory, 0, "content_category", "category", "product_category");
        Add(TargetField.EventTag, 0, "event_tag", "channel", "store_type");
        return d;
    }

    /// <summary>The comparison key: lower-case letters and digits only.</summary>
    public static string Key(string header)
    {
        Span<char> buf = stackalloc char[Math.Min(header.Length, 128)];
        var n = 0;
        foreach (var c in header)
        {
            if (n == buf.Length) break;
            if (char.IsLetterOrDigit(c)) buf[n++] = char.ToLowerInvariant(c);
        }
        return new string(buf[..n]);
    }

    /// <summary>The field a header names, if it is a common name.</summary>
    public static bool TryDetect(string header, out TargetField field, out bool alreadyHashed) =>
        TryDetect(header, out field, out alreadyHashed, out _);

    /// <summary>
    /// The field a header names, if it is a common name, and its <paramref name="rank"/>: of several columns that
    /// could fill one field, the lowest rank wins (<see cref="PlainRank"/>, <see cref="BillingRank"/>, <see cref="ShippingRank"/>
    /// for address columns; paid before ordered before created for event times).
    /// </summary>
    public static bool TryDetect(string header, out TargetField field, out bool alreadyHashed, out int rank)
    {
        var key = Key(header);
        alreadyHashed = key.StartsWith("hashed", StringComparison.Ordinal) || key.StartsWith("sha256", StringComparison.Ordinal)
            || key.EndsWith("sha256", StringComparison.Ordinal);
        if (Known.TryGetValue(key, out var known))
        {
            (field, rank) = known;
            return true;
        }
        (field, rank) = (TargetField.Ignore, 0);
        return false;
    }
}
