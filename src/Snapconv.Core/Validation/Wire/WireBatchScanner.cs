using System.Buffers;
using System.Collections.Frozen;
using System.Text;
using System.Text.Json;
using Snapconv.Core.Capi;

namespace Snapconv.Core.Validation.Wire;

/// <summary>One event of a body scanned by <see cref="WireBatchScanner"/>: where its JSON object sits in the body.</summary>
/// <param name="Offset">Byte offset of the event's <c>{</c> in the body.</param>
/// <param name="Length">Byte length of the event's object, <c>{</c> to <c>}</c>.</param>
/// <param name="Meta">What <see cref="WireEventValidator.Validate"/> would return; meaningful only when <paramref name="Checked"/>.</param>
/// <param name="Checked">
/// True when the event was fully checked on the fast path: it is valid and already in its stored form, and
/// <paramref name="Meta"/> equals <see cref="WireEventValidator.Validate"/>'s result. False when the caller must
/// parse the slice and call <see cref="WireEventValidator.Validate"/> itself (an error, an unusual shape, escapes).
/// </param>
public readonly record struct WireEventSlice(int Offset, int Length, WireEvent Meta, bool Checked);

/// <summary>
/// The sandbox's fast path for a live request body: one <see cref="Utf8JsonReader"/> pass over
/// <c>{"data":[…]}</c> that validates the common event shape (valid, canonical, no escapes) without building a
/// document and without a string per field. Anything else is left to <see cref="WireEventValidator"/>: a
/// request the scanner does not accept whole (invalid JSON, no or repeated <c>data</c>, a
/// <c>test_event_code</c>, a non-object event, too many events) returns false, and an event it does not
/// accept is returned unchecked. So the answers are the validator's, byte for byte.
/// </summary>
public static class WireBatchScanner
{
    private static readonly SearchValues<byte> LowerHex = SearchValues.Create("0123456789abcdef"u8);
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> Names =
        EventNames.All.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> Currencies =
        CurrencyCodes.All.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly ActionSourceKind OfflineKind = ActionSources.ClassifyForSandbox(ActionSources.Offline);

