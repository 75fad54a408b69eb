using System.Collections.Frozen;
using System.Runtime.InteropServices;
using System.Text.Json;
using Snapconv.Core.Capi;
using Snapconv.Core.Hashing;

namespace Snapconv.Core.Validation.Wire;

/// <summary>
/// What <see cref="WireEventValidator"/> read from one wire event. Fields are null when absent or
/// invalid; <see cref="IsValid"/> is false when any error was reported.
/// </summary>
public readonly record struct WireEvent
{
    /// <summary>True when the event passed every check.</summary>
    public bool IsValid { get; init; }
    /// <summary>Upper-case Snap event name, or null.</summary>
    public string? EventName { get; init; }
    /// <summary>The <c>event_name</c> as sent (for logs), or null when not a string.</summary>
    public string? RawEventName { get; init; }
    /// <summary><c>event_time</c> in Unix seconds (milliseconds floored), 0 when invalid.</summary>
    public long EventTimeSeconds { get; init; }
    /// <summary>How <c>action_source</c> classified.</summary>
    public ActionSourceKind ActionSource { get; init; }
    /// <summary>The raw <c>action_source</c> string, or null.</summary>
    public string? RawActionSource { get; init; }
    /// <summary><c>event_id</c>, else <c>client_dedup_id</c>, else null (no dedup).</summary>
    public string? DedupId { get; init; }
    /// <summary><c>custom_data.order_id</c>, else a legacy <c>transaction_id</c> (custom_data or root).</summary>
    public string? OrderId { get; init; }
    /// <summary>Normalized ISO 4217 currency, or null.</summary>
    public string? Currency { get; init; }
    /// <summary>Parsed non-negative value, or null.</summary>
    public decimal? Value { get; init; }
    /// <summary>True when em, ph (valid digests) or madid is present.</summary>
    public bool HasMatchKey { get; init; }
    /// <summary>Per-event <c>test_event_code</c>, or null.</summary>
    public string? TestEventCode { get; init; }
    /// <summary>
    /// True when the stored form differs from the wire form: the event name is not upper case or a
    /// digest has upper-case hex. The sandbox then rewrites the event with <see cref="WireEventValidator.WriteCanonical"/>.
    /// </summary>
    public bool NeedsCanonicalForm { get; init; }
}

