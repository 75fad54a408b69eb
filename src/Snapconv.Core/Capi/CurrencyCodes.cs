using System.Collections.Frozen;

namespace Snapconv.Core.Capi;

/// <summary>Active ISO 4217 currency codes (embedded list; spec §4.4).</summary>
public static class CurrencyCodes
{
    private const string List =
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD " +
        "CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP " +
        "GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW " +
        "KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN " +
        "NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL " +
        "SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES " +
        "VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG ZWL";

    public static readonly FrozenSet<string> All =
        List.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> AllIgnoreCase = All.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

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
