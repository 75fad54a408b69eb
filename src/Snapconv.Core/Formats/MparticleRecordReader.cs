using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Snapconv.Core.Formats;

/// <summary>
/// Reads mParticle batches, one JSON batch per line (NDJSON, also gzipped), as one row per event with fixed columns
/// (<see cref="Columns"/>). Both forms are read: the Events API input (<c>user_identities</c> an object of
/// type → value) and the S3/Azure forwarding archive (<c>user_identities</c> an array of
/// <c>{identity_type, identity}</c>; numbers such as timestamps may be strings). A commerce event's
/// <c>product_action</c> gives the transaction columns (one row per event, so one per transaction: total_amount,
/// currency_code, transaction_id, product ids joined with <c>;</c>, the sum of quantities). A batch without events
/// (the bucket verification file's <c>{}</c>) gives no rows.
/// </summary>
internal sealed class MparticleRecordReader : IRecordReader
{
    /// <summary>Identity types read, as columns <c>identity.TYPE</c>.</summary>
    internal static readonly string[] IdentityTypes =
    [
        "customer_id", "email", "mobile_number", "phone_number_2", "phone_number_3", "other", "other_id_2", "other_id_3",
        "other_id_4", "other_id_5", "other_id_6", "other_id_7", "other_id_8", "other_id_9", "other_id_10", "alias",
        "facebook", "twitter", "google", "microsoft", "yahoo",
    ];

    internal static readonly string[] Columns =
    [
        "batch_id", "mpid", "environment", "event_type", "event_name", "custom_event_type", "action", "source_message_id",
        "timestamp_unixtime_ms", "transaction_id", "total_amount", "currency_code", "item_ids", "number_items", "ip",
        "user_agent", "ios_advertising_id", "android_advertising_id", "ios_idfv", "client_dedup_id",
        .. IdentityTypes.Select(t => "identity." + t),
    ];

