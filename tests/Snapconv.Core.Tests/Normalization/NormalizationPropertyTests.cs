using FsCheck;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Normalization;

namespace Snapconv.Core.Tests.Normalization;

public sealed class NormalizationPropertyTests
{
    // "Today" of the date-of-birth rule: a context that may see a db value carries a clock (#17).
    private static readonly FakeTimeProvider Today = new(new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero));

    private static readonly IdentifierKind[] IdempotentKinds =
    [
        IdentifierKind.Em, IdentifierKind.Fn, IdentifierKind.Ln, IdentifierKind.Ct, IdentifierKind.St,
        IdentifierKind.Zp, IdentifierKind.ExternalId, IdentifierKind.Country, IdentifierKind.Ge, IdentifierKind.Db,
        IdentifierKind.Madid,
    ];

    private static bool Idempotent(IdentifierKind kind, string? raw, NormalizeContext ctx)
    {
        if (raw is null) return true;
        var first = IdentifierNormalizer.Normalize(kind, raw, ctx);
        // A value that still starts with an apostrophe came from two ('') and keeps one as data; read again, that one is
        // the spreadsheet's text marker (#15).
        if (first.Status != NormalizeStatus.Normalized || first.Value!.StartsWith('\'')) return true;
        // A value whose rule makes a placeholder of it (state "N.A." → "na") is no value when read again (#15).
        if (Placeholders.IsPlaceholder(first.Value, kind)) return true;
        var second = IdentifierNormalizer.Normalize(kind, first.Value!, ctx);
        return second.Status == NormalizeStatus.Normalized && second.Value == first.Value;
    }

    [Property(MaxTest = 500)]
    public bool Normalize_NormalizedOutput_IsIdempotent(string? raw, byte kindIndex, bool preserveCase, bool fold)
    {
        var kind = IdempotentKinds[kindIndex % IdempotentKinds.Length];
        var ctx = new NormalizeContext { PreserveCase = preserveCase, FoldCityAccents = fold, Clock = Today };
        return Idempotent(kind, raw, ctx);
    }

    [Property(MaxTest = 300)]
    public bool Email_BuiltAddress_IsIdempotent(NonEmptyString local, NonEmptyString domain, NonEmptyString tld) =>
        Idempotent(IdentifierKind.Em, $"{local.Get}@{domain.Get}.{tld.Get}", NormalizeContext.Default);

    [Property(MaxTest = 300)]
    public bool State_WithCountry_IsIdempotent(string? raw, bool us) =>
        Idempotent(IdentifierKind.St, raw, new NormalizeContext { RowCountry = us ? "us" : "fr" });

    [Property(MaxTest = 300)]
    public bool Zip_WithCountry_IsIdempotent(string? raw, byte country)
    {
        string?[] countries = [null, "us", "br", "gb"];
        return Idempotent(IdentifierKind.Zp, raw, new NormalizeContext { RowCountry = countries[country % countries.Length] });
    }

    [Property(MaxTest = 300)]
    public bool Country_AnyTableName_MapsToItsCodeIdempotently(int row, int field, bool upper)
    {
        var fields = CountryTable.Rows[(int)((uint)row % CountryTable.Rows.Length)].Split('|');
        var name = fields[(int)((uint)field % fields.Length)];
        if (upper) name = name.ToUpperInvariant();
        var r = IdentifierNormalizer.Normalize(IdentifierKind.Country, name, NormalizeContext.Default);
        return r.Status == NormalizeStatus.Normalized && r.Value == fields[0].ToLowerInvariant()
            && Idempotent(IdentifierKind.Country, name, NormalizeContext.Default);
    }

    [Property(MaxTest = 300)]
    public bool HashedKind_AnyHex64_PassesThroughLowerCased(int seed, byte kindIndex, bool column)
    {
        var kind = (IdentifierKind)(kindIndex % ((int)IdentifierKind.ExternalId + 1));
        var random = new Random(seed);
        var chars = new char[64];
        const string Hex = "0123456789abcdefABCDEF";
        for (var i = 0; i < chars.Length; i++) chars[i] = Hex[random.Next(Hex.Length)];
        var raw = new string(chars);
        var r = IdentifierNormalizer.Normalize(kind, raw, new NormalizeContext { AlreadyHashed = column, Clock = Today });
        return r.Status == NormalizeStatus.AlreadyHashed && r.Value == raw.ToLowerInvariant();
    }

    [Property(MaxTest = 500)]
    public bool Normalize_AnyInputAnyKind_NeverThrowsAndIsConsistent(string? raw, byte kindIndex)
    {
        var kinds = Enum.GetValues<IdentifierKind>();
        var kind = kinds[kindIndex % kinds.Length];
        var r = IdentifierNormalizer.Normalize(kind, raw ?? "", new NormalizeContext { DefaultCountry = "US", Clock = Today });
        return r.Status switch
        {
            NormalizeStatus.Empty => r.Value is null && r.Warning is null,
            NormalizeStatus.Normalized => !string.IsNullOrEmpty(r.Value) && r.Warning is null,
            NormalizeStatus.AlreadyHashed => IdentifierKinds.IsHashed(kind) && r.Value!.Length == 64,
            _ => r.Value is null && r.Warning == IdentifierNormalizer.InvalidReason(kind),
        };
    }

    [Property(MaxTest = 300)]
    public bool EventTime_AnySecondsInRange_RoundTrips(uint offset)
    {
        var seconds = 946_684_800L + offset;
        var text = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var iso = DateTimeOffset.FromUnixTimeSeconds(seconds).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        return EventTimeParser.TryParse(text, TimeZoneInfo.Utc, null, out var a) && a == seconds
            && EventTimeParser.TryParse(iso, TimeZoneInfo.Utc, null, out var b) && b == seconds
            && EventTimeParser.TryParse((seconds * 1000 + 999).ToString(System.Globalization.CultureInfo.InvariantCulture), TimeZoneInfo.Utc, null, out var c) && c == seconds;
    }
}

