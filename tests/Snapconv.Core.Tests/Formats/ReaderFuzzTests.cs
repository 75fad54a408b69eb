using System.IO.Compression;
using System.Text;
using FsCheck.Xunit;
using Snapconv.Core.Formats;

namespace Snapconv.Core.Tests.Formats;

/// <summary>
/// Random bytes and random mutations of valid files never make a reader throw anything but <see cref="InputException"/>
/// (#16), and every read ends within a bounded number of rows.
/// </summary>
public class ReaderFuzzTests
{
    private const int MaxRows = 10_000;

    // Generous: a case takes milliseconds, but the machine may be busy; only a loop that never ends should reach it.
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] Extensions = [".csv", ".json", ".ndjson", ".parquet", ".xlsx", ".csv.gz", ".txt"];
    private static readonly Lazy<Dictionary<string, byte[]>> Valid = new(BuildValid);

    [Property(MaxTest = 60)]
    public bool Open_RandomBytes_ThrowsOnlyInputException(int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[random.Next(0, 3000)];
        random.NextBytes(bytes);
        // Now and then a plausible start, so the readers get past their first checks.
        var magic = random.Next(6) switch
        {
            0 => "PAR1"u8.ToArray(),
            1 => "PK\u0003\u0004"u8.ToArray(),
            2 => "[{\"a\":"u8.ToArray(),
            3 => new byte[] { 0x1f, 0x8b, 8, 0 },
            _ => [],
        };
        magic.CopyTo(bytes, 0);
        return ReadsOrRefuses(Extensions[random.Next(Extensions.Length)], bytes.Length >= magic.Length ? bytes : magic);
    }

    [Property(MaxTest = 150)]
    public bool Open_MutatedValidFile_ThrowsOnlyInputException(int seed)
    {
        var random = new Random(seed);
        var (extension, original) = Valid.Value.ElementAt(random.Next(Valid.Value.Count));
        return ReadsOrRefuses(extension, Mutate(random, original));
    }

    // #16: Parquet.Net 6.1 looped forever on about one mutated Parquet file in 2,000 (a footer or page header cut inside
    // a varint); the reader now refuses those, and this keeps a good number of Parquet mutations in every run.
    [Property(MaxTest = 300)]
    public bool Open_MutatedParquetFile_ThrowsOnlyInputException(int seed) =>
        ReadsOrRefuses(".parquet", Mutate(new Random(seed), Valid.Value[".parquet"]));

    /// <summary>Files that made Parquet.Net 6.1 loop forever (#16): found by the mutations above, and written by hand.</summary>
    public static TheoryData<string> ParquetThatLooped => new()
    {
        // Footers of a byte or two: field 1, an i32, with no varint; a list whose long-size varint is missing; an i32
        // whose varint is cut after a continuation byte.
        "50415231" + "15" + "01000000" + "50415231",
        "50415231" + "19FC" + "02000000" + "50415231",
        "50415231" + "1580" + "02000000" + "50415231",
        // Mutations of the valid file (seeds 5570, 8101, 9140, 9274: the footer; 10928: a page header at the file's end).
        "5041523115001518151C2C15061500150615061C18040300000018040100000016002804030000001804010000000000000C2C0100000002"
            + "0000000300000015001558155A2C1506150015066F061C180D63406578616D706C652E636F6D180D61406578616D706C652E636F6D160228"
            + "0D63406578616D706C652E636F6D180D61406578616D706C652E636F6D0000002C68060000000201020002010D00000061406578616D706C"
            + "652E636F6D01113063406578616D706C652E636F6D1502193C4804726F6F74150400150225001802696425224CAC132011000000150C2502"
            + "1802656D25004C1C0000001606191C192C26081C1502192500061918026964150216061672167626083C1804030000001804010000001600"
            + "280403000000180401000000000000267E1C150C19250006191802656D1502160616FA0116FC01267E3C180D63406578616D706C652E636F"
            + "6D180D61406578616D706C652E636F6D1602280D63406578616D706C652E636F6D180D61406578616D706C652E636F6D00000016EC021606"
            + "36F20200284A506172717565742E4E65742076657273696F6E20362E312E3020286275696C64206331373964393762643235343962356634"
            + "346139323431653732396638363964343934376565353929941C01000050415231",
        "5041523115001518151C2C15061500150615061C18040300000018040100000016002804030000001804010000000000000C2C0100000002"
            + "0000000300000015001558155A2C15061500150615061C180D63406578616D706C652E636F6D180D61406578616D706C652E636F6D160228"
            + "0D63406578616D706C652E636F6D180D61406578616D706C652E636F6D0000002C68060000000201020002010D00000061406578616D706C"
            + "652E636F6D01113063406578616D706C652E636F6D1502193C4804726F6F74150400150225001802696425224CAC132011000000150C2502"
            + "1802656D25004C1C0000001606191C192C26081C1502192500061918026964150200000000267E1C150C1925009D191802656D1502160616"
            + "FA0116FC01267E3C180D63406578616D706C652E636F6D180D61406578616D706C652E636F6D1602280D63406578616D706C652E636F6D18"
            + "0D61406578616D706C652E636F6D00696C642063313739643937626432353439623566343461393234316537323966383639643439343765"
            + "65353929001C01000050415231",
        "5041523115001518151C2C15061500150615061C18040300000018040100000016002804030000001804010000000000000C2C0100000002"
            + "0000000300000015001558155A2C15061500150615061C180D63406578616D706C652E636F6D18652E636F6D1602280D63406578616D706C"
            + "652E636F0D00267E1C150C19250006191802656D1502160616FA0116FC01C9FC24D6BFA802267E3C180D63406578616D706C652E636F6D18"
            + "0D61406578616D706C652E636F6D1602280D63406578616D706C652E636F6D180D61406578616D706C652E636F6D00000016EC02160636F2"
            + "0200284A506172717565742E4E65742076657273696F6E20362E312E3020286275696C64206361406578616D706C652E636F6D1602280D63"
            + "406578616D706C652E636F6D180D61406578616D706C652E636F6D0000002C68060000000201020002010D00000061406578616D706C652E"
            + "636F6D01113063406578616D706C652E636F6D1502193C4804726F6F74150400150225001802696425224CAC132011000000150C25021802"
            + "656D25004C1C0000001606191C192C26081C1502192500061918026964150216061672167626083C18040300000018040100000016002804"
            + "03000000180401000000000000267E1C150C19250006191802656D1502160616FA0116FC01C9FC24D6BFA802267E3C180D63406578616D70"
            + "6C652E636F6D180D61406578616D706C652E636F6D1602280D63406578616D706C652E636F6D180D61406578616D706C652E636F6D000000"
            + "16EC02160636F20200284A506172717565742E4E65742076657273696F6E20362E312E3020286275696C6420633137396439376264323534"
            + "3962356634346139323431653732396638363964343934376565353929001C01000050415231",
        "5041523115001518151C2C15061500150615061C1804030000001804010004030000001804010000000000000C2C01000000020000000300"
            + "000015001558155A2C15061500150615061C180D63406578616D706C652E636F6D180D61406578616D706C652E636F6D1602280D63406578"
            + "616D706C652E636F6D180D61406578616D706C2F2E636F6D0000002C68060000000201020002010D00000061406578616D706C652E636F6D"
            + "01113063406578616D706C652E636F6D1502193C4804726F6F74150400150225001802696425224CAC132011000000150C25021802656D25"
            + "004C1C0000001606191C192C26081C1502192500061918026964150216061672167626083C18040300000018040100000016002804030000"
            + "00180401000000000000267E1C150C19250006191802656D1502160616FA0116FC01267E3C180D63406578616D706C652E636F6D180D6140"
            + "6578616D706C652E636F6D1602280D63406578616D706C652E636F6D180D61406578616D706C652E636F6D00000016EC02160636F2020028"
            + "4A506172717565742E4E65742076657273696F6E20362E312E3020286275696C642063313739643937626432353439623566343461393234"
            + "31653732396638363964343934376565353929071C01000050415231",
        "5041523115001518151C2C15061500150615061CD9F4FC481D180403000000180401000000160028040300000018040D61406578616D706C"
            + "652E636F6D00060000000201020002010D00000061406578616D706C652E636F6D01113063406578616D706C652E636F6D1502193C480472"
            + "6F6F74150400150225001802696425224CAC132011000000150C25021802656D25004C1C0000001606191C192C26081C1502192500061918"
            + "026964150216061672167626083C180403000000180401000000160028040300000018040100010000000000000C2C010000000200000003"
            + "00000015001558155A2C15061500150615061C180D63406578616D706C652E636F6D180D61406578616D706C652E636F6D1602280D634065"
            + "78616D706C652E636F6D180D61406578616D706C652E636F6D00060000000201020002010D00000061406578616D706C652E636F6D011130"
            + "63406578616D706C652E636F6D1502193C4804726F6F74150400150225001802696425224CAC132011000000150C25021802656D25004C1C"
            + "0000001606191C192C26081C1502192500061918026964150216061672167626083C18040300000018040100000016002804030000001804"
            + "01000000000000267E1C150C19250006191802656D1502160616FA0116FC01267E3C180D63406578616D706C652E636F6D180D6140657861"
            + "6D706C652E636F6D1602280D63406578616D706C652E636F6D180D61406578616D706C652E636F6D00000016EC02160636F20200284A5061"
            + "72717565742E4E65742076657273696F6E20362E312E3020286275696C642063313739643937626432353439623566343461393234316537"
            + "32396638363964343934376565353929001C01000050415231",
    };

    [Theory]
    [MemberData(nameof(ParquetThatLooped))]
    public void Open_ParquetThatLoopedTheLibrary_StopsNamingTheFile(string hex) // #16
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "looped.parquet");
        File.WriteAllBytes(path, Convert.FromHexString(hex));

        var e = Bounded(() => Assert.Throws<InputException>(() =>
        {
            using var reader = RecordReaders.Open(path);
            while (reader.Read())
            {
            }
        }));

        Assert.Equal(path, e.File);
    }

    [Fact]
    public void Open_ParquetFooterSkippingBillionsOfBooleans_StopsWithinTheBudget() // #16
    {
        // Footer: an unknown field 15 holding a list of 2^31-1 booleans, which Parquet.Net 6.1 skips without reading a
        // byte each (seconds of spinning; nested lists, hours).
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "booleans.parquet");
        File.WriteAllBytes(path, Convert.FromHexString("50415231" + "F9F1FFFFFFFF0700" + "08000000" + "50415231"));

        var e = Bounded(() => Assert.Throws<InputException>(() => RecordReaders.Open(path).Dispose()));

        Assert.Equal(path, e.File);
        Assert.Contains("does not decode in time", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Mutated Parquet files (#16) that made Parquet.Net 6.1 allocate what they claim before reading it: seed 292079, a page
    /// header's statistics value of 2,104,942,773 bytes (2.1 GB allocated); seed 54763, a Snappy block declaring 100 MB in
    /// a 44-byte page (135 MB); seed 112322, a statistics value declared i32 that Parquet.Net reads as a binary of 117 MB.
    /// </summary>
    public static TheoryData<string, string> ParquetClaimingGigabytes => new()
    {
        {
            "5041523115001518151C2C15061500150615061C18040300000018040100000016002804030000001804010000000000000C2C0100000002"
            + "0000000300000015001558155A2C15061500150615061C180D63406578616D706C652E636F6D180D61406578616D706C652E636F6D160228"
            + "B5C1DBEB07B9CEC3A61B10780D63406578616D706C652E636F6D180D61406578616D706C652E636F6D0000002C6806000000020102000201"
            + "0D00000061406578616D706C652E636F6D01113063406578616D706C652E636F6D1502193C4804726F6F7415040015022500180269642522"
            + "4CAC132011000000150C25021802656D25004C1C0000001606191C192C26081C1502192500061918026964150216061672167626083C1804"
            + "030000001804010000001600280403000000180401000000000000267E1C150C19250006191802656D1502160616FA0116FC01267E3C180D"
            + "63406578616D706C652E636F6D180D61406578616D706C652E636F6D1602280D63406578616D706C652E636F6D180D61406578616D706C65"
            + "2E636F6D00000016EC02160636F20200284A506172717565742E4E65742076657273696F6E20362E312E3020286275696C64206331373964"
            + "393762643235343962356634346139323431653732396638363964343934376565353929001C01000050415231",
            "claims a value of 2,104,942,773 bytes"
        },
        {
            "5041523115001518151C2C15061500150615061C18040300000018040100000016002804030000001804010000000000000C2C0100000002"
            + "0000000300000015001558155A2C15061500150615061C180D63406578616D706C652E636F6D180D61406578616D706C652E636F6D160228"
            + "0D63406578616D706C652E636F6D180D61406578616D706C652E636F6D000000EBD3D52F13302C68060000000201020002010D0000006140"
            + "6578616D706C652E636F6D01113063406578616D706C652E636F6D1502193C4804726F6F74150400150225001802696425224CAC13201100"
            + "0000150C25021802656D25004C1C0000001606191C192C26081C1502192500061918026964150216061672167626083C1804030000001804"
            + "010000001600280403000000180401000000000000267E1C150C19250006191802656D1502160616FA0116FC01267E3C180D63406578616D"
            + "706C652E636F6D180D61406578616D706C652E636F6D1602280D63406578616D706C652E636F6D180D61406578616D706C652E636F6D0000"
            + "0016EC02160636F20200284A506172717565742E4E65742076657273696F6E20362E312E3020286275696C64206331373964393762643235"
            + "343962356634346139323431653732396638363964343934376565353929001C01000050415231",
            "compressed data claims 99,969,515 bytes"
        },
        {
            "5041523115001518151C2C15061500150615061C18040300000018040100000016002804030000001804010000000000000C2C0100000002"
            + "0000000300000015001558155A2C15061500150615061C180D63406578616D70FC8287A3152256E0829438776F8F6C652E636F6D180D6140"
            + "6578616D706C652E636F6D1602280D63406578616D706C652E2C01000000020000000300000015001558155A2C15061500150615061C180D"
            + "63406578616D70FC8287A3152256E0829438776F8F6C652E636F6D180D61406578616D706C652E636F6D1602280D63406578616D706C652E"
            + "636F6D180D61406578616D706C652E636F6D0000002C6806636F6D180D61406578616D706C652E636F6D0000002C68060000000201020002"
            + "010D00000061406578616D706C652E636F6D01113063406578616D706C652E636F6D1502193C4804726F6F74150400150225001802696425"
            + "224CAC132011000000150C25021802656D25004C1C0000001606191C192C26081C1502192500061918026964150216061672167626083C18"
            + "04030000001804010000001600280403000000180401000000000000267E1C150C19250006191802656D1502160616FA0116FC01267E3C18"
            + "0D63406578616D706C652E636F6D180D61406578616D706C652E636F6D1602280D63406578616D706C652E636F6D180D61406578616D706C"
            + "652E636F6D00000016EC02160636F20200284A506172717565742E4E65742076657273696F6E20362E312E3020286275696C642063313739"
            + "64393762643235343962356634346139323431653732396638363964343934376565353929001C01000050415231",
            "claims a value of 117,768,544 bytes"
        },
    };

    [Theory]
    [MemberData(nameof(ParquetClaimingGigabytes))]
    public void Open_ParquetClaimingGigabytes_StopsWithoutAllocatingThem(string hex, string expected) // #16
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "claims.parquet");
        File.WriteAllBytes(path, Convert.FromHexString(hex));
        var before = GC.GetAllocatedBytesForCurrentThread();

        var e = Assert.Throws<InputException>(() =>
        {
            using var reader = RecordReaders.Open(path);
            while (reader.Read())
            {
            }
        });

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(path, e.File);
        Assert.Contains("row group 0", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, (e.InnerException?.Message ?? "") + e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 64 << 20, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public async Task Open_ParquetPageOverThePageLimit_StopsNamingTheRowGroup() // #16
    {
        // The first page of a valid file, made to claim 300 MiB uncompressed (zigzag varint 808080AC02); its statistics
        // are rewritten 4 bytes shorter (one 20-byte value) so that every offset in the file still holds.
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "bigpage.parquet");
        await InputLimitsTests.WriteParquet(path);
        var hex = Convert.ToHexString(await File.ReadAllBytesAsync(path));
        const string Page = "50415231" + "1500" + "1518" + "151C" + "2C15061500150615061C";
        const string Statistics = "18040300000018040100000016002804030000001804010000000000";
        Assert.StartsWith(Page + Statistics, hex, StringComparison.Ordinal);
        var claiming = "50415231" + "1500" + "15808080AC02" + "151C" + "2C15061500150615061C" + "1814" + new string('0', 40) + "00" + "00";
        await File.WriteAllBytesAsync(path, Convert.FromHexString(claiming + hex[(Page + Statistics).Length..]));

        var e = Assert.Throws<InputException>(() =>
        {
            using var reader = RecordReaders.Open(path);
            while (reader.Read())
            {
            }
        });

        Assert.Equal(path, e.File);
        Assert.Contains("row group 0 has a page of 314,572,800 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains(RecordReaderOptions.MaxParquetPageBytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
    }

    private static byte[] Mutate(Random random, byte[] original)
    {
        var bytes = new List<byte>(original);
        for (var m = random.Next(1, 4); m > 0 && bytes.Count > 0; m--)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0: bytes[at] = (byte)random.Next(256); break;
                case 1: bytes.RemoveRange(at, Math.Min(random.Next(1, 64), bytes.Count - at)); break;
                case 2: bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 16)).Select(_ => (byte)random.Next(256))); break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break; // truncated
                default: bytes.InsertRange(at, bytes.Skip(random.Next(bytes.Count)).Take(random.Next(1, 200)).ToList()); break;
            }
        }

        return bytes.ToArray();
    }

    /// <summary>Runs a read on a worker and fails the test when it does not end in time: a hang fails, not the whole run.</summary>
    private static T Bounded<T>(Func<T> read)
    {
        var task = Task.Run(read);
        Assert.True(task.Wait(CaseTimeout), $"a read did not end within {CaseTimeout.TotalSeconds} s (a loop that never ends?)");
        return task.GetAwaiter().GetResult();
    }

    private static bool ReadsOrRefuses(string extension, byte[] bytes) => Bounded(() => ReadsOrRefusesNow(extension, bytes));

    private static bool ReadsOrRefusesNow(string extension, byte[] bytes)
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, "fuzz" + extension);
        File.WriteAllBytes(path, bytes);
        try
        {
            using var reader = RecordReaders.Open(path);
            var rows = 0;
            while (reader.Read())
            {
                Assert.True(++rows <= MaxRows, "more rows than bytes could hold");
                for (var i = 0; i < reader.Headers.Count; i++) reader.GetString(i);
                _ = reader.Problem;
            }
        }
        catch (InputException e)
        {
            Assert.Equal(path, e.File);
        }

        return true;
    }

    private static Dictionary<string, byte[]> BuildValid()
    {
        using var dir = new TempDir();
        var csv = "email,phone,event_name,value,\"note, quoted\"\na@b.co,+14155550100,PURCHASE,12.50,\"x \"\"y\"\"\"\nc@d.co,,SIGN_UP,,\n"u8.ToArray();
        var json = "[{\"em\":\"a@b.co\",\"user\":{\"ph\":\"+14155550100\"},\"tags\":[\"a\",\"b\"],\"value\":12.5},\n {\"em\":\"c@d.co\",\"n\":null,\"ok\":true}]"u8.ToArray();
        var ndjson = "{\"em\":\"a@b.co\",\"user\":{\"ph\":\"+1\"}}\n\n{\"em\":\"c@d.co\",\"items\":[1,2]}\r\n{\"em\":\"e@f.co\"}"u8.ToArray();
        var xlsx = Path.Combine(dir.Path, "v.xlsx");
        Workbooks.Write(xlsx, "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"inlineStr\"><is><t>value</t></is></c></row>"
            + "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c><c r=\"B2\"><v>12.5</v></c></row>",
            "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><si><t>em</t></si><si><t>a@b.co</t></si></sst>");
        var parquetPath = Path.Combine(dir.Path, "v.parquet");
        InputLimitsTests.WriteParquet(parquetPath).GetAwaiter().GetResult();
        var parquet = File.ReadAllBytes(parquetPath);
        var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true)) z.Write(csv);
        return new Dictionary<string, byte[]>
        {
            [".csv"] = csv,
            [".json"] = json,
            [".ndjson"] = ndjson,
            [".parquet"] = parquet,
            [".xlsx"] = File.ReadAllBytes(xlsx),
            [".csv.gz"] = gz.ToArray(),
        };
    }
}
