using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using PhoneNumbers;

namespace Snapconv.Core.Normalization;

/// <summary>
/// Decides the common phone shapes without libphonenumber's <c>Parse</c> (≈ 1–2 µs and several regexes a
/// call), using libphonenumber's own metadata so the answer is the one <c>Parse</c> +
/// <c>IsPossibleNumberWithReason</c> + E.164 would give. It only takes inputs made of ASCII digits and the
/// separators <c>space - . ( ) /</c> with at most a leading <c>+</c>, and it declines (returns false) at
/// every step where <c>Parse</c> would do something region-specific: an international dialling prefix
/// (<c>011</c> in the US), the region's own country code at the start of a national number, or a national
/// prefix (<c>1</c> in the US, <c>0</c> in the UK) that <c>Parse</c> might strip. What is left is pure
/// digit arithmetic plus the possible-length table: split off the calling code, check the national
/// significant number's length, emit <c>cc + nsn</c>. A property test compares it with libphonenumber.
/// </summary>
internal static class PhoneFastPath
{
    private const int MinNsnLength = 2;
    private const int MaxNsnLength = 17;
    private const int MaxDigits = 24;
    private const string NonGeographicRegion = "001";

    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();
    private static readonly ConcurrentDictionary<string, RegionRules?> ByRegion = new(StringComparer.Ordinal);
    // By calling code, built on the code's first number rather than all ≈ 240 at start-up: a region's rules compile up to
    // two regexes, and a run sees a few calling codes (start-up of a run with a phone column: 0.38 → 0.32 CPU-s).
    private static readonly RegionRules?[] ByCallingCode = new RegionRules?[1000];
    private static readonly bool[] CallingCodeBuilt = new bool[1000];

    /// <summary>
    /// True when decided: <paramref name="e164Digits"/> is the E.164 number without <c>+</c>, or null
    /// when the number is not possible. False: use libphonenumber.
    /// </summary>
    /// <param name="text">Trimmed input; <c>00</c> international forms already rewritten to <c>+</c>.</param>
    /// <param name="region">Upper-case region for a national number; ignored when the text starts with <c>+</c>.</param>
    public static bool TryNormalize(string text, string? region, out string? e164Digits)
    {
        Span<char> e164 = stackalloc char[MaxE164Length];
        var decided = TryNormalizeInto(text, region, e164, out var length);
        e164Digits = decided && length >= 0 ? new string(e164[..length]) : null;
        return decided;
    }

    /// <summary>The longest E.164 digit string <see cref="TryNormalizeInto"/> writes (calling code + national number).</summary>
    public const int MaxE164Length = 3 + MaxNsnLength;

    /// <summary>
    /// <see cref="TryNormalize"/> into <paramref name="e164"/> (at least <see cref="MaxE164Length"/> characters), without
    /// making the string: when decided, <paramref name="length"/> is the digits written, or -1 when the number is not possible.
    /// </summary>
    public static bool TryNormalizeInto(string text, string? region, Span<char> e164, out int length)
    {
        length = -1;
        Span<char> digits = stackalloc char[MaxDigits];
        var count = 0;
        var plus = text.Length > 0 && text[0] == '+';
        var end = NumberEnd(text);
        for (var i = plus ? 1 : 0; i < end; i++)
        {
            var c = text[i];
            if (char.IsAsciiDigit(c))
            {
                if (count == MaxDigits) return false;
                digits[count++] = c;
            }
            else if (c is not (' ' or '-' or '.' or '(' or ')' or '/'))
            {
                return false;
            }
        }
        // Fewer than three digits is libphonenumber's "not a number" / "too short" territory: let it say so.
        if (count < 3) return false;
        var number = digits[..count];
        return plus ? International(number, e164, out length) : National(number, region, e164, out length);
    }

    /// <summary>
    /// Where the number ends: before a trailing extension written <c>x123</c> / <c> X 123</c> (an <c>x</c>,
    /// optional spaces, 1–9 digits to the end — the only extension shape taken here; libphonenumber drops it
    /// as long as three digits precede it), else the whole text.
    /// </summary>
    private static int NumberEnd(string text)
    {
        var x = text.LastIndexOfAny(ExtensionMarks);
        if (x < 0) return text.Length;
        var i = x + 1;
        while (i < text.Length && text[i] == ' ') i++;
        var digitsStart = i;
        while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        var extensionDigits = i - digitsStart;
        if (i != text.Length || extensionDigits is < 1 or > 9) return text.Length; // not this shape: the x makes the scan decline
        var numberEnd = x;
        while (numberEnd > 0 && text[numberEnd - 1] == ' ') numberEnd--;
        var before = 0;
        for (var j = 0; j < numberEnd; j++) if (char.IsAsciiDigit(text[j])) before++;
        return before >= 3 ? numberEnd : text.Length;
    }

    private static readonly char[] ExtensionMarks = ['x', 'X'];

