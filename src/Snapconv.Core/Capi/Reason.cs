namespace Snapconv.Core.Capi;

/// <summary>
/// The reasons a row or event is rejected or warned about, with Snap's numeric code where Snap
/// publishes one and the wording the sandbox answers with (spec §5).
/// </summary>
public sealed record Reason(string Name, string Code, string Message, bool IsWarning = false)
{
    public static readonly Reason InvalidRequestBodyJson = new("INVALID_REQUEST_BODY_JSON", "003",
        "Request body is not valid JSON or has no non-empty data array.");
    public static readonly Reason TooManyEvents = new("TOO_MANY_EVENTS", "TOO_MANY_EVENTS",
        "A request may carry at most 2000 events.");
    public static readonly Reason MissingEventName = new("MISSING_EVENT_NAME", "501", "event_name is required.");
    public static readonly Reason InvalidEventName = new("INVALID_EVENT_NAME", "516",
        "event_name is not a valid conversion event.");
    public static readonly Reason MissingEventTime = new("MISSING_EVENT_TIME", "502", "event_time is required.");
    public static readonly Reason InvalidEventTime = new("INVALID_EVENT_TIME", "INVALID_EVENT_TIME",
        "Param data['event_time'] is an invalid Unix timestamp.");
    public static readonly Reason InvalidActionSource = new("INVALID_ACTION_SOURCE", "INVALID_ACTION_SOURCE",
        "action_source is missing or not supported for a Pixel ID.");
    public static readonly Reason MissingUserData = new("MISSING_USER_DATA", "505",
        "Incoming conversions requests must have at least one valid user ID parameter to perform the match");
    public static readonly Reason MissingCurrency = new("MISSING_CURRENCY", "MISSING_CURRENCY",
        "PURCHASE events require custom_data.currency.");
    public static readonly Reason MissingValue = new("MISSING_VALUE", "MISSING_VALUE",
        "PURCHASE events require custom_data.value.");
    public static readonly Reason InvalidCurrency = new("INVALID_CURRENCY", "INVALID_CURRENCY",
        "custom_data.currency is not an ISO 4217 code.");
    public static readonly Reason InvalidValue = new("INVALID_VALUE", "INVALID_VALUE",
        "custom_data.value is not a non-negative number.");
    public static readonly Reason UnhashedUserData = new("UNHASHED_USER_DATA", "UNHASHED_USER_DATA",
        "user_data.{0} must be a SHA-256 hex digest.");
    public static readonly Reason MalformedRecord = new("MALFORMED_RECORD", "MALFORMED_RECORD",
        "the record could not be read: it is not well-formed (e.g. an NDJSON line that is not a JSON object).");
    public static readonly Reason InvalidEncoding = new("INVALID_ENCODING", "INVALID_ENCODING",
        "a text value is not valid Unicode (a lone surrogate or an invalid UTF-8 byte sequence).");
    public static readonly Reason InvalidPixelId = new("INVALID_PIXEL_ID", "INVALID_PIXEL_ID", "Pixel ID is not authorized.");
    public static readonly Reason Unauthorized = new("UNAUTHORIZED", "401", "Unauthorized resources");
    public static readonly Reason RateLimited = new("RATE_LIMITED", "429", "Too many requests.");

    public static readonly Reason EventTimeTooOld = new("EVENT_TIME_TOO_OLD", "EVENT_TIME_TOO_OLD",
        "event_time is more than 62 days old", IsWarning: true);
    public static readonly Reason EventTimeInFuture = new("EVENT_TIME_IN_FUTURE", "EVENT_TIME_IN_FUTURE",
        "event_time is more than 10 minutes in the future", IsWarning: true);
    public static readonly Reason EventTimeNotAttributable = new("EVENT_TIME_NOT_ATTRIBUTABLE", "EVENT_TIME_NOT_ATTRIBUTABLE",
        "event_time is more than 37 days old", IsWarning: true);
    public static readonly Reason InvalidPhone = new("INVALID_PHONE", "INVALID_PHONE",
        "phone number is not a possible number with a country code", IsWarning: true);
    public static readonly Reason InvalidEmail = new("INVALID_EMAIL", "INVALID_EMAIL",
        "email address is not valid", IsWarning: true);
    public static readonly Reason InvalidUserDataField = new("INVALID_USER_DATA_FIELD", "INVALID_USER_DATA_FIELD",
        "identifier does not follow its normalization rule", IsWarning: true);

    /// <summary>The warning string the validate endpoint shows: <c>"REASON: text"</c>.</summary>
    public string AsWarningText() => $"{Name}: {Message}";
}
