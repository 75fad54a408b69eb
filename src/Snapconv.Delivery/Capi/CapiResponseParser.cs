using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Snapconv.Delivery.Capi;

/// <summary>
/// Reads Snap's answers (spec §6): never trusts 200 alone; reads (1) INVALID <c>event_logs</c> entries,
/// else (2) <c>event</c> + <c>errors</c>, else (3) top-level <c>error_msgs</c>/<c>errors</c> without index.
/// </summary>
public static class CapiResponseParser
{
    private static readonly HashSet<string> RequestLevelCodes = new(StringComparer.OrdinalIgnoreCase)
        { "003", "TOO_MANY_EVENTS", "INVALID_REQUEST_BODY_JSON" };

    /// <summary>Classifies a status code and body.</summary>
    public static CapiResponse Parse(int status, ReadOnlySpan<byte> body, TimeSpan? retryAfter)
    {
        switch (status)
        {
            case 401:
            case 403:
                var (c, m) = TopLevel(body);
                return new CapiResponse(ResponseKind.Fatal, status, [], c, m);
            case 413:
                return new CapiResponse(ResponseKind.TooLarge, status, [], null, "request body too large");
            case 429:
                return new CapiResponse(ResponseKind.Throttled, status, [], null, "rate limited", retryAfter);
            case 408:
            case >= 500:
                return new CapiResponse(ResponseKind.Transient, status, [], null, $"HTTP {status}", retryAfter);
        }
        if (status is not (200 or 400))
            return new CapiResponse(status is >= 200 and < 300 ? ResponseKind.Transient : ResponseKind.Failed, status, [], null, $"HTTP {status}");

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException)
        {
            // A 200 with an unreadable body proves nothing: retry; a 400 unreadable body: bisect.
            return status == 200
                ? new CapiResponse(ResponseKind.Transient, status, [], null, "unreadable response body")
                : new CapiResponse(ResponseKind.Invalid, status, [], null, "unreadable response body");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return new CapiResponse(status == 200 ? ResponseKind.Transient : ResponseKind.Invalid, status, [], null, "unreadable response body");
            var st = root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            if (status == 200 && string.Equals(st, "VALID", StringComparison.OrdinalIgnoreCase))
                return new CapiResponse(ResponseKind.Acknowledged, status, [], null, null);
            if (status == 200 && st is null)
                return new CapiResponse(ResponseKind.Transient, status, [], null, "response has no status");

            var errors = new List<EventError>();
            if (root.TryGetProperty("event_logs", out var logs) && logs.ValueKind == JsonValueKind.Array)
            {
                foreach (var log in logs.EnumerateArray())
                {
                    if (log.ValueKind != JsonValueKind.Object) continue;
                    var ls = log.TryGetProperty("status", out var x) && x.ValueKind == JsonValueKind.String ? x.GetString() : null;
                    if (!string.Equals(ls, "INVALID", StringComparison.OrdinalIgnoreCase)) continue;
                    if (TryIndex(log, out var i) && log.TryGetProperty("errors", out var errs))
                    {
                        var (code, msg) = FirstError(errs);
                        errors.Add(new EventError(i, code ?? "", msg ?? ""));
                    }
                }
            }
            if (errors.Count == 0 && TryIndex(root, out var idx) && root.TryGetProperty("errors", out var rootErrs))
            {
                var (code, msg) = FirstError(rootErrs);
                errors.Add(new EventError(idx, code ?? "", msg ?? ""));
            }
            var (topCode, topMsg) = TopLevel(root);
            if (errors.Count == 0 && topCode is not null && RequestLevelCodes.Contains(topCode))
                return new CapiResponse(ResponseKind.Failed, status, [], topCode, topMsg);
            return new CapiResponse(ResponseKind.Invalid, status, errors, topCode, topMsg ?? "event rejected");
        }
    }

    /// <summary>Reads Retry-After as seconds or an HTTP date, relative to <paramref name="now"/>.</summary>
    public static TimeSpan? RetryAfter(string? header, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(header)) return null;
        if (double.TryParse(header.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var secs))
            return secs >= 0 ? TimeSpan.FromSeconds(secs) : null;
        if (DateTimeOffset.TryParse(header.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
            return when > now ? when - now : TimeSpan.Zero;
        return null;
    }

    private static bool TryIndex(JsonElement e, out int index)
    {
        index = -1;
        if (!e.TryGetProperty("event", out var v)) return false;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out index)) return true;
        return v.ValueKind == JsonValueKind.String && int.TryParse(v.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    private static (string? Code, string? Message) FirstError(JsonElement errs)
    {
        string? code = null, msg = null;
        if (errs.ValueKind == JsonValueKind.Object)
        {
            if (errs.TryGetProperty("codes", out var codes)) code = FirstString(codes);
            if (errs.TryGetProperty("error_msgs", out var msgs)) msg = JoinStrings(msgs);
        }
        else if (errs.ValueKind == JsonValueKind.Array) msg = JoinStrings(errs);
        return (code, msg);
    }

    private static (string? Code, string? Message) TopLevel(ReadOnlySpan<byte> body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body.ToArray());
            return doc.RootElement.ValueKind == JsonValueKind.Object ? TopLevel(doc.RootElement) : (null, null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static (string? Code, string? Message) TopLevel(JsonElement root)
    {
        string? code = null, msg = null;
        if (root.TryGetProperty("errors", out var errs)) (code, msg) = FirstError(errs);
        if (root.TryGetProperty("error_msgs", out var m)) msg ??= JoinStrings(m);
        if (root.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String) code ??= c.GetString();
        if (root.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String) msg ??= r.GetString();
        return (code, msg);
    }

    private static string? FirstString(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.String) return e.GetString();
        if (e.ValueKind != JsonValueKind.Array) return null;
        foreach (var x in e.EnumerateArray())
            if (x.ValueKind == JsonValueKind.String) return x.GetString();
            else if (x.ValueKind == JsonValueKind.Number) return x.GetRawText();
        return null;
    }

    private static string? JoinStrings(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.String) return e.GetString();
        if (e.ValueKind != JsonValueKind.Array) return null;
        var parts = new List<string>();
        foreach (var x in e.EnumerateArray())
            if (x.ValueKind == JsonValueKind.String && x.GetString() is { } s) parts.Add(s);
            else if (x.ValueKind == JsonValueKind.Number) parts.Add(x.GetRawText());
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    internal static bool IsSuccess(HttpStatusCode code) => (int)code is >= 200 and < 300;
}
