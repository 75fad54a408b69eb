namespace Snapconv.Delivery.Capi;

/// <summary>How the client classifies one HTTP answer (spec §6, §7).</summary>
public enum ResponseKind
{
    /// <summary>200 with <c>status: VALID</c>.</summary>
    Acknowledged,
    /// <summary>200/400 with <c>status: INVALID</c> naming events (or not): split or bisect.</summary>
    Invalid,
    /// <summary>Network error, timeout, 5xx, 408, or an unreadable 200: retry with backoff.</summary>
    Transient,
    /// <summary>429: wait for Retry-After.</summary>
    Throttled,
    /// <summary>413: halve the batch.</summary>
    TooLarge,
    /// <summary>401/403: stop the run.</summary>
    Fatal,
    /// <summary>Other 4xx, or a request-level 400 (003, TOO_MANY_EVENTS): fail the batch.</summary>
    Failed,
}

/// <summary>Snap's errors for one event of a batch.</summary>
/// <param name="Index">0-based position in the request as Snap gave it (not trusted blindly).</param>
public sealed record EventError(int Index, string Code, string Message);

/// <summary>One classified answer. <see cref="Errors"/> is empty unless <see cref="Kind"/> is Invalid with per-event entries.</summary>
public sealed record CapiResponse(ResponseKind Kind, int HttpStatus, IReadOnlyList<EventError> Errors, string? Code, string? Message,
    TimeSpan? RetryAfter = null)
{
    /// <summary>Network failure (no HTTP status).</summary>
    public static CapiResponse Network(string message) => new(ResponseKind.Transient, 0, [], null, message);
}
