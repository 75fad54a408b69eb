using System.IO.Compression;

namespace Snapconv.Core.Formats;

/// <summary>Opens the right <see cref="IRecordReader"/> for a file.</summary>
public static class RecordReaders
{
    private const int SniffBytes = 4096;

    /// <summary>
    /// Opens <paramref name="path"/> and picks its format from the name, then the content:
    /// <list type="bullet">
    /// <item><c>.gz</c> (or gzip magic <c>1f 8b</c>) is decompressed on the fly and the inner format is picked from the
    /// name without <c>.gz</c>, then from the content;</item>
    /// <item><c>.csv</c>, <c>.tsv</c> (TAB unless <see cref="RecordReaderOptions.Delimiter"/> says otherwise),
    /// <c>.txt</c> and unrecognised text are CSV, delimiter sniffed, encoding <see cref="RecordReaderOptions.Encoding"/>
    /// or detected from the first block (<see cref="TextEncodingDetector"/>);</item>
    /// <item><c>.json</c> is a JSON array when its first non-blank character is <c>[</c>, otherwise NDJSON;</item>
    /// <item><c>.ndjson</c> and <c>.jsonl</c> are NDJSON;</item>
    /// <item><c>.parquet</c> (or content starting with <c>PAR1</c>) is Parquet, which returns an
    /// <see cref="ITypedRecordReader"/>. A gzipped Parquet file is decompressed to a temporary file first.</item>
    /// </list>
    /// The returned reader owns the file handle. <see cref="IRecordReader.SourceName"/> is <paramref name="path"/> as given.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <param name="options">CSV options. Default: <see cref="RecordReaderOptions.Default"/>.</param>
    /// <exception cref="InputException">The file is missing, unreadable, a corrupt gzip or Parquet file, or its first
    /// rows are malformed. The message names the file, never row content.</exception>
    public static IRecordReader Open(string path, RecordReaderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= RecordReaderOptions.Default;

        Stream stream = OpenFile(path);
        try
        {
            var name = path;
            var head = Peek(ref stream, path);
            if (IsGzip(head))
            {
                if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
                {
                    name = name[..^3];
                }

                var expectedSize = TrailerSize(stream, path);
                stream = new GzipSizeCheckStream(new GZipStream(stream, CompressionMode.Decompress, leaveOpen: false), expectedSize,
                    options.MaxDecompressedBytes, path);
                head = Peek(ref stream, path);
            }
            else if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            {
                throw new InputException(path, "not a gzip file (the name ends in .gz)");
            }

            var kind = MparticleRecordReader.IsVerificationFile(name) ? InputFormat.Mparticle : Detect(name, head);
            switch (kind)
            {
                case InputFormat.Workbook:
                    stream = EnsureSeekable(stream, path);
                    return new WorkbookRecordReader(stream, path, options);
                case InputFormat.HtmlTable:
                    return new HtmlTableRecordReader(stream, path, options.Encoding);
                case InputFormat.Mparticle:
                    return new MparticleRecordReader(stream, path);
                case InputFormat.Parquet:
                    stream = EnsureSeekable(stream, path);
                    return new ParquetRecordReader(stream, path);
                case InputFormat.JsonArray:
                    return new JsonArrayRecordReader(stream, path);
                case InputFormat.Ndjson:
                    return new NdjsonRecordReader(stream, path);
                default:
                    var tsv = Path.GetExtension(name).Equals(".tsv", StringComparison.OrdinalIgnoreCase) ? '\t' : (char?)null;
                    var encoding = options.Encoding ?? DetectEncoding(ref stream, path);
                    var footer = HasSalesforceFooter(stream);
                    var csv = new CsvRecordReader(stream, path, options, tsv, encoding);
                    return footer && csv.Headers.Count > 1 ? new ReportFooterReader(csv) : csv;
            }
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The format <see cref="Open"/> would pick for a (decompressed) file name and its first bytes.</summary>
    internal static InputFormat Detect(string name, ReadOnlySpan<byte> head)
    {
        var ext = Path.GetExtension(name).ToLowerInvariant();
        switch (ext)
        {
            case ".xlsx":
            case ".xlsm":
                return InputFormat.Workbook;
            case ".xls":
                // Bitrix24's "Excel" export is an HTML table named .xls.
                return HtmlTableRecordReader.LooksLikeHtml(head) ? InputFormat.HtmlTable : InputFormat.Workbook;
            case ".ndjson" or ".jsonl" or ".json" or ".txt" when MparticleRecordReader.LooksLikeBatch(head):
                return InputFormat.Mparticle;
            case ".parquet":
                return InputFormat.Parquet;
            case ".ndjson":
            case ".jsonl":
                return InputFormat.Ndjson;
            case ".json":
                return FirstSignificant(head) == (byte)'[' || !FirstLineIsWholeJson(head) ? InputFormat.JsonArray : InputFormat.Ndjson;
            case ".csv":
            case ".tsv":
            case ".txt":
                return InputFormat.Csv;
        }

        if (head.StartsWith("PAR1"u8))
        {
            return InputFormat.Parquet;
        }

        if (head.StartsWith("PK\u0003\u0004"u8) || head.StartsWith((ReadOnlySpan<byte>)[0xD0, 0xCF, 0x11, 0xE0]))
        {
            return InputFormat.Workbook;
        }

        if (HtmlTableRecordReader.LooksLikeHtml(head))
        {
            return InputFormat.HtmlTable;
        }

        if (MparticleRecordReader.LooksLikeBatch(head))
        {
            return InputFormat.Mparticle;
        }

        return FirstSignificant(head) switch
        {
            (byte)'[' => InputFormat.JsonArray,
            (byte)'{' => FirstLineIsWholeJson(head) ? InputFormat.Ndjson : InputFormat.JsonArray,
            _ => InputFormat.Csv,
        };
    }

    /// <summary>
    /// NDJSON's first record is a whole object on its first line; a pretty-printed object (a lone <c>{</c> on
    /// the first line) is not. A first line longer than the peeked bytes is taken as NDJSON.
    /// </summary>
    private static bool FirstLineIsWholeJson(ReadOnlySpan<byte> head)
    {
        var i = 0;
        while (i < head.Length && (head[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' || head[i] == 0xEF || head[i] == 0xBB || head[i] == 0xBF)) i++;
        var rest = head[i..];
        var end = rest.IndexOf((byte)'\n');
        if (end < 0) return true;
        var reader = new System.Text.Json.Utf8JsonReader(rest[..end], isFinalBlock: true, state: default);
        try
        {
            return reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.StartObject && reader.TrySkip();
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static Stream OpenFile(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputException(path, "file not found");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InputException(path, "permission denied", inner: e);
        }
        catch (IOException e)
        {
            throw new InputException(path, "cannot open the file", inner: e);
        }
    }

    /// <summary>The encoding of a text file, from its first block (replayed to the reader).</summary>
    private static TextEncoding DetectEncoding(ref Stream stream, string path)
    {
        var block = new byte[TextEncodingDetector.BlockBytes];
        var n = 0;
        var complete = false;
        try
        {
            while (n < block.Length)
            {
                var read = stream.Read(block, n, block.Length - n);
                if (read == 0)
                {
                    complete = true;
                    break;
                }

                n += read;
            }
        }
        catch (InvalidDataException)
        {
            // Corrupt or truncated gzip within the block: detect from what was read. The stream fails again after the
            // replay, and the reader reports it with the row it reached.
        }
        catch (IOException e)
        {
            throw new InputException(path, "cannot read the file", inner: e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InputException(path, "permission denied", inner: e);
        }

        var head = n == block.Length ? block : block.AsSpan(0, n).ToArray();
        Replay(ref stream, head);
        return TextEncodingDetector.Detect(head, complete, path);
    }

    /// <summary>Reads the first bytes and swaps <paramref name="stream"/> for one that replays them.</summary>
    private static byte[] Peek(ref Stream stream, string path)
    {
        var buffer = new byte[SniffBytes];
        int n;
        try
        {
            n = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new InputException(path, "corrupt or truncated gzip data", inner: e);
        }
        catch (IOException e)
        {
            throw new InputException(path, "cannot read the file", inner: e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InputException(path, "permission denied", inner: e);
        }

        var head = buffer.AsSpan(0, n).ToArray();
        Replay(ref stream, head);
        return head;
    }

    /// <summary>Makes <paramref name="stream"/> give <paramref name="head"/> (just read from it) again.</summary>
    private static void Replay(ref Stream stream, byte[] head)
    {
        if (stream.CanSeek)
        {
            stream.Seek(-head.Length, SeekOrigin.Current);
        }
        else
        {
            stream = new PrefixedStream(head, stream);
        }
    }

    private static uint TrailerSize(Stream file, string path)
    {
        try
        {
            if (file.Length < 18)
            {
                throw new InputException(path, "corrupt gzip data: the file is too short");
            }

            return GzipSizeCheckStream.ReadTrailerSize(file);
        }
        catch (IOException e)
        {
            throw new InputException(path, "cannot read the file", inner: e);
        }
    }

    /// <summary>Whether the last bytes of a (seekable, uncompressed) file hold Salesforce's report footer.</summary>
    private static bool HasSalesforceFooter(Stream stream)
    {
        if (!stream.CanSeek) return false;
        var start = stream.Position;
        try
        {
            var tail = (int)Math.Min(stream.Length - start, 4096);
            var buffer = new byte[tail];
            stream.Seek(-tail, SeekOrigin.End);
            stream.ReadExactly(buffer);
            return buffer.AsSpan().IndexOf("salesforce.com"u8) >= 0 && buffer.AsSpan().IndexOf("Copyright (c)"u8) >= 0;
        }
        catch (IOException)
        {
            return false;
        }
        finally
        {
            stream.Position = start;
        }
    }

    private static bool IsGzip(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b;

    private static byte FirstSignificant(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            head = head[3..];
        }

        foreach (var b in head)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return b;
            }
        }

        return 0;
    }

    private static Stream EnsureSeekable(Stream stream, string path)
    {
        if (stream.CanSeek)
        {
            return stream;
        }

        // Parquet needs random access (the footer is at the end): spill the decompressed bytes to a temp file.
        var temp = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16,
            FileOptions.DeleteOnClose);
        try
        {
            stream.CopyTo(temp);
            temp.Position = 0;
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            temp.Dispose();
            throw new InputException(path, "corrupt gzip data", inner: e);
        }

        stream.Dispose();
        return temp;
    }
}

/// <summary>The formats <see cref="RecordReaders"/> can read.</summary>
internal enum InputFormat
{
    Csv,
    JsonArray,
    Ndjson,
    Parquet,
    Workbook,
    HtmlTable,
    Mparticle,
}