    private static bool International(ReadOnlySpan<char> digits, Span<char> e164, out int length)
    {
        length = -1;
        if (digits[0] == '0') return false;
        RegionRules? rules = null;
        var ccLength = 0;
        var cc = 0;
        for (var i = 0; i < 3; i++)
        {
            cc = cc * 10 + (digits[i] - '0');
            if (RulesForCallingCode(cc) is { } found)
            {
                rules = found;
                ccLength = i + 1;
                break;
            }
        }
        if (rules is null) return false;
        var nsn = digits[ccLength..];
        if (rules.MayStripNationalPrefix(nsn)) return false;
        return Finish(rules, nsn, e164, out length);
    }

    private static bool National(ReadOnlySpan<char> digits, string? region, Span<char> e164, out int length)
    {
        length = -1;
        if (region is null) return false;
        var rules = ByRegion.GetOrAdd(region, static r => RegionRules.ForRegion(r));
        if (rules is null) return false;
        if (rules.MayBeInternationalPrefix(digits)) return false;
        if (digits.StartsWith(rules.CountryCodeText)) return false;
        if (rules.MayStripNationalPrefix(digits)) return false;
        // The possible-length test uses the calling code's main region (US for a Canadian number).
        var main = RulesForCallingCode(rules.CountryCode);
        if (main is null) return false;
        return Finish(main, digits, e164, out length);
    }

    private static bool Finish(RegionRules rules, ReadOnlySpan<char> nsn, Span<char> e164, out int length)
    {
        length = -1;
        if (nsn.Length < MinNsnLength) return false;
        if (nsn.Length > MaxNsnLength) return true; // Parse: TOO_LONG
        if (!rules.IsPossibleLength(nsn.Length)) return true;
        var cc = rules.CountryCodeText;
        cc.CopyTo(e164);
        nsn.CopyTo(e164[cc.Length..]);
        length = cc.Length + nsn.Length;
        return true;
    }

    /// <summary>The rules of calling code <paramref name="cc"/> (its main region's); null when no region has that code.</summary>
    private static RegionRules? RulesForCallingCode(int cc)
    {
        if ((uint)cc >= (uint)ByCallingCode.Length) return null;
        if (Volatile.Read(ref CallingCodeBuilt[cc])) return ByCallingCode[cc];
        // Two workers may build the same code at once: both build the same rules, either is kept.
        var region = Util.GetRegionCodeForCountryCode(cc);
        var metadata = region == NonGeographicRegion
            ? Util.GetMetadataForNonGeographicalRegion(cc)
            : Util.GetMetadataForRegion(region);
        var rules = cc > 0 && metadata is not null && RegionRules.IsUsable(metadata) ? new RegionRules(metadata) : null;
        ByCallingCode[cc] = rules;
        Volatile.Write(ref CallingCodeBuilt[cc], true);
        return rules;
    }

    /// <summary>What the fast path needs from one region's metadata.</summary>
    private sealed class RegionRules
    {
        private readonly Prefix _internationalPrefix;
        private readonly Prefix _nationalPrefix;
        private readonly int[] _possibleLengths;
        private readonly int[] _localOnlyLengths;

        public RegionRules(PhoneMetadata metadata)
        {
            CountryCode = metadata.CountryCode;
            CountryCodeText = metadata.CountryCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _internationalPrefix = new Prefix(metadata.HasInternationalPrefix ? metadata.InternationalPrefix : null);
            _nationalPrefix = new Prefix(metadata.HasNationalPrefixForParsing ? metadata.NationalPrefixForParsing : null);
            _possibleLengths = metadata.GeneralDesc.PossibleLengthList.ToArray();
            _localOnlyLengths = metadata.GeneralDesc.PossibleLengthLocalOnlyList.ToArray();
        }

        public int CountryCode { get; }
        public string CountryCodeText { get; }

        public static RegionRules? ForRegion(string region) =>
            Util.GetMetadataForRegion(region) is { } metadata && IsUsable(metadata) ? new RegionRules(metadata) : null;

        public static bool IsUsable(PhoneMetadata metadata) =>
            metadata.GeneralDesc is { PossibleLengthCount: > 0 };

        public bool MayBeInternationalPrefix(ReadOnlySpan<char> digits) => _internationalPrefix.MatchesStart(digits);

        public bool MayStripNationalPrefix(ReadOnlySpan<char> digits) => _nationalPrefix.MatchesStart(digits);

        /// <summary>libphonenumber's <c>testNumberLength</c> for the general description, IS_POSSIBLE only.</summary>
        public bool IsPossibleLength(int length)
        {
            if (_possibleLengths[0] == -1) return false;
            if (Array.IndexOf(_localOnlyLengths, length) >= 0) return false;
            return Array.IndexOf(_possibleLengths, length) >= 0;
        }
    }

    /// <summary>A metadata prefix pattern matched at the start of the digits: literal digits or a regex.</summary>
    private readonly struct Prefix
    {
        private readonly string? _literal;
        private readonly Regex? _pattern;

        public Prefix(string? pattern)
        {
            if (string.IsNullOrEmpty(pattern)) return;
            if (pattern.All(char.IsAsciiDigit)) _literal = pattern;
            else _pattern = new Regex("^(?:" + pattern + ")", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);
        }

        public bool MatchesStart(ReadOnlySpan<char> digits) =>
            _literal is not null ? digits.StartsWith(_literal) : _pattern is not null && _pattern.IsMatch(digits);
    }
}
