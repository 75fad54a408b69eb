namespace Snapconv.Core.Normalization;

/// <summary>The <c>user_data</c> keys snapconv fills (spec §2).</summary>
public enum IdentifierKind
{
    Em, Ph, Fn, Ln, Ge, Ct, St, Zp, Country, Db, ExternalId,
    Madid, ClientIpAddress, ClientUserAgent, ScClickId, ScCookie1, LeadId,
}

public static class IdentifierKinds
{
    /// <summary>True for the keys sent as SHA-256 hex (em, ph, fn, ln, ge, ct, st, zp, country, db, external_id).</summary>
    public static bool IsHashed(IdentifierKind kind) => kind <= IdentifierKind.ExternalId;

    /// <summary>The JSON key of <paramref name="kind"/> in <c>user_data</c>.</summary>
    public static string JsonKey(IdentifierKind kind) => kind switch
    {
        IdentifierKind.Em => "em", IdentifierKind.Ph => "ph", IdentifierKind.Fn => "fn", IdentifierKind.Ln => "ln",
        IdentifierKind.Ge => "ge", IdentifierKind.Ct => "ct", IdentifierKind.St => "st", IdentifierKind.Zp => "zp",
        IdentifierKind.Country => "country", IdentifierKind.Db => "db", IdentifierKind.ExternalId => "external_id",
        IdentifierKind.Madid => "madid", IdentifierKind.ClientIpAddress => "client_ip_address",
        IdentifierKind.ClientUserAgent => "client_user_agent", IdentifierKind.ScClickId => "sc_click_id",
        IdentifierKind.ScCookie1 => "sc_cookie1", IdentifierKind.LeadId => "lead_id",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
