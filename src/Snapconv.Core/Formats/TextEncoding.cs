using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Snapconv.Core.Formats;

/// <summary>
/// The text encoding of a CSV/TSV or HTML-table input: how its bytes become characters, and the name the run summary
/// and the report (<c>input_files[].encoding</c>) show. Decoding is strict: bytes that are not valid in the encoding
/// stop the run (<see cref="InputException"/>) instead of becoming replacement characters, which would hash wrong.
/// </summary>
/// <remarks>
/// Names: <c>utf-8</c>, <c>utf-8-bom</c> (UTF-8 that starts with a byte order mark), <c>utf-16le</c>, <c>utf-16be</c>,
/// <c>windows-1252</c>, or any other name .NET knows (code pages included) given with <c>--encoding</c>, shown as its
/// web name (<c>iso-8859-1</c>, <c>windows-1250</c> …). A byte order mark that matches the encoding is skipped.
/// </remarks>
public sealed class TextEncoding
{
    /// <summary>The names <see cref="TryParse"/> offers in its error messages.</summary>
    public const string CommonNames = "utf-8, utf-16le, utf-16be, windows-1252, iso-8859-1, windows-1250, iso-8859-15";

    // Declared first: the instances below share it. The preamble lets StreamReader skip a BOM (and only a BOM) at the
    // start; throwOnInvalidBytes keeps the runtime's vectorized UTF-8 transcoding and only throws where it would
    // have written U+FFFD.
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: true, throwOnInvalidBytes: true);

    private TextEncoding(string name, Encoding decoder, bool forced)
    {
        Name = name;
        Decoder = decoder;
        Forced = forced;
    }

    /// <summary>UTF-8 without a byte order mark (detected).</summary>
    public static TextEncoding Utf8 { get; } = new("utf-8", StrictUtf8, forced: false);

    /// <summary>UTF-8 that starts with a byte order mark (detected); the mark is skipped.</summary>
    public static TextEncoding Utf8Bom { get; } = new("utf-8-bom", StrictUtf8, forced: false);

    /// <summary>UTF-16 little-endian, detected from its byte order mark.</summary>
    public static TextEncoding Utf16Le { get; } = new("utf-16le", new UnicodeEncoding(bigEndian: false, byteOrderMark: true, throwOnInvalidBytes: true), forced: false);

    /// <summary>UTF-16 big-endian, detected from its byte order mark.</summary>
    public static TextEncoding Utf16Be { get; } = new("utf-16be", new UnicodeEncoding(bigEndian: true, byteOrderMark: true, throwOnInvalidBytes: true), forced: false);

    /// <summary>Windows-1252 (a superset of ISO-8859-1's printable characters), detected when the first block is not UTF-8.</summary>
    public static TextEncoding Windows1252 { get; } = new("windows-1252", CodePage(1252), forced: false);

    /// <summary>The name shown in the summary and the report.</summary>
    public string Name { get; }

    /// <summary>True when the user named the encoding (<c>--encoding</c>, mapping or job key <c>encoding</c>); false when detected.</summary>
    public bool Forced { get; }

    /// <summary>A strict decoder (throws <see cref="DecoderFallbackException"/> on invalid bytes) whose preamble is the encoding's BOM.</summary>
    internal Encoding Decoder { get; }

    internal bool IsUtf8 => ReferenceEquals(Decoder, StrictUtf8);

    /// <summary>
    /// Resolves a user-given encoding name (case-insensitive): <c>utf-8</c> (also <c>utf8</c>, <c>utf-8-bom</c>,
    /// <c>utf-8-sig</c>), <c>utf-16le</c> (also <c>utf-16</c>), <c>utf-16be</c>, <c>windows-1252</c> (also <c>cp1252</c>),
    /// or any name or code page number .NET knows, code pages included.
    /// </summary>
    /// <returns>False when the name is unknown.</returns>
    public static bool TryParse(string? name, [NotNullWhen(true)] out TextEncoding? encoding)
    {
        encoding = null;
        var key = name?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(key)) return false;
        encoding = key switch
        {
            "utf-8" or "utf8" or "utf-8-bom" or "utf-8-sig" => new TextEncoding("utf-8", StrictUtf8, forced: true),
            "utf-16le" or "utf-16" or "utf16" or "utf16le" => new TextEncoding(Utf16Le.Name, Utf16Le.Decoder, forced: true),
            "utf-16be" or "utf16be" => new TextEncoding(Utf16Be.Name, Utf16Be.Decoder, forced: true),
            "windows-1252" or "cp1252" => new TextEncoding(Windows1252.Name, Windows1252.Decoder, forced: true),
            _ => Other(key),
        };
        return encoding is not null;
    }

    /// <summary>The message of the error raised when bytes are not valid in this encoding (never row content).</summary>
    /// <param name="where">Where the bytes are, as far as the reader can tell, e.g. <c>in the header</c>.</param>
    internal string InvalidBytesMessage(string where)
    {
        const string ask = "name the file's encoding, e.g. --encoding windows-1252 (mapping or job key: encoding)";
        if (IsUtf8 && !Forced)
        {
            return $"bytes that are not valid UTF-8 {where} (the encoding is detected from the first "
                + $"{TextEncodingDetector.BlockBytes / (1 << 20)} MiB, which were UTF-8): {ask}";
        }

        return $"bytes that are not valid {Name} {where}: {ask}";
    }

    /// <summary>This encoding as found in the file (a declared charset) rather than named by the user.</summary>
    internal TextEncoding AsDetected() => Forced ? new TextEncoding(Name, Decoder, forced: false) : this;

    /// <inheritdoc/>
    public override string ToString() => Name;

    private static TextEncoding? Other(string key)
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        try
        {
            var e = int.TryParse(key, out var codePage)
                ? Encoding.GetEncoding(codePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback)
                : Encoding.GetEncoding(key, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
            return e.CodePage switch
            {
                65001 => new TextEncoding("utf-8", StrictUtf8, forced: true),
                1200 => new TextEncoding(Utf16Le.Name, Utf16Le.Decoder, forced: true),
                1201 => new TextEncoding(Utf16Be.Name, Utf16Be.Decoder, forced: true),
                65000 => null, // UTF-7: obsolete and a security risk
                _ => new TextEncoding(e.WebName, e, forced: true),
            };
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    private static Encoding CodePage(int codePage)
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(codePage, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
    }
}
