using Snapconv.Core.Normalization;

namespace Snapconv.Core.Mapping;

/// <summary>What a source column (or a constant) fills in the CAPI event.</summary>
public enum TargetField
{
    Ignore,
    // user_data, in IdentifierKind order
    Em, Ph, Fn, Ln, Ge, Ct, St, Zp, Country, Db, ExternalId,
    Madid, ClientIpAddress, ClientUserAgent, ScClickId, ScCookie1, LeadId,
    // event
    EventName, EventTime, ActionSource, EventId, ClientDedupId,
    // custom_data
    Value, Currency, OrderId, EventTag, ContentIds, NumItems, ContentCategory,
    // composite: a full name ("Ann Lee") gives fn (its first word) and ln (its last word)
    FullName,
}

public static class TargetFields
{
    /// <summary>The field's name in mapping files (the CAPI key, snake_case).</summary>
    public static string Name(TargetField f) => f switch
    {
        TargetField.Ignore => "ignore",
        TargetField.EventName => "event_name",
        TargetField.EventTime => "event_time",
        TargetField.ActionSource => "action_source",
        TargetField.EventId => "event_id",
        TargetField.ClientDedupId => "client_dedup_id",
        TargetField.Value => "value",
        TargetField.Currency => "currency",
        TargetField.OrderId => "order_id",
        TargetField.EventTag => "event_tag",
        TargetField.ContentIds => "content_ids",
        TargetField.NumItems => "num_items",
        TargetField.ContentCategory => "content_category",
        TargetField.FullName => "full_name",
        _ => IdentifierKinds.JsonKey(ToIdentifier(f)!.Value),
    };

    /// <summary>The user_data key this field fills, or null for event/custom_data fields.</summary>
    public static IdentifierKind? ToIdentifier(TargetField f) =>
        f is >= TargetField.Em and <= TargetField.LeadId ? (IdentifierKind)(f - TargetField.Em) : null;

    private static readonly Dictionary<string, TargetField> ByName = BuildByName();

    private static Dictionary<string, TargetField> BuildByName()
    {
        var d = new Dictionary<string, TargetField>(StringComparer.OrdinalIgnoreCase);
        foreach (var f in Enum.GetValues<TargetField>()) d[Name(f)] = f;
        // Accepted synonyms in mapping files.
        d["transaction_id"] = TargetField.OrderId;
        d["item_ids"] = TargetField.ContentIds;
        d["number_items"] = TargetField.NumItems;
        d["email"] = TargetField.Em;
        d["phone"] = TargetField.Ph;
        d["first_name"] = TargetField.Fn;
        d["last_name"] = TargetField.Ln;
        d["gender"] = TargetField.Ge;
        d["city"] = TargetField.Ct;
        d["state"] = TargetField.St;
        d["zip"] = TargetField.Zp;
        d["dob"] = TargetField.Db;
        d["ip"] = TargetField.ClientIpAddress;
        d["user_agent"] = TargetField.ClientUserAgent;
        d["mobile_ad_id"] = TargetField.Madid;
        return d;
    }

    public static bool TryParse(string name, out TargetField field) => ByName.TryGetValue(name.Trim(), out field);

    /// <summary>All names a mapping file accepts, for error messages.</summary>
    public static IEnumerable<string> KnownNames => ByName.Keys.Order(StringComparer.Ordinal);
}
