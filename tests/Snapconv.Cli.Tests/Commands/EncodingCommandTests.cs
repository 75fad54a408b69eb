using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Snapconv.Cli.Tests.Commands;

// #15: a file that is not UTF-8 is hashed from its correctly decoded text, or the run stops; never a silently wrong hash.
// Swaps Console.Error: in the "console" collection, so no other test's capture runs at the same time.
[Collection("console")]
public class EncodingCommandTests
{
    private const string Header = "email,first_name,last_name,external_id,event_name,event_time,currency,value\n";
    private const string Row = "maria@example.com,María,Müller,Kunde-€7,PURCHASE,1734567890,EUR,10\n";

    private static Encoding Cp1252
    {
        get
        {
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            return Encoding.GetEncoding(1252);
        }
    }

    internal static string Sha256(string normalized) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));

    public static TheoryData<string, string> Encodings => new()
    {
        { "utf-8", "utf-8" },
        { "utf-8-bom", "utf-8-bom" },
        { "utf-16le", "utf-16le" },
        { "utf-16be", "utf-16be" },
        { "windows-1252", "windows-1252" },
        { "windows-1252.gz", "windows-1252" },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public async Task Validate_EachEncoding_HashesTheCorrectlyDecodedText(string writtenAs, string expected)
    {
        using var tmp = new TempDir();
        var input = tmp.File(writtenAs.EndsWith(".gz", StringComparison.Ordinal) ? "in.csv.gz" : "in.csv");
        File.WriteAllBytes(input, Encode(Header + Row, writtenAs));

        var code = await CliApp.RunAsync(["validate", input, "--events-out", tmp.File("ev.ndjson"), "--report", tmp.File("r.json")]);

        Assert.Equal(0, code);
        var user = JsonDocument.Parse(File.ReadAllLines(tmp.File("ev.ndjson")).Single()).RootElement.GetProperty("user_data");
        Assert.Equal(Sha256("maría"), user.GetProperty("fn")[0].GetString());
        Assert.Equal(Sha256("müller"), user.GetProperty("ln")[0].GetString());
        Assert.Equal(Sha256("kunde-€7"), user.GetProperty("external_id").GetString());
        using var report = JsonDocument.Parse(File.ReadAllText(tmp.File("r.json")));
        Assert.Equal(expected, report.RootElement.GetProperty("input_files")[0].GetProperty("encoding").GetString());
    }

    [Fact]
    public async Task Validate_NonUtf8ByteAfterTheFirstBlock_ExitsTwoNamingFileRowAndEncodingOption()
    {
        using var tmp = new TempDir();
        var input = tmp.File("late.csv");
        var sb = new StringBuilder(Header);
        for (var i = 0; sb.Length < (1 << 20) + 4096; i++) sb.Append("u").Append(i).Append("@example.com,Ann,Lee,K").Append(i).Append(",PURCHASE,1734567890,EUR,10\n");
        File.WriteAllBytes(input, [.. Encoding.ASCII.GetBytes(sb.ToString()), .. Cp1252.GetBytes("secret@example.com,Secretía,X,K,PURCHASE,1734567890,EUR,10\n")]);
        var (code, text) = await RunCapturingErrors(["validate", input]);

        Assert.Equal(2, code);
        Assert.Contains($"{input}, row ", text);
        Assert.Contains("not valid UTF-8", text);
        Assert.Contains("--encoding windows-1252", text);
        Assert.DoesNotContain("ecret", text);
    }

    [Fact]
    public async Task Validate_EncodingOption_ForcesTheEncoding()
    {
        // Detection would say windows-1252 (A4 = "¤"); the user says ISO-8859-15 (A4 = "€").
        using var tmp = new TempDir();
        var input = tmp.File("in.csv");
        File.WriteAllBytes(input, [.. Encoding.ASCII.GetBytes(Header + "m@example.com,Ann,Lee,K"), 0xA4, .. Encoding.ASCII.GetBytes("7,PURCHASE,1734567890,EUR,10\n")]);

        var code = await CliApp.RunAsync(["validate", input, "--encoding", "ISO-8859-15", "--events-out", tmp.File("ev.ndjson"), "--report", tmp.File("r.json")]);

        Assert.Equal(0, code);
        var user = JsonDocument.Parse(File.ReadAllLines(tmp.File("ev.ndjson")).Single()).RootElement.GetProperty("user_data");
        Assert.Equal(Sha256("k€7"), user.GetProperty("external_id").GetString());
        using var report = JsonDocument.Parse(File.ReadAllText(tmp.File("r.json")));
        Assert.Equal("iso-8859-15", report.RootElement.GetProperty("input_files")[0].GetProperty("encoding").GetString());
    }

    [Fact]
    public async Task Validate_MappingEncodingKey_ForcesTheEncoding()
    {
        using var tmp = new TempDir();
        var input = tmp.File("in.csv");
        File.WriteAllBytes(input, [.. Encoding.ASCII.GetBytes(Header + "m@example.com,Ann,Lee,K"), 0xA4, .. Encoding.ASCII.GetBytes("7,PURCHASE,1734567890,EUR,10\n")]);
        File.WriteAllText(tmp.File("m.yaml"), "encoding: iso-8859-15\n");

        var code = await CliApp.RunAsync(["validate", input, "--mapping", tmp.File("m.yaml"), "--events-out", tmp.File("ev.ndjson")]);

        Assert.Equal(0, code);
        var user = JsonDocument.Parse(File.ReadAllLines(tmp.File("ev.ndjson")).Single()).RootElement.GetProperty("user_data");
        Assert.Equal(Sha256("k€7"), user.GetProperty("external_id").GetString());
    }

    [Fact]
    public async Task Validate_UnknownEncodingName_ExitsTwoNamingTheOption()
    {
        using var tmp = new TempDir();
        var input = tmp.File("in.csv");
        File.WriteAllText(input, Header + Row);
        var (code, text) = await RunCapturingErrors(["validate", input, "--encoding", "klingon"]);

        Assert.Equal(2, code);
        Assert.Contains("--encoding 'klingon' is not a text encoding", text);
    }

    [Fact]
    public async Task Validate_UnknownEncodingInMapping_ExitsTwo()
    {
        using var tmp = new TempDir();
        var input = tmp.File("in.csv");
        File.WriteAllText(input, Header + Row);
        File.WriteAllText(tmp.File("m.yaml"), "encoding: klingon\n");

        Assert.Equal(2, await CliApp.RunAsync(["validate", input, "--mapping", tmp.File("m.yaml")]));
    }

    private static async Task<(int Code, string Errors)> RunCapturingErrors(string[] args)
    {
        var err = new StringWriter();
        var stderr = System.Console.Error;
        System.Console.SetError(err);
        try { return (await CliApp.RunAsync(args), err.ToString()); }
        finally { System.Console.SetError(stderr); }
    }

    private static byte[] Encode(string text, string encoding) => encoding switch
    {
        "utf-8" => Encoding.UTF8.GetBytes(text),
        "utf-8-bom" => [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text)],
        "utf-16le" => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)],
        "utf-16be" => [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes(text)],
        "windows-1252" => Cp1252.GetBytes(text),
        "windows-1252.gz" => Gzip(Cp1252.GetBytes(text)),
        _ => throw new ArgumentOutOfRangeException(nameof(encoding)),
    };

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(data);
        return ms.ToArray();
    }
}
