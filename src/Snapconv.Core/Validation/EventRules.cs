using System.Globalization;
using Snapconv.Core.Capi;
using Snapconv.Core.Dedup;
using Snapconv.Core.Formats;
using Snapconv.Core.Mapping;
using Snapconv.Core.Normalization;

namespace Snapconv.Core.Validation;

/// <summary>
/// The event-rules stage: Snap's checks of a mapped row's fields, in the spec's order — event_name, event_time and
/// action_source (<see cref="CheckNameTimeSource"/>), then, after the user-data stage, currency and value
/// (<see cref="CheckCustomData"/>), then the ids and the event time's warnings (<see cref="Complete"/>). A check that
/// fails rejects the row with Snap's reason and stops it. Thread-safe (no state after construction).
/// </summary>
internal sealed class EventRules
{
    private static readonly Reason TooOldRejection = Reason.EventTimeTooOld with { IsWarning = false };

    /// <summary>The warning of a <c>num_items</c> that is no whole number (the field is left out).</summary>
    public static readonly Reason InvalidNumItems = new("INVALID_NUM_ITEMS", "INVALID_NUM_ITEMS",
        "num_items is not a whole number; it was left out", IsWarning: true);

    private readonly string _source;
    private readonly RowFields _fields;
    private readonly int? _maxEventAgeDays;
    private readonly string _pixelId;
    private readonly TimeZoneInfo _zone;
    // Asked once, not once a row: what the mapping's fields are fed by.
    private readonly ColumnBinding? _timeBinding;
    private readonly bool _splitTime;         // date, time of day and zone in columns of their own (Square)
    private readonly ColumnBinding? _moneyValue;  // a value written as a till writes it, or less a refund
    private readonly bool _hasTag, _hasCategory, _hasNumItems, _hasContentIds, _hasEventId, _hasClientDedupId;

    /// <exception cref="InputException">The mapping's time zone is no IANA time zone.</exception>
    public EventRules(RowFields fields, ConversionOptions options, string sourceName)
    {
        _source = sourceName;
        _fields = fields;
        _maxEventAgeDays = options.MaxEventAgeDays;
        _pixelId = options.PixelId;
        _zone = options.TimeZone;
        if (options.Mapping.Timezone is { } tzName)
            _zone = TimeZones.TryFind(tzName, out var z) ? z
                : throw new InputException(sourceName, $"mapping timezone '{tzName}' is not an IANA time zone");
        _timeBinding = fields.Binding(TargetField.EventTime);
        _splitTime = _timeBinding is { TimeOrdinal: >= 0 } or { ZoneOrdinal: >= 0 };
        _moneyValue = fields.Binding(TargetField.Value) is { } vb && (vb.Money || vb.LessOrdinal >= 0) ? vb : null;
        _hasTag = fields.CanFill(TargetField.EventTag);
        _hasCategory = fields.CanFill(TargetField.ContentCategory);
        _hasNumItems = fields.CanFill(TargetField.NumItems);
        _hasContentIds = fields.HasContentIds;
        _hasEventId = fields.CanFill(TargetField.EventId);
        _hasClientDedupId = fields.CanFill(TargetField.ClientDedupId);
    }

    /// <summary>
    /// Sets <paramref name="e"/>'s event_name and event_time (<paramref name="seconds"/>, read from
    /// <paramref name="timeField"/>) and checks action_source. False when the row was rejected.
    /// </summary>
    /// <exception cref="InputException">A date reads day-first and month-first and no locale says which.</exception>
    public bool CheckNameTimeSource(ReadOnlySpan<string?> fields, long row, long now, CapiEvent e, BuiltRow result,
        out long seconds, out string timeField)
    {
        seconds = 0;
        // event_name
        var (rawName, nameField) = _fields.Value(fields, TargetField.EventName);
        timeField = nameField;
        if (rawName is null) return Reject(result, nameField, Reason.MissingEventName);
        if (!EventNames.TryNormalizeClient(rawName, out var name) && !TryConstantEventName(out name))
            return Reject(result, nameField, Reason.InvalidEventName);
        e.EventName = name!;

        // event_time
        (var rawTime, timeField) = _fields.Value(fields, TargetField.EventTime);
        if (rawTime is null) return Reject(result, timeField, Reason.MissingEventTime);
        var timeBinding = _timeBinding;
        var format = timeBinding?.Format;
        var zone = _zone;
        if (_splitTime)
        {
            // Date, time of day and zone in three columns (Square): one wall-clock time read in the row's zone.
            if (!SplitEventTime.TryCompose(timeBinding!, fields, ref rawTime, ref zone, out var zoneName))
                return Reject(result, timeBinding!.Header, SplitEventTime.UnknownZone(zoneName));
        }
        if (!EventTimeParser.TryParse(rawTime, zone, format, out seconds))
        {
            switch (TextValues.ReadDate(rawTime, _fields.Culture, zone, out seconds))
            {
                case TextValues.Outcome.Invalid: return Reject(result, timeField, Reason.InvalidEventTime);
                case TextValues.Outcome.Ambiguous:
                    throw new InputException(_source, "dates such as 03/04/2026 can be read day-first or month-first; say how dates are written with --locale (e.g. en-US, en-GB, de-DE) or give the column a format in the mapping", row, timeField);
            }
        }
        if (_maxEventAgeDays is { } maxAge && EventTimeRules.IsOlderThan(seconds, maxAge, now))
            return Reject(result, timeField, TooOldRejection);
        e.EventTime = seconds;

        // action_source: always sent as OFFLINE
        var (rawSource, sourceField) = _fields.Value(fields, TargetField.ActionSource);
        if (!ActionSources.IsOfflineForClient(rawSource)) return Reject(result, sourceField, Reason.InvalidActionSource);
        return true;
    }

