using Snapconv.Core.Capi;
using Snapconv.Core.Hashing;

namespace Snapconv.Core.Normalization;

/// <summary>
/// Normalizes one <c>user_data</c> value by the rules of spec §3. Every value is first cleaned (NFC,
/// Unicode format characters such as BOM and zero-width space removed, trimmed, a spreadsheet's leading
/// apostrophe removed); nothing left, or a placeholder such as <c>-</c> or <c>N/A</c> (<see cref="Placeholders"/>) →
/// <see cref="NormalizeStatus.Empty"/>. For a hashed kind (<see cref="IdentifierKinds.IsHashed"/>), 64 hex
/// characters in any case → <see cref="NormalizeStatus.AlreadyHashed"/> lower-cased; with
/// <see cref="NormalizeContext.AlreadyHashed"/> anything else is invalid; a 32-hex (MD5) value is invalid in
/// <c>em</c> and <c>ph</c> and an ordinary id in <c>external_id</c>. Otherwise the per-field normalizer gives
/// <see cref="NormalizeStatus.Normalized"/> plain text (the caller hashes hashed kinds) or
/// <see cref="NormalizeStatus.Invalid"/> with <see cref="Reason.InvalidEmail"/> (em),
/// <see cref="Reason.InvalidPhone"/> (ph) or <see cref="Reason.InvalidUserDataField"/>. Plain kinds
/// (madid, IP, UA, click id, cookie, lead id) never return AlreadyHashed and ignore
/// <see cref="NormalizeContext.AlreadyHashed"/>. Thread-safe; never throws for any input string.
/// </summary>
public static class IdentifierNormalizer
{
    /// <summary>Normalizes <paramref name="raw"/> as a value of <paramref name="kind"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not a defined kind.</exception>
    public static NormalizeResult Normalize(IdentifierKind kind, string raw, NormalizeContext ctx)
    {
        if (string.IsNullOrEmpty(raw)) return NormalizeResult.Empty;
        var cleaned = TextCleaner.Clean(raw);
        if (cleaned.Length == 0 || Placeholders.IsPlaceholder(cleaned, kind)) return NormalizeResult.Empty;

        if (IdentifierKinds.IsHashed(kind))
        {
            if (Sha256Hex.IsHex64(cleaned)) return NormalizeResult.Hashed(Sha256Hex.LowerHex(cleaned));
            if (ctx.AlreadyHashed) return NormalizeResult.Invalid(InvalidReason(kind));
            if (kind is IdentifierKind.Em or IdentifierKind.Ph && IsHex32(cleaned))
                return NormalizeResult.Invalid(InvalidReason(kind));
        }

        return kind switch
        {
            IdentifierKind.Em => EmailNormalizer.Normalize(cleaned),
            IdentifierKind.Ph => PhoneNormalizer.Normalize(cleaned, ctx),
            IdentifierKind.Fn or IdentifierKind.Ln => NameNormalizer.Normalize(cleaned),
            IdentifierKind.Ge => GenderNormalizer.Normalize(cleaned),
            IdentifierKind.Ct => CityNormalizer.Normalize(cleaned, ctx),
            IdentifierKind.St => StateNormalizer.Normalize(cleaned, ctx),
            IdentifierKind.Zp => ZipNormalizer.Normalize(cleaned, ctx),
            IdentifierKind.Country => CountryNormalizer.Normalize(cleaned),
            IdentifierKind.Db => DateOfBirthNormalizer.Normalize(cleaned, ctx),
            IdentifierKind.ExternalId => ExternalIdNormalizer.Normalize(cleaned, ctx),
            IdentifierKind.Madid => MadidNormalizer.Normalize(cleaned),
            IdentifierKind.ClientIpAddress or IdentifierKind.ClientUserAgent or IdentifierKind.ScClickId
                or IdentifierKind.ScCookie1 or IdentifierKind.LeadId => PlainValueNormalizer.Normalize(kind, cleaned),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    /// <summary>The warning a dropped value of <paramref name="kind"/> carries.</summary>
    public static Reason InvalidReason(IdentifierKind kind) => kind switch
    {
        IdentifierKind.Em => Reason.InvalidEmail,
        IdentifierKind.Ph => Reason.InvalidPhone,
        _ => Reason.InvalidUserDataField,
    };

    private static bool IsHex32(ReadOnlySpan<char> s)
    {
        if (s.Length != 32) return false;
        foreach (var c in s)
            if (!char.IsAsciiHexDigit(c)) return false;
        return true;
    }
}
