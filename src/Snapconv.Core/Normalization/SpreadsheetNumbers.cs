using Snapconv.Core.Capi;

namespace Snapconv.Core.Normalization;

/// <summary>
/// Numbers a spreadsheet destroyed (#15): re-saving an export writes a long number in scientific notation
/// (<c>9.23228E+11</c>) and keeps only its first digits, so a phone written so can never be read back. Kept apart from
/// <see cref="PhoneNormalizer"/> so that the run's counts can recognise the warning without loading libphonenumber.
/// </summary>
public static class SpreadsheetNumbers
{
    /// <summary>
    /// The warning of a phone in scientific notation: named <c>INVALID_PHONE</c> as any dropped phone, with a message
    /// that says why; the run summary counts these once (<see cref="Pipeline.RunReport.PhonesInScientificNotation"/>).
    /// </summary>
    public static readonly Reason PhoneReason = Reason.InvalidPhone with
    {
        Message = "phone number is in scientific notation (like 9.23228E+11): the export was re-saved by a spreadsheet, which lost its digits; export it again from the source system",
    };

    /// <summary>
    /// True for a number a spreadsheet wrote in scientific notation: digits, optionally a decimal mark (<c>.</c> or
    /// <c>,</c>) and digits, then <c>E</c> (any case), an optional sign and digits — <c>9.23228E+11</c>,
    /// <c>1.4485E+10</c>, <c>9,23228E+11</c>, <c>1E+10</c>. The phone fast paths decline such text (a letter), so only
    /// the general path asks.
    /// </summary>
    public static bool IsScientificNotation(ReadOnlySpan<char> s)
    {
        var e = s.IndexOfAny('E', 'e');
        if (e <= 0 || e == s.Length - 1) return false;
        var mantissa = s[..e];
        var mark = mantissa.IndexOfAny('.', ',');
        if (mark == 0 || mark == mantissa.Length - 1) return false;
        if (!AllAsciiDigits(mark < 0 ? mantissa : mantissa[..mark]) || (mark > 0 && !AllAsciiDigits(mantissa[(mark + 1)..]))) return false;
        var exponent = s[(e + 1)..];
        if (exponent[0] is '+' or '-') exponent = exponent[1..];
        return AllAsciiDigits(exponent);
    }

    private static bool AllAsciiDigits(ReadOnlySpan<char> s) => !s.IsEmpty && !s.ContainsAnyExceptInRange('0', '9');
}
