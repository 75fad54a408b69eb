using System.Globalization;

namespace Snapconv.Core.Formats;

/// <summary>Sizes as people write them: <c>50GiB</c>, <c>500 MB</c>, <c>2g</c>, <c>1048576</c> (bytes).</summary>
public static class ByteSize
{
    /// <summary>
    /// Parses a whole number with an optional unit: none or <c>B</c> (bytes), <c>K</c>/<c>KB</c>/<c>KiB</c>,
    /// <c>M</c>/<c>MB</c>/<c>MiB</c>, <c>G</c>/<c>GB</c>/<c>GiB</c>, <c>T</c>/<c>TB</c>/<c>TiB</c> (case-insensitive). Units
    /// are binary (1 KB = 1,024 bytes), as files are measured.
    /// </summary>
    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        var s = (text ?? "").Trim();
        var digits = 0;
        while (digits < s.Length && char.IsAsciiDigit(s[digits])) digits++;
        if (digits == 0 || !long.TryParse(s.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return false;
        var shift = s[digits..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 0,
            "K" or "KB" or "KIB" => 10,
            "M" or "MB" or "MIB" => 20,
            "G" or "GB" or "GIB" => 30,
            "T" or "TB" or "TIB" => 40,
            _ => -1,
        };
        if (shift < 0 || n > long.MaxValue >> shift) return false;
        bytes = n << shift;
        return bytes > 0;
    }
}
