using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Snapconv.Core.Normalization;

/// <summary>
/// A small memo of one column's normalize-and-hash outcomes on one thread, for columns whose values repeat
/// (country, state, city, first and last names, zip, gender): a hit returns the earlier outcome and its hex
/// digest — the same string instance — without normalizing or hashing again. Direct-mapped, 1,024 entries,
/// keyed by the raw cell and the row's country (which phone, state and zip rules read). It switches itself
/// off for a column whose values rarely repeat (e-mails, phones): under one hit in four after 4,096 lookups.
/// Outcomes must depend only on the key (not on the clock: never used for dates of birth).
/// </summary>
internal sealed class RepeatedValueCache
{
    private const int Size = 1024;
    private const int Probation = 4096;

    private readonly Entry[] _entries = new Entry[Size];
    private int _lookups;
    private int _hits;

    /// <summary>False once the column has shown its values rarely repeat.</summary>
    public bool Enabled { get; private set; } = true;

    /// <summary>Kinds whose outcome depends only on the value (and the row's country).</summary>
    public static bool Suits(IdentifierKind kind) => kind is IdentifierKind.Fn or IdentifierKind.Ln or IdentifierKind.Ge
        or IdentifierKind.Ct or IdentifierKind.St or IdentifierKind.Zp or IdentifierKind.Country
        or IdentifierKind.Em or IdentifierKind.Ph;

    public bool TryGet(string raw, string? rowCountry, out NormalizeResult result, out string? value)
    {
        ref var e = ref _entries[Slot(raw)];
        if (++_lookups == Probation && _hits * 4 < Probation) Enabled = false;
        if (e.Raw is not null && string.Equals(e.Raw, raw, StringComparison.Ordinal) && string.Equals(e.RowCountry, rowCountry, StringComparison.Ordinal))
        {
            _hits++;
            result = e.Result;
            value = e.Value;
            return true;
        }
        result = default;
        value = null;
        return false;
    }

    public void Put(string raw, string? rowCountry, NormalizeResult result, string? value) =>
        _entries[Slot(raw)] = new Entry(raw, rowCountry, result, value);

    private static int Slot(string raw) =>
        (int)(XxHash3.HashToUInt64(MemoryMarshal.AsBytes(raw.AsSpan())) & (Size - 1));

    private readonly record struct Entry(string? Raw, string? RowCountry, NormalizeResult Result, string? Value);
}
