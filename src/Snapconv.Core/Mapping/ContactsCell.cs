namespace Snapconv.Core.Mapping;

/// <summary>
/// A cell holding a customer's e-mail and/or phone in free form (<c>extract: contacts</c>; Loyverse's
/// <c>Customer contacts</c>): every word with an <c>@</c> is an e-mail, the remaining text a phone when it has digits.
/// </summary>
public static class ContactsCell
{
    public static (List<string> Emails, string? Phone) Split(string cell)
    {
        var emails = new List<string>();
        var rest = new List<string>();
        foreach (var word in cell.Split([' ', ',', ';', '\n', '\r', '\t', '|'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            (word.Contains('@') ? emails : rest).Add(word);
        var phone = string.Join(" ", rest);
        return (emails, phone.Any(char.IsAsciiDigit) ? phone : null);
    }
}