    /// <summary>
    /// Checks currency and value (required for a PURCHASE) and sets the rest of custom_data (event_tag, content_category,
    /// num_items, content_ids, order_id). False when the row was rejected, or filtered as refunded in full.
    /// </summary>
    /// <exception cref="InputException">An amount reads differently by locale and no locale says which.</exception>
    public bool CheckCustomData(ReadOnlySpan<string?> fields, long row, CapiEvent e, BuiltRow result)
    {
        // currency and value
        var isPurchase = e.EventName == EventNames.Purchase;
        var (rawCurrency, currencyField) = _fields.Value(fields, TargetField.Currency);
        if (rawCurrency is null) { if (isPurchase) return Reject(result, currencyField, Reason.MissingCurrency); }
        else if (CurrencyCodes.TryNormalizeAt(rawCurrency, e.EventTime, out var code, out var withdrawn)
            || TextValues.TryCurrency(rawCurrency, out code)) e.CustomData.Currency = code;
        else return Reject(result, currencyField, Reason.InvalidCurrency with
        {
            // A currency is not personal data: naming it tells the user which name to fix.
            Message = withdrawn?.Message ?? $"custom_data.currency '{rawCurrency.Trim()}' is not an ISO 4217 code or a currency name.",
        });

        var (rawValue, valueField) = _fields.Value(fields, TargetField.Value);
        if (rawValue is null) { if (isPurchase) return Reject(result, valueField, Reason.MissingValue); }
        else if (_moneyValue is { } vb)
        {
            // A till's amount ($4,300.00, ($100.00)) and, with less, what is left after the refund.
            if (!_fields.TryMoney(vb, rawValue, valueField, row, out var amount)) return Reject(result, valueField, Reason.InvalidValue);
            if (vb.LessOrdinal >= 0)
            {
                var refunded = 0m;
                if (RowFields.Cell(fields, vb.LessOrdinal) is { } rawLess && !_fields.TryMoney(vb, rawLess, vb.LessHeader!, row, out refunded))
                    return Reject(result, vb.LessHeader!, Reason.InvalidValue);
                amount -= refunded;
                if (amount <= 0)
                {
                    result.Filter(RowFields.RefundedInFull);
                    return false;
                }
            }
            if (amount < 0) return Reject(result, valueField, Reason.InvalidValue);
            e.CustomData.Value = amount;
        }
        else if (_fields.TryAmount(rawValue, valueField, row, out var amount)) e.CustomData.Value = amount;
        else return Reject(result, valueField, Reason.InvalidValue);

        // the rest of custom_data (fields no column or constant feeds are not looked up)
        if (_hasTag)
        {
            var (tag, _) = _fields.Value(fields, TargetField.EventTag);
            e.CustomData.EventTag = tag?.Trim();
        }
        if (_hasCategory)
        {
            var (category, _) = _fields.Value(fields, TargetField.ContentCategory);
            e.CustomData.ContentCategory = category?.Trim();
        }
        if (_hasNumItems)
        {
            var (rawItems, itemsField) = _fields.Value(fields, TargetField.NumItems);
            if (rawItems is not null)
            {
                if (int.TryParse(rawItems.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0)
                    e.CustomData.NumItems = n;
                else result.Warn(itemsField, InvalidNumItems);
            }
        }
        if (_hasContentIds) _fields.AddContentIds(fields, e.CustomData);
        return true;
    }

    /// <summary>
    /// Sets the event's ids — the source's event id, else its transaction/order id, else a stable content hash — and warns
    /// of an event time Snap would flag (old, or ahead of <paramref name="now"/>).
    /// </summary>
    public void Complete(ReadOnlySpan<string?> fields, CapiEvent e, long seconds, string timeField, long now, BuiltRow result)
    {
        var (orderId, _) = _fields.Value(fields, TargetField.OrderId);
        orderId = orderId?.Trim();
        if (orderId is not null) e.CustomData.OrderId = orderId;
        var eventId = _hasEventId ? _fields.Value(fields, TargetField.EventId).Value : null;
        if (eventId is null && _hasClientDedupId) eventId = _fields.Value(fields, TargetField.ClientDedupId).Value;
        e.EventId = eventId?.Trim() ?? orderId ?? StableEventId.Compute(_pixelId, e);

        foreach (var w in EventTimeRules.WarningsFor(seconds, now)) result.Warn(timeField, w);
    }

    /// <summary>
    /// The event name of a row whose auto-detected event-name column holds no Snap event name: the constant
    /// (<c>--event-name</c>, the mapping's <c>event_name</c>). A column found only by its header (Square's <c>Event Type</c>:
    /// Payment, Refund) is no word of the user's, who said what the rows are; a column a rule names still rejects (#15).
    /// </summary>
    private bool TryConstantEventName(out string? name)
    {
        name = null;
        return _fields.Binding(TargetField.EventName) is { AutoDetected: true }
            && _fields.Constant(TargetField.EventName) is { } constant && EventNames.TryNormalizeClient(constant, out name);
    }

    private static bool Reject(BuiltRow result, string field, Reason reason)
    {
        result.Reject(field, reason);
        return false;
    }
}
