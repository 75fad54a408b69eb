using System.Globalization;
using Snapconv.Core.Capi;
using Snapconv.Core.Formats;
using Snapconv.Core.Normalization;

namespace Snapconv.Core.Mapping;

/// <summary>
/// The map stage: a row (its cells by ordinal) read as the mapping's fields. Gives a single-valued field's cleaned value
/// (its column, the column's fallback, else the mapping's constant), leaves out rows the mapping's filter says are no
/// conversions, reads amounts as the mapping's locale writes them and gathers <c>content_ids</c>. Identifier columns are
/// the user-data stage's; joins are <see cref="JoinMatcher"/>'s; <c>group_by</c> is <see cref="GroupFolder"/>'s.
/// Thread-safe (no state after construction).
/// </summary>
internal sealed class RowFields
{
    /// <summary>The filter rule name of a row whose value is nothing once the refunded amount (<c>less</c>) is taken off.</summary>
    public const string RefundedInFull = "refunded in full";

    private readonly string _source;
    private readonly char _decimalSeparator;
    private readonly ColumnBinding?[] _single;                   // indexed by TargetField: the one column of a single-valued field
    private readonly (string? Value, string Field)[] _fallback;  // indexed by TargetField: the constant (or nothing) when that column is blank
    private readonly ColumnBinding[] _contentIds;
    private readonly BoundFilterRule[] _filter;

    public RowFields(BoundMapping mapping, MappingSpec spec, string sourceName)
    {
        _source = sourceName;
        _decimalSeparator = spec.DecimalSeparator;
        _single = new ColumnBinding?[Enum.GetValues<TargetField>().Length];
        var contentIds = new List<ColumnBinding>();
        foreach (var b in mapping.Bindings)
        {
            if (TargetFields.ToIdentifier(b.Field) is not null || b.Field == TargetField.FullName) continue;
            if (b.Field == TargetField.ContentIds) contentIds.Add(b);
            else _single[(int)b.Field] ??= b;
        }
        _contentIds = contentIds.ToArray();
        Culture = spec.Locale is { } loc && TextValues.TryGetCulture(loc, out var culture) ? culture : null;
        _filter = mapping.Filter.ToArray();
        // What a single-valued field reads when its column is absent or blank: the mapping's constant, cleaned once.
        _fallback = Enum.GetValues<TargetField>().Select(f =>
            mapping.Constants.TryGetValue(f, out var c) && TextCleaner.Clean(c) is { Length: > 0 } constant
                ? (constant, TargetFields.Name(f))
                : ((string?)null, _single[(int)f]?.Header ?? TargetFields.Name(f))).ToArray();
    }

    /// <summary>The mapping's locale (<c>locale:</c>); null when none was given.</summary>
    public CultureInfo? Culture { get; }

    /// <summary>Whether <see cref="FilteredBy"/> can leave a row out (a filter, or a value less a refund): else it need not be asked.</summary>
    public bool Filters => _filter.Length > 0 || _single[(int)TargetField.Value] is { LessOrdinal: >= 0 };

    /// <summary>Whether <see cref="AddContentIds(ReadOnlySpan{string?}, CustomData)"/> has columns to read.</summary>
    public bool HasContentIds => _contentIds.Length > 0;

    /// <summary>Whether <paramref name="field"/> can have a value: a column feeds it or the mapping has a constant for it.</summary>
    public bool CanFill(TargetField field) => _single[(int)field] is not null || _fallback[(int)field].Value is not null;

    /// <summary>The column bound to the single-valued <paramref name="field"/>; null when none is.</summary>
    public ColumnBinding? Binding(TargetField field) => _single[(int)field];

    /// <summary>
    /// The name of the filter rule that leaves the row out (deals not won, other event types, a payment refunded in
    /// full): it is no conversion, counted, not rejected. Null when the row is kept.
    /// </summary>
    public string? FilteredBy(ReadOnlySpan<string?> fields, long row)
    {
        foreach (var rule in _filter)
            if (!Holds(rule, fields)) return rule.Name;
        // A payment refunded in full is no conversion, whatever else the row lacks (checked again with the value).
        if (_single[(int)TargetField.Value] is { LessOrdinal: >= 0 } net && IsRefundedInFull(net, fields, row)) return RefundedInFull;
        return null;
    }

    /// <summary>A single-valued field: the mapped column's cleaned non-blank value, else the mapping's constant.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public (string? Value, string Field) Value(ReadOnlySpan<string?> fields, TargetField field)
    {
        // About ten calls a row, half of them for fields no column feeds: those cost an array read, inlined.
        var b = _single[(int)field];
        return b is null ? _fallback[(int)field] : Value(fields, field, b);
    }

