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
    // event_tag is custom_data's (CustomData.EventTag): the event has none of its own.
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

    public List<string>? Fn { get => _rare?.Fn; set { if (value is not null || _rare is not null) Rare.Fn = value; } }
    public List<string>? Ln { get => _rare?.Ln; set { if (value is not null || _rare is not null) Rare.Ln = value; } }
    public List<string>? Ge { get => _rare?.Ge; set { if (value is not null || _rare is not null) Rare.Ge = value; } }
    public List<string>? Ct { get => _rare?.Ct; set { if (value is not null || _rare is not null) Rare.Ct = value; } }
    public List<string>? St { get => _rare?.St; set { if (value is not null || _rare is not null) Rare.St = value; } }
    public List<string>? Zp { get => _rare?.Zp; set { if (value is not null || _rare is not null) Rare.Zp = value; } }
    public List<string>? Country { get => _rare?.Country; set { if (value is not null || _rare is not null) Rare.Country = value; } }
    public string? Db { get => _rare?.Db; set { if (value is not null || _rare is not null) Rare.Db = value; } }
    public string? ExternalId { get => _rare?.ExternalId; set { if (value is not null || _rare is not null) Rare.ExternalId = value; } }
    public string? Madid { get; set; }
    public string? ClientIpAddress { get => _rare?.ClientIpAddress; set { if (value is not null || _rare is not null) Rare.ClientIpAddress = value; } }
    public string? ClientUserAgent { get => _rare?.ClientUserAgent; set { if (value is not null || _rare is not null) Rare.ClientUserAgent = value; } }
    public string? ScClickId { get => _rare?.ScClickId; set { if (value is not null || _rare is not null) Rare.ScClickId = value; } }
    public string? ScCookie1 { get => _rare?.ScCookie1; set { if (value is not null || _rare is not null) Rare.ScCookie1 = value; } }
    public string? LeadId { get => _rare?.LeadId; set { if (value is not null || _rare is not null) Rare.LeadId = value; } }

    // The keys a typical export leaves empty live in a second object made on the first value: an event with only an
    // e-mail and a phone carries 14 fewer fields (the property API is unchanged).
    private RareKeys? _rare;
    private RareKeys Rare => _rare ??= new RareKeys();

    /// <summary>False when every key but em, ph and madid is empty (cheap: no per-key checks).</summary>
    internal bool HasRareKeys => _rare is not null;

    private sealed class RareKeys
    {
        public List<string>? Fn;
        public List<string>? Ln;
        public List<string>? Ge;
        public List<string>? Ct;
        public List<string>? St;
        public List<string>? Zp;
        public List<string>? Country;
        public string? Db;
        public string? ExternalId;
        public string? ClientIpAddress;
        public string? ClientUserAgent;
        public string? ScClickId;
        public string? ScCookie1;
        public string? LeadId;
    }

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

    /// <summary>
    /// The digest of Em (<paramref name="em"/>) or Ph while that key holds only it, for a writer that can write hex
    /// itself (no list or string made); false once the list exists.
    /// </summary>
    internal bool TryGetOnlyDigest(bool em, out ReadOnlySpan<byte> digest)
    {
        if ((Volatile.Read(ref _pending) & (em ? PendingEm : PendingPh)) == 0)
        {
            digest = default;
            return false;
        }
        digest = em ? (ReadOnlySpan<byte>)_emDigest : _phDigest;
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
    public string? EventTag { get => _rare?.EventTag; set { if (value is not null || _rare is not null) Rare.EventTag = value; } }
    public List<string>? ContentIds { get => _rare?.ContentIds; set { if (value is not null || _rare is not null) Rare.ContentIds = value; } }
    public int? NumItems { get => _rare?.NumItems; set { if (value is not null || _rare is not null) Rare.NumItems = value; } }
    public string? ContentCategory { get => _rare?.ContentCategory; set { if (value is not null || _rare is not null) Rare.ContentCategory = value; } }

    // As in UserData: the keys most exports leave empty live in a second object made on the first value.
    private RareKeys? _rare;
    private RareKeys Rare => _rare ??= new RareKeys();

    private sealed class RareKeys
    {
        public string? EventTag;
        public List<string>? ContentIds;
        public int? NumItems;
        public string? ContentCategory;
    }

    public bool IsEmpty => Currency is null && Value is null && OrderId is null
        && (_rare is null || (EventTag is null && ContentIds is null && NumItems is null && ContentCategory is null));
}

/// <summary>A SHA-256 digest held inline (no array).</summary>
[System.Runtime.CompilerServices.InlineArray(32)]
internal struct Sha256Digest
{
    private byte _first;
}
