using Snapconv.Core.Capi;
using Snapconv.Core.Pipeline;

namespace Snapconv.Console.Reports;

/// <summary>What a reason means for the person fixing the data: the reason's name, Snap's code and a plain-language fix.</summary>
/// <param name="Reason">The reason's name as the report and the rejects file write it (<c>MISSING_USER_DATA</c>).</param>
/// <param name="SnapCode">Snap's own code where Snap publishes one (<c>505</c>), else null.</param>
/// <param name="Fix">What to change, in plain words.</param>
/// <param name="IsWarning">True for a warning (the event was sent, something was left out or may not count).</param>
public sealed record ReasonFix(string Reason, string? SnapCode, string Fix, bool IsWarning);

/// <summary>
/// The one table of plain-language fixes, one per reason the product emits: every <see cref="Capi.Reason"/> of Core,
/// <see cref="EventBuilder.InvalidNumItems"/>, Snap's own rejections (<c>REJECTED_BY_SNAP</c>) and the job runner's
/// <c>SOURCE_OBJECT_CHANGED</c>. The names and Snap's codes come from Core's <see cref="Capi.Reason"/> values; only the
/// advice is written here. A test checks that every reason of Core has an entry.
/// </summary>
public static class ReasonFixes
{
    /// <summary>The runner's warning for an object that changed while it was read (see <c>JobRunner</c>).</summary>
    public const string SourceObjectChanged = "SOURCE_OBJECT_CHANGED";
    /// <summary>A rejection Snap answered with a code snapconv does not know (the rejects file keeps Snap's code and message).</summary>
    public const string RejectedBySnap = "REJECTED_BY_SNAP";

    private static readonly ReasonFix[] Table =
    [
        Of(Reason.MissingEventName, "The row says nothing about what happened. Map the column that holds the event (a sale, a sign-up), or give the job a fixed event_name."),
        Of(Reason.InvalidEventName, "The event name is not one of Snap's (PURCHASE, SIGN_UP, …). Map the column's values to Snap's names in the mapping, or set event_name."),
        Of(Reason.MissingEventTime, "The row has no date and time. Check that the order or transaction date column is mapped and filled in."),
        Of(Reason.InvalidEventTime, "The date and time could not be read. Check the date column's format in the mapping, and that it is a real date."),
        Of(Reason.InvalidActionSource, "Where the conversion happened (action_source) is missing or not allowed for a pixel. Offline sales are OFFLINE: check the mapping's action_source."),
        Of(Reason.MissingUserData, "The row has no usable e-mail, phone or mobile ad id — check that the e-mail column is mapped, and that phones carry a country code (or set default_country)."),
        Of(Reason.MissingCurrency, "A purchase needs a currency. Map the currency column, or set the job's currency (e.g. USD)."),
        Of(Reason.MissingValue, "A purchase needs an amount. Check that the order total column is mapped and not empty."),
        Of(Reason.InvalidCurrency, "The currency is not a three-letter ISO code (USD, EUR, GBP). Fix the column, or set the job's currency."),
        Of(Reason.InvalidValue, "The amount is not a number of zero or more. Look for text, negative refunds, or a decimal comma (set the job's locale)."),
        Of(Reason.UnhashedUserData, "An identifier that came already hashed is not a SHA-256 hex digest. Give snapconv the plain value to hash, or fix the hashing upstream."),
        Of(Reason.MalformedRecord, "The record could not be read (for example a broken JSON line). Re-export the file, or fix the line the rejects file names."),
        Of(Reason.InvalidEncoding, "A text value is not valid text in the file's encoding. Re-export the file as UTF-8, or set the job's encoding."),
        Of(Reason.InvalidPixelId, "Snap does not accept this Pixel ID with this token. Check pixel_id and that the token belongs to that pixel (Test connection tells)."),
        Of(Reason.Unauthorized, "Snap refused the access token. Put a valid token in the environment variable or file the job names, then Test connection."),
        Of(Reason.RateLimited, "Snap asked to slow down. Nothing is lost: the events stay pending and go out next run; lower delivery.qps if it keeps happening."),
        Of(Reason.InvalidRequestBodyJson, "Snap could not read the request. That is snapconv's fault, not your data's: report it with this run's log."),
        Of(Reason.TooManyEvents, "A request carried more than 2,000 events. Set delivery.batch_size to 2,000 or less."),
        Of(Reason.EventTimeTooOld, "The sale is older than Snap accepts (62 days, or the job's max_event_age_days). Export and send recent rows sooner."),
        Of(Reason.EventTimeInFuture, "The time is more than 10 minutes ahead, usually a wrong time zone. Set the job's timezone to the zone the export is written in."),
        Of(Reason.EventTimeNotAttributable, "Older than 37 days: Snap keeps the event but cannot credit it to an ad. Send exports sooner."),
        Of(Reason.InvalidPhone, "A phone number is not a possible number and was left out. Add the country code or set default_country; a number like 9.2E+11 means a spreadsheet re-saved the export."),
        Of(Reason.InvalidEmail, "An e-mail address is not valid and was left out. Check that the mapped column holds e-mail addresses."),
        Of(Reason.InvalidUserDataField, "An identifier (name, city, zip, gender, birth date, …) does not fit its rule and was left out. Check the mapped column's values."),
        Of(EventBuilder.InvalidNumItems, "The item count is not a whole number and was left out. Check the quantity column."),
        new(RejectedBySnap, null, "Snap rejected the event with its own code and message (both are in the rejects file). Fix what the message says and feed the rows back in.", false),
        new(SourceObjectChanged, null, "A file changed while it was being read; it is read again next run. Have the export write to a temporary name and rename it when done.", true),
    ];

    private static readonly Dictionary<string, ReasonFix> ByName = Table.ToDictionary(f => f.Reason, StringComparer.Ordinal);

    /// <summary>Every entry, in the table's order.</summary>
    public static IReadOnlyList<ReasonFix> All => Table;

    /// <summary>
    /// The entry of <paramref name="reason"/> (a reason name, or Snap's code as the rejects file writes it); an unknown one
    /// gets the advice for Snap's own rejections.
    /// </summary>
    public static ReasonFix For(string reason)
    {
        if (ByName.TryGetValue(reason, out var fix)) return fix;
        foreach (var f in Table)
            if (f.SnapCode == reason) return f;
        return ByName[RejectedBySnap] with { Reason = reason };
    }

    /// <summary>True when <paramref name="reason"/> has its own entry.</summary>
    public static bool IsKnown(string reason) => ByName.ContainsKey(reason);

    // Snap's code is the reason's Code where it differs from its name (Snap publishes numbers for some reasons only).
    private static ReasonFix Of(Reason r, string fix) => new(r.Name, r.Code == r.Name ? null : r.Code, fix, r.IsWarning);
}
