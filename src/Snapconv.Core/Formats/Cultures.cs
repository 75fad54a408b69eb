using System.Globalization;

namespace Snapconv.Core.Formats;

/// <summary>Cultures by the names users give them (<c>--locale</c>, a mapping's <c>locale:</c>).</summary>
internal static class Cultures
{
    /// <summary>A culture by name (<c>en-US</c>, <c>de-DE</c>, <c>invariant</c>). False for unknown or neutral names.</summary>
    public static bool TryGet(string name, out CultureInfo culture)
    {
        culture = CultureInfo.InvariantCulture;
        if (string.Equals(name, "invariant", StringComparison.OrdinalIgnoreCase)) return true;
        try
        {
            culture = CultureInfo.GetCultureInfo(name, predefinedOnly: true);
            return !culture.IsNeutralCulture && culture.Name.Length > 0;
        }
        catch (CultureNotFoundException)
        {
            return false;
        }
    }
}