    private (string? Value, string Field) Value(ReadOnlySpan<string?> fields, TargetField field, ColumnBinding b)
    {
        // Spec §3: every input string is NFC-normalized, stripped of format characters (BOM, zero-width space) and
        // trimmed; a cell with nothing left is missing. ASCII cells without edge spaces come back as the same instance.
        // (No white-space check first: a blank cell cleans to "", which reads as missing all the same.)
        if ((uint)b.Ordinal < (uint)fields.Length && fields[b.Ordinal] is { } v && TextCleaner.Clean(v) is { Length: > 0 } cleaned)
            return (cleaned, b.Header);
        // The mapping's fallback column (Paid at blank: Created at), before the constant.
        if (b.FallbackOrdinal >= 0 && (uint)b.FallbackOrdinal < (uint)fields.Length
            && fields[b.FallbackOrdinal] is { } fv && TextCleaner.Clean(fv) is { Length: > 0 } fallbackCleaned)
            return (fallbackCleaned, b.FallbackHeader!);
        return _fallback[(int)field];
    }

    /// <summary>The mapping's constant of <paramref name="field"/>, cleaned; null when it has none.</summary>
    public string? Constant(TargetField field) => _fallback[(int)field].Value;

    /// <summary>Adds the items of the row's <c>content_ids</c> columns to <paramref name="data"/>.</summary>
    public void AddContentIds(ReadOnlySpan<string?> fields, CustomData data)
    {
        foreach (var b in _contentIds)
            if (Cell(fields, b.Ordinal) is { } ids) AddContentIds(data, ids);
    }

    /// <summary>
    /// Adds the items of a <c>content_ids</c> cell (<c>a;b</c>, <c>a,b</c>, <c>a|b</c>), each trimmed and without a spreadsheet's
    /// text marker (<c>'00123</c>, see <see cref="TextCleaner.WithoutTextMarker(string)"/>), as every other cell is read (#15).
    /// </summary>
    public static void AddContentIds(CustomData data, string cell)
    {
        foreach (var item in cell.Split([';', ',', '|'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            if (TextCleaner.WithoutTextMarker(item) is { Length: > 0 } id) (data.ContentIds ??= []).Add(id);
    }

    /// <summary>The cell at <paramref name="ordinal"/>; null when the row has none there or it is blank.</summary>
    public static string? Cell(ReadOnlySpan<string?> fields, int ordinal) =>
        (uint)ordinal < (uint)fields.Length && !string.IsNullOrWhiteSpace(fields[ordinal]) ? fields[ordinal] : null;

    /// <summary>
    /// An amount: with a locale in force, its marks first (then the plain form, as exports write raw numbers too);
    /// without, the plain form, then forms that read the same in every locale. An amount that reads differently by
    /// locale (<c>10,000</c>) stops the run: it is never guessed.
    /// </summary>
    /// <exception cref="InputException">The amount reads differently by locale and no locale was given.</exception>
    public bool TryAmount(string raw, string field, long row, out decimal amount)
    {
        if (Culture is not null)
            return TextValues.ReadAmount(raw, Culture, out amount) == TextValues.Outcome.Parsed
                || ValueRules.TryParse(raw, out amount, _decimalSeparator);
        if (ValueRules.TryParse(raw, out amount, _decimalSeparator)) return true;
        return TextValues.ReadAmount(raw, null, out amount) switch
        {
            TextValues.Outcome.Parsed => true,
            TextValues.Outcome.Ambiguous => throw new InputException(_source,
                "amounts such as 10,000 read as ten thousand or as ten depending on the locale; say how numbers are written with --locale (e.g. en-US, en-GB, de-DE)", row, field),
            _ => false,
        };
    }

    /// <summary>An amount as a till writes it (<see cref="MoneyText"/>), signed; grouping read as <see cref="TryAmount"/> reads it.</summary>
    public bool TryMoney(ColumnBinding binding, string raw, string field, long row, out decimal amount)
    {
        if (!binding.Money) return TryAmount(raw, field, row, out amount);
        amount = 0;
        if (!MoneyText.TryStrip(raw, out var number, out var negative)) return false;
        if (!TryAmount(number, field, row, out amount)) return false;
        if (negative) amount = -amount;
        return true;
    }

    private bool IsRefundedInFull(ColumnBinding net, ReadOnlySpan<string?> fields, long row)
    {
        var (raw, field) = Value(fields, TargetField.Value);
        return raw is not null && Cell(fields, net.LessOrdinal) is { } rawLess
            && TryMoney(net, raw, field, row, out var amount) && TryMoney(net, rawLess, net.LessHeader!, row, out var refunded)
            && amount - refunded <= 0;
    }

    private static bool Holds(BoundFilterRule rule, ReadOnlySpan<string?> fields)
    {
        foreach (var c in rule.Any)
        {
            var v = (uint)c.Ordinal < (uint)fields.Length ? fields[c.Ordinal] : null;
            if (c.Values.Contains(v) != c.Negate) return true;
        }
        return false;
    }
}
