using System.Collections.Frozen;

namespace Snapconv.Core.Capi;

/// <summary>Active ISO 4217 currency codes (embedded list; spec §4.4).</summary>
public static class CurrencyCodes
{
    // ISO 4217 list one: active codes. Withdrawn ones (ANG, BGN, CUC, HRK, ZWL) are in Withdrawn, valid before their date.
    private const string List =
        "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD " +
        "CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP " +
        "GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW " +
        "KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN " +
        "NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL " +
        "SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES " +
        "VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG";

    public static readonly FrozenSet<string> All =
        List.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> AllIgnoreCase = All.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Codes ISO 4217 withdrew, each with the currency that replaced it and that currency's first day: an event before that
    /// day was made in the old currency and keeps its code; an event from that day on cannot have been (the decision
    /// on currency codes: the current list, the withdrawn ones dropped after their replacement's date).
    /// </summary>
    public static readonly FrozenDictionary<string, WithdrawnCurrency> Withdrawn = new WithdrawnCurrency[]
    {
        new("ANG", "XCG", new DateOnly(2025, 3, 31)),   // the Caribbean guilder (Curaçao, Sint Maarten)
        new("BGN", "EUR", new DateOnly(2026, 1, 1)),    // Bulgaria's euro
        new("CUC", "CUP", new DateOnly(2021, 1, 1)),    // Cuba's monetary unification
        new("HRK", "EUR", new DateOnly(2023, 1, 1)),    // Croatia's euro
        new("ZWL", "ZWG", new DateOnly(2024, 4, 5)),    // Zimbabwe Gold
    }.ToFrozenDictionary(w => w.Code, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// A withdrawn code (<see cref="Withdrawn"/>, any case, trimmed) for an event at <paramref name="eventTimeSeconds"/>: true
    /// with the code when the event is before its replacement's first day; false otherwise, with
    /// <paramref name="withdrawn"/> set when the code was withdrawn before the event (the rejection says by what).
    /// </summary>
    public static bool TryWithdrawnAt(string raw, long eventTimeSeconds, out string code, out WithdrawnCurrency? withdrawn)
    {
        code = "";
        withdrawn = null;
        if (!Withdrawn.TryGetValue(raw.Trim(), out var w)) return false;
        if (DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeSeconds(eventTimeSeconds).UtcDateTime) < w.ReplacedOn)
        {
            code = w.Code;
            return true;
        }
        withdrawn = w;
        return false;
    }

    /// <summary>
    /// The currency of an event at <paramref name="eventTimeSeconds"/>: an active code (<see cref="TryNormalize"/>), or a
    /// withdrawn one before its replacement's first day (<see cref="TryWithdrawnAt"/>) — the one rule the client's checks and
    /// the sandbox's share. False otherwise, <paramref name="withdrawn"/> set when the code was withdrawn before the event.
    /// </summary>
    public static bool TryNormalizeAt(string raw, long eventTimeSeconds, out string code, out WithdrawnCurrency? withdrawn)
    {
        withdrawn = null;
        return TryNormalize(raw, out code) || TryWithdrawnAt(raw, eventTimeSeconds, out code, out withdrawn);
    }

    /// <summary>Trims and upper-cases <paramref name="raw"/>; true when it is an active ISO 4217 code.</summary>
    public static bool TryNormalize(string raw, out string code)
    {
        // Fast path, no allocation: a code in any case, untrimmed input aside; the same cell instance as a row above, no lookup.
        var memo = t_memo ??= new InstanceMemo();
        if (memo.TryGet(raw, out var seen)) { code = seen!; return true; }
        if (AllIgnoreCase.TryGetValue(raw, out var known))
        {
            memo.Put(raw, known);
            code = known;
            return true;
        }
        code = raw.Trim().ToUpperInvariant();
        return All.Contains(code);
    }

    [ThreadStatic] private static InstanceMemo? t_memo;
}

/// <summary>A code ISO 4217 withdrew: <see cref="Replacement"/> took its place on <see cref="ReplacedOn"/>.</summary>
public sealed record WithdrawnCurrency(string Code, string Replacement, DateOnly ReplacedOn)
{
    /// <summary>Why an event from <see cref="ReplacedOn"/> on cannot carry the code (no personal data: a currency).</summary>
    public string Message => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"custom_data.currency '{Code}' was withdrawn from ISO 4217: {Replacement} replaced it on {ReplacedOn:yyyy-MM-dd}, so an event from that day on is in {Replacement}.");
}
