

namespace Snapconv.Console.Runtime;

/// <summary>
/// A plain-language fix for each reason a row is rejected or warned about (the run page, the preview): what to check
/// in the export or the mapping. One list, so every page words a reason the same way.
/// </summary>
public static class ReasonHints
{
    private static readonly Dictionary<string, string> Fixes = new(StringComparer.Ordinal)
    {
        ["MISSING_USER_DATA"] = "the row has no usable e-mail, phone or mobile ad id — check that the e-mail column is mapped and filled.",
        ["MISSING_EVENT_NAME"] = "the row names no event — map the event column, or set event_name (e.g. PURCHASE) on the job.",
        ["INVALID_EVENT_NAME"] = "the event is not one Snap knows — map it to PURCHASE, SIGN_UP, … in the mapping's values.",
        ["MISSING_EVENT_TIME"] = "the row has no date — map the order or sale date column.",
        ["INVALID_EVENT_TIME"] = "the date cannot be read or lies outside what Snap accepts — check the date column's format and the job's time zone.",
        ["EVENT_TOO_OLD"] = "the sale is older than Snap accepts — export more recent rows, or they are dropped.",
        ["MISSING_CURRENCY"] = "a purchase needs a currency — map the currency column or set currency on the job.",
        ["INVALID_CURRENCY"] = "the currency is not an ISO 4217 code — use codes such as USD or EUR.",
        ["MISSING_VALUE"] = "a purchase needs an amount — map the total or amount column.",
        ["INVALID_VALUE"] = "the amount is not a non-negative number — check the amount column (and the locale for decimal commas).",
        ["MALFORMED_RECORD"] = "the record could not be read — check the file is a well-formed export.",
        ["INVALID_ENCODING"] = "a value is not valid text — set the job's encoding (e.g. windows-1252) to the export's.",
        ["UNHASHED_USER_DATA"] = "an identifier column holds text that claims to be a hash but is not — map the raw column instead.",
        ["INVALID_ACTION_SOURCE"] = "the action source is not supported for this pixel — check the mapping's action_source.",
    };

    /// <summary>The fix of <paramref name="reason"/> (its name, e.g. <c>MISSING_USER_DATA</c>), or a pointer to the rejects file.</summary>
    public static string Fix(string reason) =>
        Fixes.TryGetValue(reason, out var f) ? f : "see the rows in the rejects file (Download rejects) and the reason's wording in docs/console.md.";
}
