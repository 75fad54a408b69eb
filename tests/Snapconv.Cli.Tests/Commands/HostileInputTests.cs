using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Snapconv.Cli.Tests.Commands;

/// <summary>
/// Bombs and broken files run through the built CLI in a child process under a 1 GiB managed-heap limit
/// (<c>DOTNET_GCHeapHardLimit</c>) with its peak resident memory read from <c>/proc/PID/status</c> (VmHWM): each ends
/// within its memory and time bounds, with the right exit code and a message naming the file (and row) (#16).
/// </summary>
public sealed class HostileInputTests : IClassFixture<HostileInputTests.Bombs>
{
    private const long PeakRssLimitKb = 1L << 20; // 1 GiB
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly Bombs _bombs;

    public HostileInputTests(Bombs bombs) => _bombs = bombs;

    /// <summary>The bombs, written once per run by streaming into GZipStream (never built whole in memory).</summary>
    public sealed class Bombs : IDisposable
    {
        private readonly TempDir _dir = new();

        public string File(string name) => _dir.File(name);

        public void Dispose() => _dir.Dispose();

        /// <summary>Writes <paramref name="head"/>, <paramref name="count"/> MiB of <paramref name="fill"/>, then <paramref name="tail"/>, gzipped.</summary>
        public string Gzip(string name, string head, byte fill, int count, string tail)
        {
            var path = File(name);
            if (System.IO.File.Exists(path)) return path;
            using var gz = new GZipStream(System.IO.File.Create(path), CompressionLevel.Fastest);
            gz.Write(Encoding.UTF8.GetBytes(head));
            var block = new byte[1 << 20];
            block.AsSpan().Fill(fill);
            for (var i = 0; i < count; i++) gz.Write(block);
            gz.Write(Encoding.UTF8.GetBytes(tail));
            return path;
        }

        public string Text(string name, string text)
        {
            var path = File(name);
            System.IO.File.WriteAllText(path, text);
            return path;
        }
    }

    private sealed record Outcome(int ExitCode, string Output, long PeakRssKb, TimeSpan Elapsed)
    {
        public override string ToString() => $"exit {ExitCode}, {PeakRssKb / 1024} MiB peak, {Elapsed.TotalSeconds:F1} s: {Output}";
    }

    private static async Task<Outcome> Snapconv(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "snapconv.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_GCHeapHardLimit"] = (1L << 30).ToString("X", CultureInfo.InvariantCulture); // hex, as the runtime reads it
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        long peak = 0;
        // Poll the child's high-water mark until it exits (bounded by Bound): VmHWM only grows, so the last read is the peak
        // up to a few milliseconds before the end.
        while (!p.HasExited && clock.Elapsed < Bound)
        {
            peak = Math.Max(peak, PeakRssKb(p.Id));
            await Task.Delay(15);
        }

