using Snapconv.Core.Capi;

namespace Snapconv.Core.Validation;

/// <summary>The outcome of one row: an event (with warnings) or a rejection.</summary>
/// <remarks>
/// One per row, so it is kept small: the first warning is held as field and reason (the row is the row's own); a
/// rejection, a filter rule and a second warning go into a second object made for the few rows that have one, and only a
/// third warning makes a list.
/// </remarks>
public sealed class BuiltRow(RowRef row)
{
    public RowRef Row { get; } = row;

    /// <summary>The event built; null for a rejected, filtered or folded row.</summary>
    public CapiEvent? Event
    {
        get => _event;
        set
        {
            _event = value;
            _hasCoverage = false;  // the mask was the event's before this one
        }
    }

    /// <summary>The event's in-run dedup keys, computed on the worker that built it.</summary>
    public Dedup.DedupKeys DedupKeys { get; internal set; }
    public RowIssue? Rejection => _rare?.RejectReason is { } reason ? new RowIssue(Row, _rare.RejectField!, reason) : null;
    /// <summary>The row's warnings in the order given; null when none.</summary>
    public IReadOnlyList<RowIssue>? Warnings => WarningCount switch
    {
        0 => null,
        1 => [new RowIssue(Row, _warningField!, _warningReason!)],
        2 => [new RowIssue(Row, _warningField!, _warningReason!), new RowIssue(Row, _rare!.SecondWarningField!, _rare.SecondWarningReason!)],
        _ => [new RowIssue(Row, _warningField!, _warningReason!), new RowIssue(Row, _rare!.SecondWarningField!, _rare.SecondWarningReason!),
            .. _rare.MoreWarnings!],
    };
    /// <summary>How many warnings <see cref="Warnings"/> holds.</summary>
    public int WarningCount { get; private set; }
    /// <summary>The filter rule that left the row out (not a conversion: neither accepted nor rejected); null otherwise.</summary>
    public string? FilteredBy => _rare?.FilteredBy;
    /// <summary>A warning is a phone a spreadsheet wrote in scientific notation (<see cref="Normalization.SpreadsheetNumbers.PhoneReason"/>).</summary>
    internal bool HasScientificPhone { get; private set; }
    /// <summary>The row continued the group above (<c>group_by</c>) and was folded into that group's first row.</summary>
    public bool IsFolded { get; private set; }

    private CapiEvent? _event;
    private string? _warningField;     // the first warning
    private Reason? _warningReason;
    // What most rows never have (a rejection, a filter rule, a second warning) lives in a second object made on the first
    // of them: one per row, so an accepted row's object stays at 96 bytes (it was 128 with these fields inline).
    private RareOutcome? _rare;
    // The identifier coverage of the event (computed on the worker), so the consumer only adds bits; valid while
    // _hasCoverage (cleared when the event is replaced).
    private uint _coverage;
    private bool _hasCoverage;

    private sealed class RareOutcome
    {
        public string? RejectField;
        public Reason? RejectReason;
        public string? FilteredBy;
        public string? SecondWarningField;  // one in ten rows has a second warning (an old event time): no list for it
        public Reason? SecondWarningReason;
        public List<RowIssue>? MoreWarnings;  // the third on
    }

    private RareOutcome Rare => _rare ??= new RareOutcome();

    /// <summary>The reason of warning <paramref name="i"/> (&lt; <see cref="WarningCount"/>), without making the list.</summary>
    internal Reason WarningReason(int i) => i switch
    {
        0 => _warningReason!,
        1 => _rare!.SecondWarningReason!,
        _ => _rare!.MoreWarnings![i - 2].Reason,
    };

    /// <summary>Computes the coverage mask of the row's <see cref="Event"/> (on the worker that built it).</summary>
    internal void SetCoverage()
    {
        _coverage = CoverageMask(_event!.UserData);
        _hasCoverage = true;
    }

    /// <summary>The coverage mask of <paramref name="e"/>: the one computed by the builder, else computed now (an event set by hand).</summary>
    internal uint CoverageOf(CapiEvent e) => _hasCoverage && ReferenceEquals(e, _event) ? _coverage : CoverageMask(e.UserData);

    /// <summary>
    /// Bit i set when the key <c>RunReport.CoverageKeys</c>[i] has a value. Pure: workers compute it, so the serial
    /// consumer only adds the set bits.
    /// </summary>
    internal static uint CoverageMask(UserData u)
    {
        var m = 0u;
        if (u.HasEm) m |= 1u << 0;
        if (u.HasPh) m |= 1u << 1;
        if (u.Madid is not null) m |= 1u << 2;
        if (!u.HasRareKeys) return m;
        if (u.Fn is { Count: > 0 }) m |= 1u << 3;
        if (u.Ln is { Count: > 0 }) m |= 1u << 4;
        if (u.Ge is { Count: > 0 }) m |= 1u << 5;
        if (u.Ct is { Count: > 0 }) m |= 1u << 6;
        if (u.St is { Count: > 0 }) m |= 1u << 7;
        if (u.Zp is { Count: > 0 }) m |= 1u << 8;
        if (u.Country is { Count: > 0 }) m |= 1u << 9;
        if (u.Db is not null) m |= 1u << 10;
        if (u.ExternalId is not null) m |= 1u << 11;
        if (u.ClientIpAddress is not null) m |= 1u << 12;
        if (u.ClientUserAgent is not null) m |= 1u << 13;
        if (u.ScClickId is not null) m |= 1u << 14;
        return m;
    }

    internal BuiltRow Fold()
    {
        IsFolded = true;
        return this;
    }

    internal BuiltRow Filter(string rule)
    {
        Rare.FilteredBy = rule;
        return this;
    }

    internal BuiltRow Reject(string field, Reason reason)
    {
        var rare = Rare;
        rare.RejectField = field;
        rare.RejectReason = reason;
        Event = null;
        return this;
    }

    internal void Warn(string field, Reason reason)
    {
        if (WarningCount == 0)
        {
            _warningField = field;
            _warningReason = reason;
        }
        else if (WarningCount == 1)
        {
            var rare = Rare;
            rare.SecondWarningField = field;
            rare.SecondWarningReason = reason;
        }
        else (Rare.MoreWarnings ??= new List<RowIssue>(1)).Add(new RowIssue(Row, field, reason));
        WarningCount++;
        // Noted here, where the reason is at hand, so the run's count does not walk every warned row's warnings (#15).
        if (ReferenceEquals(reason, Normalization.SpreadsheetNumbers.PhoneReason)) HasScientificPhone = true;
    }
}
