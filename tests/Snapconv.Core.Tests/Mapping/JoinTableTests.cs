using System.Text;
using FsCheck;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Formats;
using Snapconv.Core.Mapping;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;
using TempDir = Snapconv.Core.Tests.Formats.TempDir;

namespace Snapconv.Core.Tests.Mapping;

/// <summary>Issue #8 (join speed): the compact key index behind joins — keys, duplicate keys, blank cells, long cells, growth.</summary>
public class JoinTableTests
{
    private const string Mapping = """
        columns: {Date: event_time, Amount: value}
        constants: {event_name: PURCHASE, currency: USD}
        auto_detect: false
        joins:
          - name: contacts
            keys: [Contact IDs]
            on: Record ID
            columns:
              Email: em
              Phone: {field: ph, optional: true}
              Note: {field: ignore, optional: true}
        """;

    private static (JoinTable Table, MappingSpec Spec) Load(TempDir dir, string csv, string mapping = Mapping)
    {
        var spec = MappingFileLoader.Parse(mapping, "m.yaml");
        var set = JoinSet.Load(spec, [dir.File("contacts.csv", csv)], defaultCountry: "US");
        return (set[0]!, spec with { JoinData = set });
    }

    /// <summary>The hashed e-mails of the contacts of <paramref name="keys"/>, each unhashed back through <paramref name="known"/>.</summary>
    private static List<string> Emails(JoinTable table, string keys, params string[] known)
    {
        var rows = new List<int>();
        table.LookupAll(keys, rows);
        return rows.SelectMany(r => Values(table, r, 0)).Select(v => Unhash(v, known)).ToList();
    }

    private static List<string> Values(JoinTable table, int row, int column)
    {
        var values = new List<string>();
        foreach (var v in table.Values(row, column)) values.Add(v.Value ?? "warning " + v.Warning!.Name);
        return values;
    }

    private static string H(string normalized) => Hashing.Sha256Hex.Hash(normalized);

    private static string Unhash(string hash, string[] known) => known.FirstOrDefault(k => H(k) == hash) ?? hash;

    [Fact]
    public void LookupAll_MultiValuedKeyCell_FindsEachContactInKeyOrder()
    {
        using var dir = new TempDir();
        var (table, _) = Load(dir, "Record ID,Email,Phone\n1,a@x.com,+12025550101\n2,b@x.com,\n3,c@x.com,+12025550103\n");

        Assert.Equal(["c@x.com", "a@x.com", "b@x.com"], Emails(table, " 3; 1 ,2", "a@x.com", "b@x.com", "c@x.com"));
        Assert.Equal(3, table.Count);
        Assert.Equal(3, table.KeyCount);
    }

    [Theory]
    [InlineData("9")]
    [InlineData("")]
    [InlineData(" ; , ")]
    [InlineData("1 2")]
    public void LookupAll_KeyNotInFile_FindsNothing(string keys)
    {
        using var dir = new TempDir();
        var (table, _) = Load(dir, "Record ID,Email\n1,a@x.com\n2,b@x.com\n");

        Assert.Empty(Emails(table, keys));
    }

    [Fact]
    public void Lookup_DuplicateContactKeys_FindsEveryRowInFileOrder()
    {
        using var dir = new TempDir();
        var (table, _) = Load(dir, "Record ID,Email\n7,first@x.com\n8,other@x.com\n 7 ,second@x.com\n7,third@x.com\n");

        string[] known = ["first@x.com", "second@x.com", "third@x.com", "other@x.com"];
        Assert.Equal(["first@x.com", "second@x.com", "third@x.com"], Emails(table, "7", known));
        Assert.Equal(["first@x.com", "second@x.com", "third@x.com", "other@x.com"], Emails(table, "7;8", known));
        Assert.Equal(4, table.Count);
        Assert.Equal(2, table.KeyCount);
    }