public sealed class UnicodeIdempotencyPropertyTests
{
    // Characters that stress case mapping, composition and cleaning.
    private const string Pool = "aZé\u0301e\u0308İıßΣσςǅǄﬁ\u00A0 \t-.'@\uFEFF\u200B\u200D\uD83D\uDE00\uD800Åå\u212B\u0345Ωω\u2126ŉ0٣";

    [Property(MaxTest = 1000)]
    public bool Normalize_UnicodeHeavyInput_IsIdempotent(int seed, byte length, byte kindIndex)
    {
        IdentifierKind[] kinds = [IdentifierKind.Fn, IdentifierKind.Ct, IdentifierKind.St, IdentifierKind.Zp,
            IdentifierKind.ExternalId, IdentifierKind.Em, IdentifierKind.Country];
        var kind = kinds[kindIndex % kinds.Length];
        var random = new Random(seed);
        var chars = new char[length % 24];
        for (var i = 0; i < chars.Length; i++) chars[i] = Pool[random.Next(Pool.Length)];
        var raw = new string(chars);
        if (kind == IdentifierKind.Em) raw = raw.Replace("@", "") + "@x" + raw.Replace("@", "") + ".de";
        foreach (var fold in new[] { false, true })
        {
            var ctx = new NormalizeContext { FoldCityAccents = fold };
            var first = IdentifierNormalizer.Normalize(kind, raw, ctx);
            if (first.Status != NormalizeStatus.Normalized || first.Value!.StartsWith('\'')
                || Placeholders.IsPlaceholder(first.Value, kind)) continue;  // see NormalizationPropertyTests.Idempotent (#15)
            var second = IdentifierNormalizer.Normalize(kind, first.Value!, ctx);
            if (second.Status != NormalizeStatus.Normalized || second.Value != first.Value) return false;
        }
        return true;
    }
}