/// <summary>
/// The sandbox's (Snap's) wire-level checks of one CAPI v3 event (spec §2, §4, §5, §11.2), in §5's order:
/// event_name, event_time, action_source, user_data, currency, value. Every failure is listed.
/// Unknown fields are ignored. Never throws on any JSON shape.
/// </summary>
public static class WireEventValidator
{
    /// <summary>user_data keys that must carry SHA-256 digests (string or array of strings).</summary>
    public static readonly FrozenSet<string> HashedUserDataKeys = new[]
    {
        "em", "ph", "fn", "ln", "ge", "ct", "st", "zp", "country", "db", "external_id",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, Reason> UnhashedByKey = HashedUserDataKeys.ToFrozenDictionary(
        k => k, k => Reason.UnhashedUserData with { Message = string.Format(null, Reason.UnhashedUserData.Message, k) },
        StringComparer.Ordinal);

    /// <summary>The UNHASHED_USER_DATA reason naming <paramref name="key"/> (cached; one instance per key).</summary>
    public static Reason UnhashedFor(string key) => UnhashedByKey[key];

    /// <summary>
    /// Validates <paramref name="ev"/> and adds each failure to <paramref name="errors"/> in §5 order.
    /// </summary>
    public static WireEvent Validate(JsonElement ev, ICollection<Reason> errors)
    {
        var before = errors.Count;
        if (ev.ValueKind != JsonValueKind.Object)
        {
            errors.Add(Reason.MissingEventName);
            errors.Add(Reason.MissingEventTime);
            errors.Add(Reason.InvalidActionSource);
            errors.Add(Reason.MissingUserData);
            return default;
        }

        var rewrite = false;

        // event_name
        string? name = null, rawName = null;
        if (!ev.TryGetProperty("event_name"u8, out var n) || n.ValueKind == JsonValueKind.Null)
            errors.Add(Reason.MissingEventName);
        else if (n.ValueKind != JsonValueKind.String)
            errors.Add(Reason.InvalidEventName);
        else
        {
            rawName = n.GetString()!;
            if (rawName.Trim().Length == 0) errors.Add(Reason.MissingEventName);
            else if (EventNames.TryNormalizeExact(rawName, out name)) rewrite |= !ReferenceEquals(name, rawName) && name != rawName;
            else errors.Add(Reason.InvalidEventName);
        }

        // event_time
        long seconds = 0;
        if (!ev.TryGetProperty("event_time"u8, out var t) || t.ValueKind == JsonValueKind.Null)
            errors.Add(Reason.MissingEventTime);
        else if (!TryReadEventTime(t, out seconds))
        {
            seconds = 0;
            errors.Add(Reason.InvalidEventTime);
        }

        // action_source
        string? rawSource = null;
        var kind = ActionSourceKind.Invalid;
        if (ev.TryGetProperty("action_source"u8, out var a) && a.ValueKind == JsonValueKind.String)
        {
            rawSource = a.GetString();
            kind = ActionSources.ClassifyForSandbox(rawSource);
        }
        if (kind == ActionSourceKind.Invalid) errors.Add(Reason.InvalidActionSource);

        // user_data
        var hasMatchKey = false;
        if (ev.TryGetProperty("user_data"u8, out var u) && u.ValueKind == JsonValueKind.Object)
        {
            var hasIp = false;
            var hasUa = false;
            foreach (var p in u.EnumerateObject())
            {
                // Match names as UTF-8: JsonProperty.Name would allocate a string per key per event.
                var hashedKey = HashedKeyOf(p);
                if (hashedKey is not null)
                {
                    var state = CheckDigests(p.Value, out var upper);
                    rewrite |= upper;
                    if (state == DigestState.Invalid) errors.Add(UnhashedByKey[hashedKey]);
                    else if (state == DigestState.Present && (hashedKey == "em" || hashedKey == "ph")) hasMatchKey = true;
                }
                else if (p.NameEquals("madid"u8)) hasMatchKey |= IsNonEmptyString(p.Value);
                else if (p.NameEquals("client_ip_address"u8)) hasIp = IsNonEmptyString(p.Value);
                else if (p.NameEquals("client_user_agent"u8)) hasUa = IsNonEmptyString(p.Value);
            }
            // Offline events count only em/ph/madid (seed); WEB also takes IP + user agent (Snap docs).
            var matches = hasMatchKey || (kind == ActionSourceKind.Web && hasIp && hasUa);
            if (!matches) errors.Add(Reason.MissingUserData);
        }
        else errors.Add(Reason.MissingUserData);

        // custom_data: currency then value
        string? currency = null, orderId = null;
        decimal? value = null;
        var isPurchase = name == EventNames.Purchase;
        JsonElement c = default;
        var hasCustom = ev.TryGetProperty("custom_data"u8, out c) && c.ValueKind == JsonValueKind.Object;
        if (hasCustom && c.TryGetProperty("currency"u8, out var cur) && !IsBlank(cur))
        {
            // A withdrawn code is still the currency of an event before its replacement's first day (seconds is 0 when the
            // event time was invalid: that error is listed already).
            if (cur.ValueKind == JsonValueKind.String && CurrencyCodes.TryNormalizeAt(cur.GetString()!, seconds, out var code, out _))
                currency = code;
            else errors.Add(Reason.InvalidCurrency);
        }
        else if (isPurchase) errors.Add(Reason.MissingCurrency);

        if (hasCustom && c.TryGetProperty("value"u8, out var v) && !IsBlank(v))
        {
            if (TryReadValue(v, out var d)) value = d;
            else errors.Add(Reason.InvalidValue);
        }
        else if (isPurchase) errors.Add(Reason.MissingValue);

        if (hasCustom)
            orderId = ReadId(c, "order_id"u8) ?? ReadId(c, "transaction_id"u8);
        orderId ??= ReadId(ev, "transaction_id"u8);

        string? testCode = null;
        if (ev.TryGetProperty("test_event_code"u8, out var tc) && tc.ValueKind == JsonValueKind.String)
        {
            testCode = tc.GetString();
            if (string.IsNullOrWhiteSpace(testCode)) testCode = null;
        }

        var dedupId = ReadId(ev, "event_id"u8) ?? ReadId(ev, "client_dedup_id"u8);
        if (orderId is not null && orderId == dedupId) orderId = dedupId;

        return new WireEvent
        {
            IsValid = errors.Count == before,
            EventName = name,
            RawEventName = rawName,
            EventTimeSeconds = seconds,
            ActionSource = kind,
            RawActionSource = rawSource,
            DedupId = dedupId,
            OrderId = orderId,
            Currency = currency,
            Value = value,
            HasMatchKey = hasMatchKey,
            TestEventCode = testCode,
            NeedsCanonicalForm = rewrite,
        };
    }

    /// <summary>
    /// Reads <c>event_time</c>: a JSON integer or a digit string, seconds in [946684800, 10^11) or
    /// milliseconds in [10^11, 10^14) (floored to seconds). Anything else is false.
    /// </summary>
    public static bool TryReadEventTime(JsonElement t, out long seconds)
    {
        seconds = 0;
        long raw;
        if (t.ValueKind == JsonValueKind.Number)
        {
            if (!t.TryGetInt64(out raw)) return false;
        }
        else if (t.ValueKind == JsonValueKind.String)
        {
            var s = t.GetString()!;
            if (s.Length is 0 or > 18) return false;
            raw = 0;
            foreach (var ch in s)
            {
                if (ch is < '0' or > '9') return false;
                raw = raw * 10 + (ch - '0');
            }
        }
        else return false;
        return EventTimeRules.TryToSeconds(raw, out seconds);
    }

    /// <summary>Reads <c>value</c>: a non-negative JSON number or a plain decimal string (§4.4).</summary>
    public static bool TryReadValue(JsonElement v, out decimal value)
    {
        value = 0;
        if (v.ValueKind == JsonValueKind.Number) return v.TryGetDecimal(out value) && value >= 0;
        if (v.ValueKind == JsonValueKind.String) return ValueRules.TryParse(v.GetString(), out value);
        return false;
    }

    /// <summary>
    /// Writes <paramref name="ev"/> in its stored form: event_name upper case, digests lower case,
    /// everything else as sent.
    /// </summary>
    public static void WriteCanonical(Utf8JsonWriter w, JsonElement ev)
    {
        w.WriteStartObject();
        foreach (var p in ev.EnumerateObject())
        {
            if (p.NameEquals("event_name"u8) && p.Value.ValueKind == JsonValueKind.String
                && EventNames.TryNormalizeExact(p.Value.GetString()!, out var name))
            {
                w.WriteString(p.Name, name);
            }
            else if (p.NameEquals("user_data"u8) && p.Value.ValueKind == JsonValueKind.Object)
            {
                w.WriteStartObject(p.Name);
                foreach (var q in p.Value.EnumerateObject())
                {
                    if (!HashedUserDataKeys.Contains(q.Name)) { q.WriteTo(w); continue; }
                    if (q.Value.ValueKind == JsonValueKind.String)
                        w.WriteString(q.Name, LowerIfDigest(q.Value.GetString()!));
                    else if (q.Value.ValueKind == JsonValueKind.Array)
                    {
                        w.WriteStartArray(q.Name);
                        foreach (var item in q.Value.EnumerateArray())
                        {
                            if (item.ValueKind == JsonValueKind.String) w.WriteStringValue(LowerIfDigest(item.GetString()!));
                            else item.WriteTo(w);
                        }
                        w.WriteEndArray();
                    }
                    else q.WriteTo(w);
                }
                w.WriteEndObject();
            }
            else p.WriteTo(w);
        }
        w.WriteEndObject();
    }

    private static string? HashedKeyOf(JsonProperty p)
    {
        if (p.NameEquals("em"u8)) return "em";
        if (p.NameEquals("ph"u8)) return "ph";
        if (p.NameEquals("fn"u8)) return "fn";
        if (p.NameEquals("ln"u8)) return "ln";
        if (p.NameEquals("ge"u8)) return "ge";
        if (p.NameEquals("ct"u8)) return "ct";
        if (p.NameEquals("st"u8)) return "st";
        if (p.NameEquals("zp"u8)) return "zp";
        if (p.NameEquals("country"u8)) return "country";
        if (p.NameEquals("db"u8)) return "db";
        if (p.NameEquals("external_id"u8)) return "external_id";
        return null;
    }

    private static string LowerIfDigest(string s) => Sha256Hex.IsHex64(s) ? Sha256Hex.LowerHex(s) : s;

    private enum DigestState { Empty, Present, Invalid }

    private static DigestState CheckDigests(JsonElement value, out bool hasUpper)
    {
        hasUpper = false;
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return DigestState.Empty;
            case JsonValueKind.String:
                return CheckOne(value, ref hasUpper) ? DigestState.Present : DigestState.Invalid;
            case JsonValueKind.Array:
                var any = false;
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String || !CheckOne(item, ref hasUpper)) return DigestState.Invalid;
                    any = true;
                }
                return any ? DigestState.Present : DigestState.Empty;
            default:
                return DigestState.Invalid;
        }
    }

    private static bool CheckOne(JsonElement s, ref bool hasUpper)
    {
        // A digest carries no escapes, so its raw UTF-8 bytes (in quotes) are the value: no string per digest.
        var raw = JsonMarshal.GetRawUtf8Value(s);
        Span<char> buf = stackalloc char[Sha256Hex.HexLength];
        if (raw.IndexOf((byte)'\\') >= 0)
        {
            var str = s.GetString()!;
            if (str.Length != Sha256Hex.HexLength) return false;
            str.AsSpan().CopyTo(buf);
        }
        else
        {
            if (raw.Length != Sha256Hex.HexLength + 2) return false;
            for (var i = 0; i < Sha256Hex.HexLength; i++) buf[i] = (char)raw[i + 1];
        }
        if (!Sha256Hex.IsHex64(buf)) return false;
        foreach (var ch in buf)
            if (ch is >= 'A' and <= 'F') { hasUpper = true; break; }
        return true;
    }

    private static bool IsNonEmptyString(JsonElement e) =>
        e.ValueKind == JsonValueKind.String && !e.ValueEquals(""u8);

    private static bool IsBlank(JsonElement e) =>
        e.ValueKind == JsonValueKind.Null || (e.ValueKind == JsonValueKind.String && string.IsNullOrWhiteSpace(e.GetString()));

    private static string? ReadId(JsonElement obj, ReadOnlySpan<byte> name)
    {
        if (!obj.TryGetProperty(name, out var e)) return null;
        return e.ValueKind switch
        {
            JsonValueKind.String => e.ValueEquals(""u8) ? null : e.GetString(),
            JsonValueKind.Number => e.GetRawText(),
            _ => null,
        };
    }
}