    private static readonly Dictionary<string, int> Ordinal = Columns.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);

    // mParticle's numeric IdentityType values that are certain; other numbers are skipped.
    private static readonly Dictionary<int, string> NumericIdentity = new() { [0] = "other", [1] = "customer_id", [7] = "email" };

    private readonly StreamReader _text;
    private readonly Queue<string?[]> _pending = new();
    private string?[] _current = new string?[Columns.Length];
    private long _line;
    private readonly StringBuilder _lineBuffer = new();
    private long _row;

    public MparticleRecordReader(Stream stream, string sourceName)
    {
        SourceName = sourceName;
        _text = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
    }

    public string SourceName { get; }
    public IReadOnlyList<string> Headers => Columns;
    public long RowNumber => _row;

    public bool Read()
    {
        while (_pending.Count == 0)
        {
            string? line;
            try { line = ReadBoundedLine(); }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                throw new InputException(SourceName, "cannot read the file (corrupt or truncated data)", _row + 1, inner: e);
            }
            if (line is null) { Array.Clear(_current); return false; }
            _line++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            ReadBatch(line);
        }
        _current = _pending.Dequeue();
        _row++;
        return true;
    }

    public string? GetString(int ordinal) => _current[ordinal];

    /// <summary>As <see cref="TextReader.ReadLine"/> (LF or CRLF), but a line over 16 MiB stops the file (#16).</summary>
    private string? ReadBoundedLine()
    {
        _lineBuffer.Clear();
        int c;
        while ((c = _text.Read()) >= 0)
        {
            if (c == '\n') break;
            if (_lineBuffer.Length == RecordReaderOptions.MaxValueLength)
                throw new InputException(SourceName, $"line {(_line + 1).ToString(CultureInfo.InvariantCulture)} is longer than {RecordReaderOptions.MaxValueLength >> 20} MiB (the limit)", _row + 1);
            _lineBuffer.Append((char)c);
        }
        if (c < 0 && _lineBuffer.Length == 0) return null;
        if (_lineBuffer.Length > 0 && _lineBuffer[^1] == '\r') _lineBuffer.Length--;
        return _lineBuffer.ToString();
    }

    public void Dispose() => _text.Dispose();

    /// <summary>True when the first bytes are a JSON object that looks like an mParticle batch.</summary>
    internal static bool LooksLikeBatch(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) head = head[3..];
        head = head.TrimStart(" \t\r\n"u8);
        if (head.IsEmpty || head[0] != (byte)'{') return false;
        var hasEvents = head.IndexOf("\"events\""u8) >= 0;
        var hasBatchKey = head.IndexOf("\"user_identities\""u8) >= 0 || head.IndexOf("\"mpid\""u8) >= 0
            || head.IndexOf("\"batch_id\""u8) >= 0 || head.IndexOf("\"source_request_id\""u8) >= 0
            || head.IndexOf("\"device_info\""u8) >= 0 || head.IndexOf("\"application_info\""u8) >= 0;
        return hasEvents && hasBatchKey;
    }

    /// <summary>True for mParticle's bucket verification files, which hold no events.</summary>
    internal static bool IsVerificationFile(string path) =>
        Path.GetFileName(path).StartsWith("mParticle_Bucket_Verification_", StringComparison.OrdinalIgnoreCase);

    private void ReadBatch(string line)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line); }
        catch (JsonException e)
        {
            throw new InputException(SourceName, $"line {_line.ToString(CultureInfo.InvariantCulture)} is not valid JSON", inner: e);
        }
        using (doc)
        {
            var batch = doc.RootElement;
            if (batch.ValueKind != JsonValueKind.Object)
                throw new InputException(SourceName, $"line {_line.ToString(CultureInfo.InvariantCulture)} is not a JSON object (an mParticle batch)");
            if (!batch.TryGetProperty("events", out var events) || events.ValueKind != JsonValueKind.Array) return;

            var common = new string?[Columns.Length];
            Set(common, "batch_id", Text(batch, "batch_id"));
            Set(common, "mpid", Text(batch, "mpid"));
            Set(common, "environment", Text(batch, "environment"));
            Set(common, "ip", Text(batch, "ip"));
            if (batch.TryGetProperty("device_info", out var device) && device.ValueKind == JsonValueKind.Object)
            {
                Set(common, "user_agent", Text(device, "http_header_user_agent"));
                Set(common, "ios_advertising_id", Text(device, "ios_advertising_id"));
                Set(common, "android_advertising_id", Text(device, "android_advertising_id"));
                Set(common, "ios_idfv", Text(device, "ios_idfv"));
            }
            if (batch.TryGetProperty("user_identities", out var ids)) ReadIdentities(ids, common);
            var batchTime = Text(batch, "timestamp_unixtime_ms");

            foreach (var ev in events.EnumerateArray())
            {
                if (ev.ValueKind != JsonValueKind.Object) continue;
                var row = (string?[])common.Clone();
                var data = ev.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? d : ev;
                Set(row, "event_type", Text(ev, "event_type"));
                Set(row, "event_name", Text(data, "event_name"));
                Set(row, "custom_event_type", Text(data, "custom_event_type"));
                Set(row, "source_message_id", Text(data, "source_message_id") ?? Text(ev, "event_id"));
                Set(row, "timestamp_unixtime_ms", Text(data, "timestamp_unixtime_ms") ?? Text(ev, "timestamp_unixtime_ms") ?? batchTime);
                Set(row, "currency_code", Text(data, "currency_code"));
                if (data.TryGetProperty("custom_flags", out var flags) && flags.ValueKind == JsonValueKind.Object)
                    Set(row, "client_dedup_id", Text(flags, "SnapchatConversions.ClientDedupId"));
                if (data.TryGetProperty("product_action", out var pa) && pa.ValueKind == JsonValueKind.Object)
                {
                    Set(row, "action", Text(pa, "action"));
                    Set(row, "transaction_id", Text(pa, "transaction_id"));
                    Set(row, "total_amount", Text(pa, "total_amount"));
                    if (pa.TryGetProperty("products", out var products) && products.ValueKind == JsonValueKind.Array)
                    {
                        var idsText = new List<string>();
                        decimal quantity = 0;
                        foreach (var p in products.EnumerateArray())
                        {
                            if (p.ValueKind != JsonValueKind.Object) continue;
                            if (Text(p, "id") is { } id) idsText.Add(id);
                            var q = Text(p, "quantity");
                            quantity += q is not null && decimal.TryParse(q, NumberStyles.Number, CultureInfo.InvariantCulture, out var qv) ? qv : 1;
                        }
                        if (idsText.Count > 0) Set(row, "item_ids", string.Join(';', idsText));
                        if (products.GetArrayLength() > 0) Set(row, "number_items", quantity.ToString("0.##", CultureInfo.InvariantCulture));
                    }
                }
                _pending.Enqueue(row);
            }
        }
    }

    private static void ReadIdentities(JsonElement ids, string?[] row)
    {
        if (ids.ValueKind == JsonValueKind.Object)
        {
            // Events API input: {"email": "...", "customer_id": "..."}; the Python SDK writes "customerid".
            foreach (var p in ids.EnumerateObject())
            {
                var type = p.Name == "customerid" ? "customer_id" : p.Name;
                Set(row, "identity." + type, Scalar(p.Value));
            }
        }
        else if (ids.ValueKind == JsonValueKind.Array)
        {
            // Forwarding archive: [{"identity_type": "email", "identity": "...", "timestamp_unixtime_ms": ...}]
            foreach (var item in ids.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("identity_type", out var t)) continue;
                string? type = t.ValueKind switch
                {
                    JsonValueKind.String => t.GetString()?.Trim().ToLowerInvariant(),
                    JsonValueKind.Number when t.TryGetInt32(out var n) && NumericIdentity.TryGetValue(n, out var name) => name,
                    _ => null,
                };
                if (type is null) continue;
                if (type == "customerid") type = "customer_id";
                Set(row, "identity." + type, Text(item, "identity"));
            }
        }
    }

    private static void Set(string?[] row, string column, string? value)
    {
        if (value is not null && Ordinal.TryGetValue(column, out var i)) row[i] ??= value;
    }

    private static string? Text(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var v) ? Scalar(v) : null;

    private static string? Scalar(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number => v.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };
}
