namespace Snapconv.Core.Mapping;

/// <summary>
/// Recognises common column names (case, spaces, hyphens and underscores ignored) when no mapping
/// names a column. A header that starts with <c>hashed_</c> or <c>sha256_</c> is marked already hashed.
/// </summary>
public static class HeaderAutoDetect
{
    private static readonly Dictionary<string, TargetField> Known = Build();

    private static Dictionary<string, TargetField> Build()
    {
        var d = new Dictionary<string, TargetField>(StringComparer.Ordinal);
        void Add(TargetField f, params string[] names) { foreach (var n in names) d[Key(n)] = f; }
        Add(TargetField.Em, "em", "email", "e-mail", "email_address", "emailaddress", "mail", "customer_email",
            "hashed_email", "sha256_email", "email_sha256", "user_email");
        Add(TargetField.Ph, "ph", "phone", "phone_number", "phonenumber", "mobile", "mobile_phone", "mobile_number",
            "cell", "cell_phone", "telephone", "tel", "hashed_phone", "hashed_phone_number", "sha256_phone",
            "customer_phone");
        Add(TargetField.Fn, "fn", "first_name", "firstname", "fname", "given_name", "forename");
        Add(TargetField.Ln, "ln", "last_name", "lastname", "lname", "surname", "family_name");
        Add(TargetField.Ct, "ct", "city", "town");
        Add(TargetField.St, "st", "state", "region", "province", "state_province", "county");
        Add(TargetField.Zp, "zp", "zip", "zipcode", "zip_code", "postal_code", "postalcode", "postcode", "post_code");
        Add(TargetField.Country, "country", "country_code", "countrycode");
        Add(TargetField.Ge, "ge", "gender", "sex");
        Add(TargetField.Db, "db", "dob", "date_of_birth", "birth_date", "birthdate", "birthday");
        Add(TargetField.Madid, "madid", "maid", "idfa", "gaid", "aaid", "mobile_ad_id", "advertising_id", "device_id");
        Add(TargetField.ExternalId, "external_id", "externalid", "customer_id", "customerid", "client_id",
            "user_id", "member_id", "loyalty_id", "crm_id");
        Add(TargetField.ClientIpAddress, "ip", "ip_address", "client_ip", "client_ip_address");
        Add(TargetField.ClientUserAgent, "user_agent", "useragent", "ua", "client_user_agent");
        Add(TargetField.ScClickId, "sc_click_id", "click_id", "scclid", "sccid");
        Add(TargetField.ScCookie1, "sc_cookie1");
        Add(TargetField.LeadId, "lead_id");
        Add(TargetField.EventName, "event_name", "event_type", "event", "conversion_type", "eventname");
        Add(TargetField.EventTime, "event_time", "timestamp", "time", "date", "datetime", "transaction_date",
            "transaction_time", "order_date", "purchase_date", "created_at", "event_date", "conversion_time",
            "sale_date");
        Add(TargetField.Value, "value", "amount", "revenue", "total", "order_total", "price", "sale_amount",
            "purchase_value", "total_amount");
        Add(TargetField.Currency, "currency", "currency_code", "cur");
        Add(TargetField.OrderId, "order_id", "orderid", "transaction_id", "transactionid", "txn_id", "invoice_id",
            "receipt_id", "order_number");
        Add(TargetField.EventId, "event_id", "eventid", "dedup_id");
        Add(TargetField.ClientDedupId, "client_dedup_id");
        Add(TargetField.ActionSource, "action_source", "channel_source");
        Add(TargetField.ContentIds, "item_ids", "sku", "skus", "content_ids", "product_ids", "product_id", "item_id");
        Add(TargetField.NumItems, "number_items", "num_items", "quantity", "qty", "items");
        Add(TargetField.ContentCategory, "content_category", "category", "product_category");
        Add(TargetField.EventTag, "event_tag", "channel", "store_type");
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
    public static bool TryDetect(string header, out TargetField field, out bool alreadyHashed)
    {
        var key = Key(header);
        alreadyHashed = key.StartsWith("hashed", StringComparison.Ordinal) || key.StartsWith("sha256", StringComparison.Ordinal)
            || key.EndsWith("sha256", StringComparison.Ordinal);
        return Known.TryGetValue(key, out field);
    }
}
