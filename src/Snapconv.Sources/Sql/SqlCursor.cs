using System.Globalization;

namespace Snapconv.Sources.Sql;

/// <summary>
/// A cursor value with its type, stored as text in the ledger: <c>i:42</c>, <c>d:1.5</c>, <c>tz:2024-05-01T10:00:00.0000000Z</c>,
/// <c>ts:2024-05-01T10:00:00.0000000</c> (no zone) or <c>s:text</c>.
/// </summary>
internal readonly record struct SqlCursor(string Kind, string Text)
{
    public string Encoded => Kind + ":" + Text;

    public static SqlCursor Decode(string encoded)
    {
        var colon = encoded.IndexOf(':');
        return colon > 0 ? new SqlCursor(encoded[..colon], encoded[(colon + 1)..]) : new SqlCursor("s", encoded);
    }

    /// <summary>Guesses the type of a <c>cursor_start</c> written by hand.</summary>
    public static SqlCursor Infer(string text)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)) return new("i", text);
        if (decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out _)) return new("d", text);
        if (text.Length >= 10 && char.IsAsciiDigit(text[0]) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var dto))
        {
            var hasZone = text.EndsWith('Z') || text.EndsWith('z') || System.Text.RegularExpressions.Regex.IsMatch(text, @"[+-]\d\d:?\d\d$");
            return hasZone
                ? new("tz", dto.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture))
                : new("ts", dto.DateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffff", CultureInfo.InvariantCulture));
        }
        return new("s", text);
    }

    /// <summary>The cursor of a value read from the database; null for DBNull or an unsupported type.</summary>
    public static SqlCursor? FromValue(object value, string? dataTypeName) => value switch
    {
        long or int or short or byte => new("i", Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)),
        decimal or double or float => new("d", Convert.ToDecimal(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)),
        DateTimeOffset o => new("tz", o.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture)),
        DateTime d when d.Kind == DateTimeKind.Utc || (dataTypeName?.Contains("with time zone", StringComparison.OrdinalIgnoreCase) ?? false)
            => new("tz", DateTime.SpecifyKind(d, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ", CultureInfo.InvariantCulture)),
        DateTime d => new("ts", d.ToString("yyyy-MM-ddTHH:mm:ss.fffffff", CultureInfo.InvariantCulture)),
        string s => new("s", s),
        _ => null,
    };

    /// <summary>The value bound to <c>@cursor</c>.</summary>
    public object ToParameter(SqlDriver driver) => Kind switch
    {
        "i" => long.Parse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
        "d" when driver == SqlDriver.Postgres => decimal.Parse(Text, NumberStyles.Number, CultureInfo.InvariantCulture),
        "d" => double.Parse(Text, NumberStyles.Float, CultureInfo.InvariantCulture),
        "tz" when driver == SqlDriver.Postgres => DateTime.SpecifyKind(DateTime.Parse(Text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc),
        "ts" when driver == SqlDriver.Postgres => DateTime.SpecifyKind(DateTime.Parse(Text, CultureInfo.InvariantCulture, DateTimeStyles.None), DateTimeKind.Unspecified),
        _ => Text,
    };

    /// <summary>Compares two cursors of one kind (numbers as numbers, times and text ordinally: their text sorts).</summary>
    public int CompareTo(SqlCursor other) => Kind switch
    {
        "i" => long.Parse(Text, CultureInfo.InvariantCulture).CompareTo(long.Parse(other.Text, CultureInfo.InvariantCulture)),
        "d" => decimal.Parse(Text, CultureInfo.InvariantCulture).CompareTo(decimal.Parse(other.Text, CultureInfo.InvariantCulture)),
        _ => string.CompareOrdinal(Text, other.Text),
    };
}
