using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Snapconv.Core.Capi;

/// <summary>Writes <see cref="CapiEvent"/> as the exact CAPI v3 JSON object (snake_case keys, spec §2).</summary>
public static class CapiJsonWriter
{
    public static void Write(Utf8JsonWriter w, CapiEvent e)
    {
        w.WriteStartObject();
        w.WriteString("event_name"u8, e.EventName);
        w.WriteNumber("event_time"u8, e.EventTime);
        w.WriteString("action_source"u8, e.ActionSource);
        w.WriteString("event_id"u8, e.EventId);
        w.WriteString("integration"u8, CapiEvent.IntegrationName);
        WriteUserData(w, e.UserData);
        if (!e.CustomData.IsEmpty) WriteCustomData(w, e.CustomData);
        if (e.DataProcessingOptions is { Length: > 0 } dpo)
        {
            w.WriteStartArray("data_processing_options"u8);
            foreach (var o in dpo) w.WriteStringValue(o);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void WriteUserData(Utf8JsonWriter w, UserData u)
    {
        w.WriteStartObject("user_data"u8);
        HashedArray(w, "em"u8, u, em: true);
        HashedArray(w, "ph"u8, u, em: false);
        Array(w, "fn"u8, u.Fn);
        Array(w, "ln"u8, u.Ln);
        Array(w, "ge"u8, u.Ge);
        Array(w, "ct"u8, u.Ct);
        Array(w, "st"u8, u.St);
        Array(w, "zp"u8, u.Zp);
        Array(w, "country"u8, u.Country);
        Str(w, "db"u8, u.Db);
        Str(w, "external_id"u8, u.ExternalId);
        Str(w, "madid"u8, u.Madid);
        Str(w, "client_ip_address"u8, u.ClientIpAddress);
        Str(w, "client_user_agent"u8, u.ClientUserAgent);
        Str(w, "sc_click_id"u8, u.ScClickId);
        Str(w, "sc_cookie1"u8, u.ScCookie1);
        Str(w, "lead_id"u8, u.LeadId);
        w.WriteEndObject();
    }

    private static void WriteCustomData(Utf8JsonWriter w, CustomData c)
    {
        w.WriteStartObject("custom_data"u8);
        if (c.Value is { } v) w.WriteNumber("value"u8, v);
        Str(w, "currency"u8, c.Currency);
        Str(w, "order_id"u8, c.OrderId);
        Str(w, "event_tag"u8, c.EventTag);
        Array(w, "content_ids"u8, c.ContentIds);
        if (c.NumItems is { } n) w.WriteNumber("num_items"u8, n);
        Str(w, "content_category"u8, c.ContentCategory);
        w.WriteEndObject();
    }

    private static readonly SearchValues<byte> HexDigits = SearchValues.Create("0123456789abcdefABCDEF"u8);

    /// <summary>em or ph: straight from the kept digest when that is the key's only value (see <see cref="UserData.TryGetOnlyDigest"/>).</summary>
    private static void HashedArray(Utf8JsonWriter w, ReadOnlySpan<byte> name, UserData u, bool em)
    {
        if (!u.TryGetOnlyDigest(em, out var digest))
        {
            Array(w, name, em ? u.Em : u.Ph);
            return;
        }
        Span<byte> quoted = stackalloc byte[Hashing.Sha256Hex.HexLength + 2];
        var digits = quoted[1..^1];
        Convert.TryToHexStringLower(digest, digits, out _);
        w.WriteStartArray(name);
        if (w.Options.Indented) w.WriteStringValue(digits);
        else
        {
            quoted[0] = (byte)'"';
            quoted[^1] = (byte)'"';
            w.WriteRawValue(quoted, skipInputValidation: true);
        }
        w.WriteEndArray();
    }

    private static void Array(Utf8JsonWriter w, ReadOnlySpan<byte> name, List<string>? values)
    {
        if (values is not { Count: > 0 }) return;
        w.WriteStartArray(name);
        foreach (var v in values)
            if (!TryWriteDigest(w, v)) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    /// <summary>
    /// Writes a SHA-256 hex digest (most identifiers) as raw bytes: hex never needs escaping, so the writer's
    /// transcoding and escaping scan per value are skipped. The output is byte for byte what
    /// <see cref="Utf8JsonWriter.WriteStringValue(string)"/> writes. False (nothing written) for any other value.
    /// </summary>
    private static bool TryWriteDigest(Utf8JsonWriter w, string value)
    {
        const int hex = 64;
        if (value.Length != hex || w.Options.Indented) return false;
        Span<byte> quoted = stackalloc byte[hex + 2];
        var digits = quoted.Slice(1, hex);
        if (Ascii.FromUtf16(value, digits, out _) != OperationStatus.Done || digits.IndexOfAnyExcept(HexDigits) >= 0) return false;
        quoted[0] = (byte)'"';
        quoted[^1] = (byte)'"';
        w.WriteRawValue(quoted, skipInputValidation: true);
        return true;
    }

    private static void Str(Utf8JsonWriter w, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }
}