    [Fact]
    public void Load_BlankKeyOrNoJoinedCell_RowIsNotIndexed()
    {
        using var dir = new TempDir();
        var (table, _) = Load(dir, "Record ID,Email,Phone,Note\n , a@x.com,,\n2,  ,,\n3,,+12025550103,\n4,,,just a note\n");

        Assert.Equal(2, table.Count);
        Assert.Empty(Emails(table, "2"));
        var rows = new List<int>();
        table.LookupAll("3;4", rows);
        Assert.Equal(2, rows.Count);
        Assert.Empty(Values(table, rows[0], 0));
        Assert.Equal([H("12025550103")], Values(table, rows[0], 1));
        Assert.True(table.Cell(rows[0], 2).IsEmpty);
        Assert.Equal("just a note", table.Cell(rows[1], 2).ToString());
    }

    [Fact]
    public void Cell_OptionalColumnMissingFromFile_IsEmpty()
    {
        using var dir = new TempDir();
        var (table, _) = Load(dir, "Email,Record ID\nann@x.com,1\n");

        var rows = new List<int>();
        table.Lookup("1", rows);
        Assert.Equal([H("ann@x.com")], Values(table, Assert.Single(rows), 0));
        Assert.Empty(Values(table, rows[0], 1));
        Assert.True(table.Cell(rows[0], 2).IsEmpty);
    }

    [Fact]
    public void Load_KeyColumnMissing_NamesIt()
    {
        using var dir = new TempDir();
        var spec = MappingFileLoader.Parse(Mapping.Replace("on: Record ID", "on: Record ID\n    headers: [Email]"), "m.yaml");

        var e = Assert.Throws<InputException>(() => JoinSet.Load(spec, [dir.File("contacts.csv", "Email\na@x.com\n")]));
        Assert.Contains("'Record ID'", e.Message);
    }

    [Fact]
    public void Load_CellsLongerThanAChunkSlot_RoundTripExactly()
    {
        using var dir = new TempDir();
        var longCell = string.Concat(Enumerable.Range(0, 9_000).Select(i => "ab;é" + i)); // > 32K chars: kept aside
        var midCell = new string('m', 30_000);
        var (table, _) = Load(dir, $"Record ID,Email,Note\n1,a@x.com,\"{longCell}\"\n2,b@x.com,{midCell}\n{new string('k', 40_000)},c@x.com,\n");

        var rows = new List<int>();
        table.Lookup("1", rows);
        table.Lookup("2", rows);
        table.Lookup(new string('k', 40_000), rows);
        Assert.Equal(3, rows.Count);
        Assert.Equal(longCell, table.Cell(rows[0], 2).ToString());
        Assert.Equal(midCell, table.Cell(rows[1], 2).ToString());
        Assert.Equal([H("c@x.com")], Values(table, rows[2], 0));
    }

    [Fact]
    public void Load_ManyContactsOverSeveralChunks_EveryKeyFindsItsOwnRow()
    {
        using var dir = new TempDir();
        var csv = new StringBuilder("Record ID,Email,Note\n");
        const int n = 60_000;  // ~3M chars: several chunks, and the slot table grows many times
        for (var i = 0; i < n; i++) csv.Append(i * 7919L % 1_000_003).Append(",c").Append(i).Append("@x.com,").Append('n', i % 50).Append('\n');
        var (table, _) = Load(dir, csv.ToString());

        Assert.Equal(n, table.Count);
        Assert.Equal(n, table.KeyCount);
        var rows = new List<int>();
        for (var i = 0; i < n; i++)
        {
            rows.Clear();
            table.Lookup((i * 7919L % 1_000_003).ToString(System.Globalization.CultureInfo.InvariantCulture), rows);
            Assert.Equal([H("c" + i + "@x.com")], Values(table, Assert.Single(rows), 0));
            Assert.Equal(i % 50, table.Cell(rows[0], 2).Length);
        }
    }

    [Fact]
    public void Load_DuplicateKeysAcrossIndexerBatchesAndFiles_FindEveryRowInFileOrder()
    {
        // The indexer thread links rows in batches of 4,096: keys repeat within and across batches and across two files
        // of one join, and each key's rows still come back in file order, the second file's after the first's.
        using var dir = new TempDir();
        const int perFile = 10_000;
        string File(string name, int from)
        {
            var csv = new StringBuilder("Record ID,Email,Note\n");
            for (var i = from; i < from + perFile; i++) csv.Append('k').Append(i % 97).Append(",c").Append(i).Append("@x.com,").Append(i).Append('\n');
            return dir.File(name, csv.ToString());
        }
        var spec = MappingFileLoader.Parse(Mapping, "m.yaml");
        var table = JoinSet.Load(spec, [File("contacts-1.csv", 0), File("contacts-2.csv", perFile)], defaultCountry: "US")[0]!;

        Assert.Equal(2 * perFile, table.Count);
        Assert.Equal(97, table.KeyCount);
        var rows = new List<int>();
        for (var k = 0; k < 97; k++)
        {
            rows.Clear();
            table.Lookup("k" + k, rows);
            var expected = Enumerable.Range(0, 2 * perFile).Where(i => i % 97 == k).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(expected, rows.Select(r => table.Cell(r, 2).ToString()));
        }
    }

