namespace Snapconv.Core.Capi;

/// <summary>
/// One CAPI v3 event as the client sends it (spec §2): identifiers already normalized and hashed,
/// <c>event_time</c> in Unix seconds, <c>action_source</c> always OFFLINE.
/// </summary>
public sealed class CapiEvent
{
    public const string IntegrationName = "snapconv";

    public string EventName { get; set; } = "";
    public long EventTime { get; set; }
    public string ActionSource { get; set; } = ActionSources.Offline;
    public string EventId { get; set; } = "";
    public string? EventTag { get; set; }
    public UserData UserData { get; } = new();
    public CustomData CustomData { get; } = new();
    public string[]? DataProcessingOptions { get; set; }
}

/// <summary>
/// <c>user_data</c>: hashed arrays (up to 10 distinct values) and strings; plain madid, IP, UA and click ids.
/// </summary>
public sealed class UserData
{
    public const int MaxValuesPerKey = 10;

    public List<string>? Em { get; set; }
    public List<string>? Ph { get; set; }
    public List<string>? Fn { get; set; }
    public List<string>? Ln { get; set; }
    public List<string>? Ge { get; set; }
    public List<string>? Ct { get; set; }
    public List<string>? St { get; set; }
    public List<string>? Zp { get; set; }
    public List<string>? Country { get; set; }
    public string? Db { get; set; }
    public string? ExternalId { get; set; }
    public string? Madid { get; set; }
    public string? ClientIpAddress { get; set; }
    public string? ClientUserAgent { get; set; }
    public string? ScClickId { get; set; }
    public string? ScCookie1 { get; set; }
    public string? LeadId { get; set; }

    /// <summary>True when the event has an identifier that counts for offline matching (em, ph or madid).</summary>
    public bool HasMatchKey => Em is { Count: > 0 } || Ph is { Count: > 0 } || Madid is not null;

    /// <summary>Adds <paramref name="value"/> to an array key unless present or the key is full.</summary>
    public static void AddDistinct(ref List<string>? list, string value)
    {
        list ??= new List<string>(1);
        if (list.Count >= MaxValuesPerKey || list.Contains(value)) return;
        list.Add(value);
    }
}

/// <summary><c>custom_data</c>: omitted from the body when every key is empty.</summary>
public sealed class CustomData
{
    public string? Currency { get; set; }
    public decimal? Value { get; set; }
    public string? OrderId { get; set; }
    public string? EventTag { get; set; }
    public List<string>? ContentIds { get; set; }
    public int? NumItems { get; set; }
    public string? ContentCategory { get; set; }

    public bool IsEmpty => Currency is null && Value is null && OrderId is null && EventTag is null
        && ContentIds is null && NumItems is null && ContentCategory is null;
}