    /// <summary>
    /// Scans <paramref name="body"/> into <paramref name="events"/> (one slot per event, in order).
    /// </summary>
    /// <returns>
    /// False when the body is not a plain live request the scanner handles whole (then nothing in
    /// <paramref name="events"/> is meaningful and the caller takes the document path); true otherwise, with
    /// <paramref name="count"/> ≥ 1 events.
    /// </returns>
    /// <remarks>Never throws on any input; more events than <paramref name="events"/> holds returns false.</remarks>
    public static bool TryScan(ReadOnlySpan<byte> body, Span<WireEventSlice> events, out int count)
    {
        count = 0;
        var r = new Utf8JsonReader(body, new JsonReaderOptions());
        try
        {
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return false;
            var sawData = false;
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueIsEscaped) return false;
                if (r.ValueTextEquals("data"u8))
                {
                    if (sawData || !r.Read() || r.TokenType != JsonTokenType.StartArray) return false;
                    sawData = true;
                    while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                    {
                        if (r.TokenType != JsonTokenType.StartObject || count == events.Length) return false;
                        var start = (int)r.TokenStartIndex;
                        var depth = r.CurrentDepth;
                        var ok = TryEvent(ref r, body, out var meta);
                        // A bail-out leaves the reader inside the event: read on to its closing brace.
                        while (r.TokenType != JsonTokenType.EndObject || r.CurrentDepth != depth)
                            if (!r.Read()) return false;
                        events[count++] = new WireEventSlice(start, (int)r.BytesConsumed - start, ok ? meta : default, ok);
                    }
                }
                else if (r.ValueTextEquals("test_event_code"u8)) return false;
                else if (!r.Read() || !r.TrySkip()) return false;
            }
            if (r.TokenType != JsonTokenType.EndObject) return false;
            // Trailing content after the root object makes the body invalid JSON: the document path answers it.
            if (r.Read()) return false;
            return sawData && count > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Where an id's text sits in the body (unescaped string contents or a number's digits).</summary>
    private readonly record struct IdSpan(int Start, int Length, bool Set)
    {
        public static IdSpan Of(ref Utf8JsonReader r, out bool ok)
        {
            ok = true;
            switch (r.TokenType)
            {
                // The document path's GetString throws on malformed UTF-8, which the reader lets through.
                case JsonTokenType.String when !r.ValueIsEscaped && System.Text.Unicode.Utf8.IsValid(r.ValueSpan):
                    return new IdSpan((int)r.TokenStartIndex + 1, r.ValueSpan.Length, r.ValueSpan.Length > 0);
                case JsonTokenType.Number:
                    return new IdSpan((int)r.TokenStartIndex, r.ValueSpan.Length, true);
                default:
                    ok = false;
                    return default;
            }
        }

        public string? Text(ReadOnlySpan<byte> body) => Set ? Encoding.UTF8.GetString(body.Slice(Start, Length)) : null;
    }

    [Flags]
    private enum Seen
    {
        None = 0, Name = 1, Time = 2, Source = 4, User = 8, Custom = 16, EventId = 32, ClientDedupId = 64, TransactionId = 128,
        Currency = 256, Value = 512, OrderId = 1024, CustomTransactionId = 2048,
    }

    private enum Step { Read, Skipped, Decline }

    /// <summary>
    /// Moves from a property name to its value. <see cref="Seen.None"/> (a field the fast path does not read): the
    /// value is skipped. A field seen before declines: the document path's last-one-wins lookup decides.
    /// </summary>
    private static Step Enter(ref Utf8JsonReader r, ref Seen seen, Seen field)
    {
        if (field == Seen.None) return r.Read() && r.TrySkip() ? Step.Skipped : Step.Decline;
        if ((seen & field) != 0 || !r.Read()) return Step.Decline;
        seen |= field;
        return Step.Read;
    }

    /// <summary>
    /// Checks one event on the fast path; the reader starts on its <c>{</c>. False (the reader anywhere inside
    /// the event) when the event has an error or anything the fast path leaves to the validator.
    /// </summary>
    private static bool TryEvent(ref Utf8JsonReader r, ReadOnlySpan<byte> body, out WireEvent meta)
    {
        meta = default;
        var seen = Seen.None;
        string? name = null;
        long seconds = 0;
        var hasMatchKey = false;
        string? currency = null;
        decimal? value = null;
        IdSpan eventId = default, clientDedupId = default, transactionId = default, orderId = default, customTransactionId = default;

        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueIsEscaped) return false;
            Seen field;
            if (r.ValueTextEquals("event_name"u8)) field = Seen.Name;
            else if (r.ValueTextEquals("event_time"u8)) field = Seen.Time;
            else if (r.ValueTextEquals("action_source"u8)) field = Seen.Source;
            else if (r.ValueTextEquals("user_data"u8)) field = Seen.User;
            else if (r.ValueTextEquals("custom_data"u8)) field = Seen.Custom;
            else if (r.ValueTextEquals("event_id"u8)) field = Seen.EventId;
            else if (r.ValueTextEquals("client_dedup_id"u8)) field = Seen.ClientDedupId;
            else if (r.ValueTextEquals("transaction_id"u8)) field = Seen.TransactionId;
            else if (r.ValueTextEquals("test_event_code"u8)) return false;
            else field = Seen.None;
            var step = Enter(ref r, ref seen, field);
            if (step == Step.Decline) return false;
            if (step == Step.Skipped) continue;
            bool ok = true;
            switch (field)
            {
                case Seen.Name:
                    if (!TryName(ref r, out name)) return false;
                    break;
                case Seen.Time:
                    if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out var raw) || !EventTimeRules.TryToSeconds(raw, out seconds)) return false;
                    break;
                case Seen.Source:
                    if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped || !r.ValueTextEquals("OFFLINE"u8)) return false;
                    break;
                case Seen.User:
                    if (!TryUserData(ref r, out hasMatchKey)) return false;
                    break;
                case Seen.Custom:
                    if (!TryCustomData(ref r, ref seen, out currency, out value, out orderId, out customTransactionId)) return false;
                    break;
                case Seen.EventId: eventId = IdSpan.Of(ref r, out ok); break;
                case Seen.ClientDedupId: clientDedupId = IdSpan.Of(ref r, out ok); break;
                case Seen.TransactionId: transactionId = IdSpan.Of(ref r, out ok); break;
            }
            if (!ok) return false;
        }
        if (r.TokenType != JsonTokenType.EndObject) return false;
        const Seen required = Seen.Name | Seen.Time | Seen.Source | Seen.User;
        if ((seen & required) != required || !hasMatchKey) return false;
        if (name == EventNames.Purchase && (currency is null || value is null)) return false;

        var dedup = eventId.Set ? eventId : clientDedupId;
        var order = orderId.Set ? orderId : customTransactionId.Set ? customTransactionId : transactionId;
        var dedupText = dedup.Text(body);
        // The validator returns the very same string when the order id equals the dedup id.
        var orderText = order.Set && dedup.Set && body.Slice(order.Start, order.Length).SequenceEqual(body.Slice(dedup.Start, dedup.Length))
            ? dedupText : order.Text(body);
        meta = new WireEvent
        {
            IsValid = true,
            EventName = name,
            RawEventName = name,
            EventTimeSeconds = seconds,
            ActionSource = OfflineKind,
            RawActionSource = ActionSources.Offline,
            DedupId = dedupText,
            OrderId = orderText,
            Currency = currency,
            Value = value,
            HasMatchKey = hasMatchKey,
            TestEventCode = null,
            NeedsCanonicalForm = false,
        };
        return true;
    }

    /// <summary>An event name exactly as Snap spells it (upper case): the shared constant, no string made.</summary>
    private static bool TryName(ref Utf8JsonReader r, out string? name)
    {
        name = null;
        if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped || r.ValueSpan.Length is 0 or > 32) return false;
        Span<char> chars = stackalloc char[32];
        var n = Latin(r.ValueSpan, chars);
        return n > 0 && Names.TryGetValue(chars[..n], out name);
    }

    /// <summary>ASCII bytes widened to chars; 0 when any byte is not ASCII.</summary>
    private static int Latin(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] > 0x7F) return 0;
            chars[i] = (char)bytes[i];
        }
        return bytes.Length;
    }

    /// <summary>An active ISO 4217 code exactly as written (upper case): the shared constant.</summary>
    private static bool TryCurrency(ReadOnlySpan<byte> bytes, out string? code)
    {
        code = null;
        if (bytes.Length != 3) return false;
        Span<char> chars = stackalloc char[3];
        return Latin(bytes, chars) == 3 && Currencies.TryGetValue(chars, out code);
    }

    private static bool TryUserData(ref Utf8JsonReader r, out bool hasMatchKey)
    {
        hasMatchKey = false;
        if (r.TokenType != JsonTokenType.StartObject) return false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueIsEscaped) return false;
            var key = r.ValueSpan;
            var hashed = IsHashedKey(key, out var matchKey);
            var madid = !hashed && key.SequenceEqual("madid"u8);
            if (!r.Read()) return false;
            if (hashed)
            {
                if (!TryDigests(ref r, out var present)) return false;
                if (present && matchKey) hasMatchKey = true;
            }
            else if (madid)
            {
                if (r.TokenType == JsonTokenType.String && r.ValueIsEscaped) return false;
                if (r.TokenType == JsonTokenType.String && r.ValueSpan.Length > 0) hasMatchKey = true;
                else if (!r.TrySkip()) return false;
            }
            // client_ip_address and client_user_agent count only for WEB events, which take the document path.
            else if (!r.TrySkip()) return false;
        }
        return r.TokenType == JsonTokenType.EndObject;
    }

    private static bool IsHashedKey(ReadOnlySpan<byte> key, out bool matchKey)
    {
        matchKey = false;
        switch (key.Length)
        {
            case 2:
                if (key.SequenceEqual("em"u8) || key.SequenceEqual("ph"u8)) { matchKey = true; return true; }
                return key.SequenceEqual("fn"u8) || key.SequenceEqual("ln"u8) || key.SequenceEqual("ge"u8) || key.SequenceEqual("ct"u8)
                    || key.SequenceEqual("st"u8) || key.SequenceEqual("zp"u8) || key.SequenceEqual("db"u8);
            case 7:
                return key.SequenceEqual("country"u8);
            case 11:
                return key.SequenceEqual("external_id"u8);
            default:
                return false;
        }
    }

    /// <summary>A digest or an array of digests, each 64 lower-case hex bytes; null is absent.</summary>
    private static bool TryDigests(ref Utf8JsonReader r, out bool present)
    {
        present = false;
        switch (r.TokenType)
        {
            case JsonTokenType.Null:
                return true;
            case JsonTokenType.String:
                present = true;
                return IsLowerDigest(ref r);
            case JsonTokenType.StartArray:
                while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                {
                    if (r.TokenType != JsonTokenType.String || !IsLowerDigest(ref r)) return false;
                    present = true;
                }
                return r.TokenType == JsonTokenType.EndArray;
            default:
                return false;
        }
    }

    private static bool IsLowerDigest(ref Utf8JsonReader r) =>
        !r.ValueIsEscaped && r.ValueSpan.Length == 64 && r.ValueSpan.IndexOfAnyExcept(LowerHex) < 0;

    private static bool TryCustomData(ref Utf8JsonReader r, ref Seen seen, out string? currency, out decimal? value,
        out IdSpan orderId, out IdSpan transactionId)
    {
        currency = null;
        value = null;
        orderId = default;
        transactionId = default;
        if (r.TokenType != JsonTokenType.StartObject) return false;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueIsEscaped) return false;
            Seen field;
            if (r.ValueTextEquals("currency"u8)) field = Seen.Currency;
            else if (r.ValueTextEquals("value"u8)) field = Seen.Value;
            else if (r.ValueTextEquals("order_id"u8)) field = Seen.OrderId;
            else if (r.ValueTextEquals("transaction_id"u8)) field = Seen.CustomTransactionId;
            else field = Seen.None;
            var step = Enter(ref r, ref seen, field);
            if (step == Step.Decline) return false;
            if (step == Step.Skipped) continue;
            bool ok = true;
            switch (field)
            {
                case Seen.Currency:
                    if (r.TokenType != JsonTokenType.String || r.ValueIsEscaped || !TryCurrency(r.ValueSpan, out currency)) return false;
                    break;
                case Seen.Value:
                    if (r.TokenType != JsonTokenType.Number || !r.TryGetDecimal(out var d) || d < 0) return false;
                    value = d;
                    break;
                case Seen.OrderId: orderId = IdSpan.Of(ref r, out ok); break;
                case Seen.CustomTransactionId: transactionId = IdSpan.Of(ref r, out ok); break;
            }
            if (!ok) return false;
        }
        return r.TokenType == JsonTokenType.EndObject;
    }
}
