using System.Globalization;
using System.IO.Compression;
using System.Xml;

namespace Snapconv.Core.Formats;

/// <summary>
/// Checks an .xlsx workbook against Excel's own sheet size and the input limits before ExcelDataReader opens it: that
/// reader sizes its rows by the farthest cell reference and yields every empty row up to the last row number, so a
/// 1.6 KB file naming cell <c>ZZZZZ1</c> took 2.3 GB and one with <c>row r="2000000000"</c> 102 s (#16).
/// </summary>
/// <remarks>
/// One streaming pass over the sheets and the shared strings with <see cref="XmlReader"/> (text read in chunks, never
/// whole): time linear in the decompressed size, memory a few buffers.
/// </remarks>
internal static class WorkbookLimits
{
    /// <summary>Excel's last row.</summary>
    public const int MaxRows = 1_048_576;

    /// <summary>The most characters all shared strings together may hold (ExcelDataReader keeps them all in memory): 256 Mi.</summary>
    public const long MaxSharedStringChars = 256L << 20;

    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CloseInput = true,
    };

    /// <summary>Throws <see cref="InputException"/> naming the file, the part and the limit; leaves the stream where it was.</summary>
    /// <param name="stream">The workbook (seekable).</param>
    /// <param name="sourceName">The file as the user named it.</param>
    /// <param name="maxDecompressedBytes">The most bytes the sheets and shared strings may decompress to.</param>
    public static void Check(Stream stream, string sourceName, long maxDecompressedBytes)
    {
        var start = stream.Position;
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            long declared = 0;
            var buffer = new char[0x4000];
            foreach (var entry in zip.Entries)
            {
                var name = entry.FullName;
                var sheet = name.StartsWith("xl/worksheets/", StringComparison.OrdinalIgnoreCase) && name.EndsWith(".xml", StringComparison.OrdinalIgnoreCase);
                var strings = name.Equals("xl/sharedStrings.xml", StringComparison.OrdinalIgnoreCase);
                if (!sheet && !strings) continue;
                declared += entry.Length;
                if (declared > maxDecompressedBytes)
                    throw new InputException(sourceName, $"the workbook decompresses to more than {GzipSizeCheckStream.FormatSize(maxDecompressedBytes)} (the limit against compression bombs); raise it with --max-decompressed-size if the file is genuine");
                using var xml = XmlReader.Create(entry.Open(), Settings);
                var part = Path.GetFileNameWithoutExtension(name);
                if (sheet) CheckSheet(xml, sourceName, part, buffer);
                else CheckSharedStrings(xml, sourceName, buffer);
            }
        }
        catch (Exception e) when (e is InvalidDataException or XmlException or IOException)
        {
            // Not a zip or not XML: ExcelDataReader says so in its own words (or reads a binary .xls).
        }
        finally
        {
            stream.Position = start;
        }
    }

    private static void CheckSheet(XmlReader xml, string file, string part, char[] buffer)
    {
        long row = 0;
        var cells = 0;
        while (xml.Read())
        {
            switch (xml.NodeType)
            {
                case XmlNodeType.Element when xml.LocalName == "row":
                    var r = xml.GetAttribute("r");
                    row = r is null ? row + 1 : long.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : long.MaxValue;
                    if (row is < 1 or > MaxRows) throw Outside(file, part, $"row number {Clip(r)}");
                    cells = 0;
                    break;
                case XmlNodeType.Element when xml.LocalName == "c":
                    if (++cells > RecordReaderOptions.MaxColumns)
                        throw new InputException(file, $"{part}: row {row} has more than {RecordReaderOptions.MaxColumns:N0} cells (the limit)");
                    if (xml.GetAttribute("r") is { } reference && !WithinSheet(reference)) throw Outside(file, part, $"cell {Clip(reference)}");
                    break;
                case XmlNodeType.Element when xml.LocalName == "dimension":
                    if (xml.GetAttribute("ref") is { } range && !range.Split(':').All(WithinSheet)) throw Outside(file, part, $"dimension {Clip(range)}");
                    break;
                case XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace or XmlNodeType.Whitespace:
                    if (TextLength(xml, buffer, RecordReaderOptions.MaxValueLength) > RecordReaderOptions.MaxValueLength)
                        throw new InputException(file, $"{part}: a cell in row {row} is longer than {RecordReaderOptions.MaxValueLength >> 20} MiB (the limit)");
                    break;
            }
        }
    }

    private static void CheckSharedStrings(XmlReader xml, string file, char[] buffer)
    {
        long item = 0, length = 0, total = 0;
        while (xml.Read())
        {
            if (xml.NodeType == XmlNodeType.Element && xml.LocalName == "si")
            {
                item++;
                length = 0;
            }
            else if (xml.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace or XmlNodeType.Whitespace)
            {
                var n = TextLength(xml, buffer, RecordReaderOptions.MaxValueLength - length);
                length += n;
                total += n;
                if (length > RecordReaderOptions.MaxValueLength)
                    throw new InputException(file, $"shared string {item} is longer than {RecordReaderOptions.MaxValueLength >> 20} MiB (the limit)");
                if (total > MaxSharedStringChars)
                    throw new InputException(file, $"the shared strings hold more than {MaxSharedStringChars >> 20} Mi characters (the limit); export CSV instead");
            }
        }
    }

    /// <summary>The length of the current text node, read in chunks and counted up to just past <paramref name="max"/>.</summary>
    private static long TextLength(XmlReader xml, char[] buffer, long max)
    {
        long length = 0;
        int n;
        while (length <= max && (n = xml.ReadValueChunk(buffer, 0, buffer.Length)) > 0) length += n;
        return length;
    }

    /// <summary>Whether an A1 reference (<c>B7</c>, <c>$B$7</c>) lies within column XFD and row 1,048,576.</summary>
    internal static bool WithinSheet(string reference)
    {
        var s = reference.AsSpan().Trim();
        var i = 0;
        if (i < s.Length && s[i] == '$') i++;
        var column = 0;
        var letters = 0;
        while (i < s.Length && char.IsAsciiLetter(s[i]))
        {
            if (++letters > 3) return false;
            column = column * 26 + (char.ToUpperInvariant(s[i]) - 'A' + 1);
            i++;
        }
        if (letters == 0 || column > RecordReaderOptions.MaxColumns) return false;
        if (i < s.Length && s[i] == '$') i++;
        var digits = s[i..];
        return digits.IsEmpty
            || (digits.Length <= 7 && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var row) && row is >= 1 and <= MaxRows);
    }

    private static InputException Outside(string file, string part, string what) =>
        new(file, $"{part}: {what} is outside Excel's sheet (last column XFD, last row 1,048,576); the file is corrupt or not from Excel");

    private static string Clip(string? value) => value is null ? "" : value.Length <= 20 ? value : value[..20] + "…";
}