        if (!p.HasExited) p.Kill(entireProcessTree: true);
        await p.WaitForExitAsync();
        return new Outcome(p.ExitCode, (await stdout) + (await stderr), peak, clock.Elapsed);
    }

    private static long PeakRssKb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // exited between the check and the read
        }

        return 0;
    }

    private static void AssertWithinBounds(Outcome o, int exitCode, params string[] expected)
    {
        Assert.True(o.ExitCode == exitCode, o.ToString());
        Assert.True(o.Elapsed < Bound, o.ToString());
        Assert.True(o.PeakRssKb < PeakRssLimitKb, o.ToString());
        Assert.True(o.PeakRssKb > 0 || !OperatingSystem.IsLinux(), "the peak was never read: " + o);
        foreach (var e in expected) Assert.True(o.Output.Contains(e, StringComparison.Ordinal), $"'{e}' missing: {o}");
        Assert.DoesNotContain("   at ", o.Output, StringComparison.Ordinal); // no stack trace
        Assert.DoesNotContain("unexpected failure", o.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_GzippedNdjsonHoldingAHugeString_StopsAtTheLineLimit()
    {
        // A 4.3 MB .ndjson.gz holding one 1 GB string reached 15 GB (exit 0).
        var path = _bombs.Gzip("string.ndjson.gz", "{\"em\":\"", (byte)'a', 256, "\"}\n");

        var o = await Snapconv("validate", path);

        AssertWithinBounds(o, 2, path, "row 1", "longer than 16 MiB");
    }

    [Fact]
    public async Task Validate_GzippedJsonArrayWithAHugeWhitespaceRun_ReadsBothRowsLinearly()
    {
        // 1 GB of whitespace inside a gzipped JSON array had not finished after 180 s.
        var path = _bombs.Gzip("blank.json.gz", "[{\"em\":\"a@b.co\"},", (byte)' ', 256, "{\"em\":\"c@d.co\"}]");

        var report = _bombs.File("blank-report.json");

        var o = await Snapconv("validate", path, "--report", report);

        AssertWithinBounds(o, 0);
        using var json = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(report));
        Assert.Equal(2, json.RootElement.GetProperty("rows").GetInt64());
    }

    [Fact]
    public async Task Validate_GzippedDeepNesting_SaysNestedDeeperThan64Levels()
    {
        var path = _bombs.Gzip("deep.json.gz", "[", (byte)'[', 64, "");

        var o = await Snapconv("validate", path);

        AssertWithinBounds(o, 2, path, "row 1", "nested deeper than 64 levels");
    }

    [Fact]
    public async Task Validate_GzipOverMaxDecompressedSize_StopsNamingTheLimit()
    {
        var path = _bombs.Gzip("zeros.csv.gz", "em\n", (byte)'\n', 64, "");

        var o = await Snapconv("validate", path, "--max-decompressed-size", "16MiB");

        AssertWithinBounds(o, 2, path, "decompresses to more than 16 MiB", "--max-decompressed-size");
    }

    [Fact]
    public async Task Validate_CsvWith200kColumns_StopsAtTheColumnLimitInSeconds()
    {
        // 200k columns (2.4 MB) took 36 s: time grew with the square of the columns.
        var path = _bombs.Text("wide.csv", string.Join(',', Enumerable.Range(0, 200_000).Select(i => "c" + i)) + "\n");

        var o = await Snapconv("validate", path);

        AssertWithinBounds(o, 2, path, "line 1 has more than 16,384 columns");
        Assert.True(o.Elapsed < TimeSpan.FromSeconds(20), o.ToString());
    }

    [Theory]
    [InlineData("<row r=\"2\"><c r=\"ZZZZZ2\" t=\"inlineStr\"><is><t>a@b.co</t></is></c></row>", "cell ZZZZZ2 is outside Excel's sheet")]
    [InlineData("<row r=\"2000000000\"><c t=\"inlineStr\"><is><t>a@b.co</t></is></c></row>", "row number 2000000000 is outside Excel's sheet")]
    public async Task Validate_WorkbookWithAFarCell_StopsNamingTheCell(string row, string expected)
    {
        // A 1.6 KB workbook whose cell is ZZZZZ1 took 2.3 GB; one with row r="2000000000" 102 s.
        var path = _bombs.File($"far-{expected.GetHashCode(StringComparison.Ordinal):x}.xlsx");
        WriteWorkbook(path, HeaderRow + row, sheetFill: 0);

        var o = await Snapconv("validate", path);

        AssertWithinBounds(o, 2, path, expected);
    }

    [Fact]
    public async Task Validate_WorkbookWithA64MiBCell_StopsNamingTheRow()
    {
        // A 1 MB workbook with a 1 GB cell took 4.3 GB.
        var path = _bombs.File("bigcell.xlsx");
        WriteWorkbook(path, HeaderRow + "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>", sheetFill: 64, after: "</t></is></c></row>");

        var o = await Snapconv("validate", path);

        AssertWithinBounds(o, 2, path, "a cell in row 2 is longer than 16 MiB");
    }

    [Fact]
    public async Task Validate_WorkbookWithAHugeSharedString_StopsNamingIt()
    {
        var path = _bombs.File("shared.xlsx");
        WriteWorkbook(path, "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row><row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c></row>",
            sheetFill: 0, sharedFill: 32);

        var o = await Snapconv("validate", path);

        AssertWithinBounds(o, 2, path, "shared string 2 is longer than 16 MiB");
    }

    [Fact]
    public async Task Validate_ParquetFooterLength0x7fffffff_StopsNamingTheFile()
    {
        // Was exit 1 with OutOfMemoryException.
        var path = _bombs.File("footer.parquet");
        var body = new byte[64];
        "PAR1"u8.CopyTo(body);
        BitConverter.TryWriteBytes(body.AsSpan(56, 4), 0x7fffffff);
        "PAR1"u8.CopyTo(body.AsSpan(60));
        await File.WriteAllBytesAsync(path, body);

        var o = await Snapconv("validate", path);

        AssertWithinBounds(o, 2, path, "footer length");
    }

    [Fact]
    public async Task Validate_MappingWithAliasKeys_StopsNamingTheMappingFile()
    {
        // A 488-byte mapping whose keys are nested YAML aliases cost 20 s of CPU, ×9 a level.
        var data = _bombs.Text("tiny.csv", "em,event_name\na@b.co,PURCHASE\n");
        var yaml = new StringBuilder("x: &k0 {a: b}\n");
        for (var i = 1; i < 12; i++) yaml.Append(CultureInfo.InvariantCulture, $"y{i}: &k{i} {{? *k{i - 1} : em, ? [*k{i - 1}] : ph}}\n");
        var mapping = _bombs.Text("alias-keys.yaml", yaml.ToString());

        var o = await Snapconv("validate", data, "--mapping", mapping);

        AssertWithinBounds(o, 2, mapping, "cannot be a key");
        Assert.DoesNotContain("tiny.csv", o.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MappingWithAHugeScalar_StopsQuotingNoneOfIt()
    {
        // A 200 MB YAML scalar took 1.7 GB and its error message echoed all of it.
        var data = _bombs.Text("tiny2.csv", "em,event_name\na@b.co,PURCHASE\n");
        var mapping = _bombs.Text("huge-scalar.yaml", "columns:\n  Email: \"" + new string('x', 3 << 20) + "\"\n");

        var o = await Snapconv("validate", data, "--mapping", mapping);

        AssertWithinBounds(o, 2, mapping, "longer than 1 Mi characters");
        Assert.True(o.Output.Length < 2000, $"{o.Output.Length} characters of output");
    }

    [Fact]
    public async Task Validate_NdjsonWithLoneSurrogateAndMalformedLine_RejectsThoseRowsAndSendsTheRest()
    {
        // #15: a malformed NDJSON line is one MALFORMED_RECORD row; #16: a lone surrogate is INVALID_ENCODING, not exit 1.
        const string Good = "\"event_name\":\"PURCHASE\",\"event_time\":\"2026-12-01T00:00:00Z\",\"currency\":\"USD\",\"value\":\"1\"";
        var path = _bombs.Text("mixed.ndjson",
            "{\"em\":\"a@b.co\"," + Good + "}\n{\"em\":\"x\\ud800y@b.co\"," + Good + "}\n{\"em\": oops}\n{\"em\":\"c@b.co\"," + Good + "}\n");
        var rejects = _bombs.File("mixed-rejects.csv");

        var o = await Snapconv("validate", path, "--rejects", rejects);

        AssertWithinBounds(o, 0);
        var lines = await File.ReadAllLinesAsync(rejects);
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.Contains(",2,", StringComparison.Ordinal) && l.Contains("INVALID_ENCODING,em,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(",3,", StringComparison.Ordinal) && l.Contains("MALFORMED_RECORD", StringComparison.Ordinal));
        Assert.DoesNotContain('\uFFFD', await File.ReadAllTextAsync(rejects));
    }

    [Fact]
    public async Task Validate_JsonArrayBrokenMidway_StaysExit2WithTheRow()
    {
        var path = _bombs.Text("broken.json", "[{\"em\":\"a@b.co\"},{\"em\": oops},{\"em\":\"c@b.co\"}]");

        var o = await Snapconv("validate", path);

        AssertWithinBounds(o, 2, path, "row 2", "malformed JSON");
    }

    private const string HeaderRow = "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>em</t></is></c></row>";

    /// <summary>A one-sheet .xlsx; <paramref name="sheetFill"/> / <paramref name="sharedFill"/> MiB of 'a' streamed into the sheet / shared string 2.</summary>
    private static void WriteWorkbook(string path, string rows, int sheetFill, string after = "", int sharedFill = 0)
    {
        const string Main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        const string Rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        const string Pkg = "http://schemas.openxmlformats.org/package/2006/relationships";
        using var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create);
        void Entry(string name, string text, int fill = 0, string tail = "")
        {
            using var s = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
            s.Write(Encoding.UTF8.GetBytes(text));
            var block = new byte[1 << 20];
            block.AsSpan().Fill((byte)'a');
            for (var i = 0; i < fill; i++) s.Write(block);
            s.Write(Encoding.UTF8.GetBytes(tail));
        }

        var shared = sharedFill > 0;
        Entry("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
            + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/>"
            + "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
            + "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
            + (shared ? "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/>" : "")
            + "</Types>");
        Entry("_rels/.rels", $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"{Pkg}\"><Relationship Id=\"rId1\" Type=\"{Rel}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>");
        Entry("xl/workbook.xml", $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"{Main}\" xmlns:r=\"{Rel}\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>");
        Entry("xl/_rels/workbook.xml.rels", $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"{Pkg}\"><Relationship Id=\"rId1\" Type=\"{Rel}/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
            + (shared ? $"<Relationship Id=\"rId2\" Type=\"{Rel}/sharedStrings\" Target=\"sharedStrings.xml\"/>" : "") + "</Relationships>");
        Entry("xl/worksheets/sheet1.xml", $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"{Main}\"><sheetData>{rows}", sheetFill, after + "</sheetData></worksheet>");
        if (shared)
            Entry("xl/sharedStrings.xml", $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"{Main}\"><si><t>em</t></si><si><t>", sharedFill, "</t></si></sst>");
    }
}
