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

    // An event's first e-mail and phone are kept as their SHA-256 digest (TrySetFirstDigest) until Em or Ph is read:
    // a validate run reads neither, so the common row makes no 64-character hex string and no list for them.
    // Reading one makes the list of exactly the hex it would have held; the digest is always its first value.
    private List<string>? _em;
    private List<string>? _ph;
    private Sha256Digest _emDigest;
    private Sha256Digest _phDigest;
    private int _pending;  // PendingEm | PendingPh: that list is still only its digest (then the list field is null)
    private const int PendingEm = 1, PendingPh = 2;

    public List<string>? Em
    {
        get => (Volatile.Read(ref _pending) & PendingEm) != 0 ? Materialize(ref _em, ref _emDigest, PendingEm) : _em;
        set { _em = value; Interlocked.And(ref _pending, ~PendingEm); }
    }

    public List<string>? Ph
    {
        get => (Volatile.Read(ref _pending) & PendingPh) != 0 ? Materialize(ref _ph, ref _phDigest, PendingPh) : _ph;
        set { _ph = value; Interlocked.And(ref _pending, ~PendingPh); }
    }

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
    public bool HasMatchKey => HasEm || HasPh || Madid is not null;

    /// <summary>Em has a value (without making its list).</summary>
    internal bool HasEm => (_pending & PendingEm) != 0 || _em is { Count: > 0 };

    /// <summary>Ph has a value (without making its list).</summary>
    internal bool HasPh => (_pending & PendingPh) != 0 || _ph is { Count: > 0 };

    /// <summary>
    /// Makes <paramref name="digest"/> (a SHA-256) the first value of <paramref name="em"/> ? Em : Ph, kept as bytes until
    /// read. False, and nothing done, when that key already has a value: the caller adds the hex as usual.
    /// </summary>
    internal bool TrySetFirstDigest(bool em, ReadOnlySpan<byte> digest)
    {
        var flag = em ? PendingEm : PendingPh;
        if ((_pending & flag) != 0 || (em ? _em : _ph) is not null) return false;
        if (em) digest.CopyTo(_emDigest);
        else digest.CopyTo(_phDigest);
        _pending |= flag;  // built on one thread; readers on others see it after the hand-off
        return true;
    }

    private List<string> Materialize(ref List<string>? list, ref Sha256Digest digest, int flag)
    {
        // Idempotent if two threads read at once: one list wins, the flag is cleared after it is in place.
        Interlocked.CompareExchange(ref list, new List<string>(1) { Convert.ToHexStringLower(digest) }, null);
        Interlocked.And(ref _pending, ~flag);
        return list!;
    }

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

/// <summary>A SHA-256 digest held inline (no array).</summary>
[System.Runtime.CompilerServices.InlineArray(32)]
internal struct Sha256Digest
{
    private byte _first;
}