    [Fact]
    public void Load_MalformedRowAfterSeveralBatches_InputExceptionNamingTheFile()
    {
        // The failure comes from the loading thread while the indexer thread has batches in hand: the load stops with the
        // reader's error (nothing hangs, nothing is half-indexed behind the caller's back).
        using var dir = new TempDir();
        var csv = new StringBuilder("Record ID,Email\n");
        for (var i = 0; i < 20_000; i++) csv.Append(i).Append(",c").Append(i).Append("@x.com\n");
        csv.Append("20000,\"broken\"quote@x.com\n");
        var path = dir.File("contacts.csv", csv.ToString());
        var spec = MappingFileLoader.Parse(Mapping, "m.yaml");

        var e = Assert.Throws<InputException>(() => JoinSet.Load(spec, [path], defaultCountry: "US"));
        Assert.Contains("contacts.csv", e.Message);
    }

    [Fact]
    public void Load_JsonContacts_IndexedLikeCsv()
    {
        using var dir = new TempDir();
        var spec = MappingFileLoader.Parse(Mapping, "m.yaml");
        var set = JoinSet.Load(spec, [dir.File("contacts.ndjson", "{\"Record ID\":\"5\",\"Email\":\"e@x.com\"}\n{\"Record ID\":\"5\",\"Email\":\"f@x.com\"}\n")]);

        Assert.Equal(["e@x.com", "f@x.com"], Emails(set[0]!, "5", "e@x.com", "f@x.com"));
    }

    [Property]
    public bool SplitCell_SplitsAsTextValuesSplit(NonNull<string> cell)
    {
        var parts = new List<string> { "left over" };
        JoinTable.SplitCell(cell.Get, parts);
        return parts.SequenceEqual(TextValues.Split(cell.Get));
    }

    [Fact]
    public void Build_TwelveContactsJoined_SendsTheFirstTenEmails()
    {
        using var dir = new TempDir();
        var csv = new StringBuilder("Record ID,Email\n");
        for (var i = 1; i <= 12; i++) csv.Append(i).Append(",c").Append(i).Append("@x.com\n");
        var (_, spec) = Load(dir, csv.ToString());
        string[] headers = ["Date", "Amount", "Contact IDs"];
        var options = new ConversionOptions { Mapping = spec, DefaultCountry = "US" };
        var builder = new EventBuilder(BoundMapping.Bind(spec, headers, "deals.csv"), options, "deals.csv", new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero)));

        var built = builder.Build(["2026-11-01", "10", string.Join(";", Enumerable.Range(1, 12))], 1);

        var em = built.Event!.UserData.Em!;
        Assert.Equal(10, em.Count);
        Assert.Equal(Hashing.Sha256Hex.Hash("c1@x.com"), em[0]);
        Assert.Equal(Hashing.Sha256Hex.Hash("c10@x.com"), em[9]);
    }

    [Fact]
    public void Build_JoinFindsNoContact_RejectedNamingTheKeyColumn()
    {
        using var dir = new TempDir();
        var (_, spec) = Load(dir, "Record ID,Email\n1,a@x.com\n");
        string[] headers = ["Date", "Amount", "Contact IDs"];
        var options = new ConversionOptions { Mapping = spec, DefaultCountry = "US" };
        var builder = new EventBuilder(BoundMapping.Bind(spec, headers, "deals.csv"), options, "deals.csv", new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero)));

        var built = builder.Build(["2026-11-01", "10", "2;3"], 1);

        Assert.Null(built.Event);
        Assert.Equal("Contact IDs", built.Rejection!.Value.Field);
    }
}
