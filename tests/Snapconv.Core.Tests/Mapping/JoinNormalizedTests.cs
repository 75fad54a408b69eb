using System.Text;
using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Capi;
using Snapconv.Core.Mapping;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;
using TempDir = Snapconv.Core.Tests.Formats.TempDir;

namespace Snapconv.Core.Tests.Mapping;

/// <summary>
/// Issue #8 (join speed): identifier columns of a join are normalized and hashed once per contact (on its first join); the events,
/// warnings and the 10-value cap are the same as normalizing the joined cells on each row.
/// </summary>
public class JoinNormalizedTests
{
    private const string JoinMapping = """
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
              First Name: {field: fn, optional: true}
              Ext: {field: external_id, optional: true}
              Birth: {field: db, optional: true}
        """;

    /// <summary>The same identifiers as main-file columns: the per-row path the join must match.</summary>
    private const string InlineMapping = """
        columns:
          Date: event_time
          Amount: value
          Email: {field: em, split: true}
          Phone: {field: ph, split: true, optional: true}
          First Name: {field: fn, split: true, optional: true}
          Ext: {field: external_id, split: true, optional: true}
          Birth: {field: db, optional: true}
        constants: {event_name: PURCHASE, currency: USD}
        auto_detect: false
        """;

    private static readonly DateTimeOffset Now = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    private static string Csv(params string[] cells) => string.Join(",", cells.Select(c => "\"" + c.Replace("\"", "\"\"") + "\""));

    private static (EventBuilder Builder, JoinTable Table) JoinBuilder(TempDir dir, string contactsCsv, string mapping = JoinMapping,
        string? loadCountry = "US", string? runCountry = "US", string[]? headers = null)
    {
        var spec = MappingFileLoader.Parse(mapping, "m.yaml");
        var set = JoinSet.Load(spec, [dir.File("contacts.csv", contactsCsv)], defaultCountry: loadCountry);
        spec = spec with { JoinData = set };
        var options = new ConversionOptions { Mapping = spec, DefaultCountry = runCountry };
        headers ??= ["Date", "Amount", "Contact IDs"];
        return (new EventBuilder(BoundMapping.Bind(spec, headers, "deals.csv"), options, "deals.csv", new FakeTimeProvider(Now)), set[0]!);
    }

    private static string Shape(BuiltRow r)
    {
        var u = r.Event?.UserData;
        string L(List<string>? l) => l is null ? "-" : string.Join("|", l);
        return $"em={L(u?.Em)} ph={L(u?.Ph)} fn={L(u?.Fn)} ext={u?.ExternalId ?? "-"} db={u?.Db ?? "-"} " +
               $"rejected={r.Rejection?.Reason.Name ?? "-"} warnings={string.Join("|", (r.Warnings ?? []).Select(w => w.Reason.Name))}";
    }

    [Fact]
    public void Build_JoinedCellsNormalizedAtLoad_SameEventAndWarningsAsTheSameCellsInline()
    {
        string[][] contacts =
        [
            ["a@x.com; B@X.COM ,bad-email", "(202) 555-0101;12", "Ann;  José ; ann", "Cust-7", "1990-04-01"],
            [" ", "+44 20 7946 0018", "ANN", "", ""],
            [new string('a', 64), "0123456789abcdef0123456789abcdef", "", new string('F', 64), "not a date"],
            ["0123456789abcdef0123456789ABCDEF", "", "Zoë", "x", "2030-01-01"],
            ["c@x.com,c@x.com", "202.555.0199", ";;", "", ""],
        ];
        using var dir = new TempDir();
        var csv = new StringBuilder("Record ID,Email,Phone,First Name,Ext,Birth\n");
        for (var i = 0; i < contacts.Length; i++) csv.Append(i + 1).Append(',').Append(Csv(contacts[i])).Append('\n');
        var (join, _) = JoinBuilder(dir, csv.ToString());
        var inlineSpec = MappingFileLoader.Parse(InlineMapping, "inline.yaml");
        var inline = new EventBuilder(BoundMapping.Bind(inlineSpec, ["Date", "Amount", "Email", "Phone", "First Name", "Ext", "Birth"], "plain.csv"),
            new ConversionOptions { Mapping = inlineSpec, DefaultCountry = "US" }, "plain.csv", new FakeTimeProvider(Now));

        for (var i = 0; i < contacts.Length; i++)
        {
            var joined = join.Build(["2026-11-01", "10", (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)], 1);
            var plain = inline.Build(["2026-11-01", "10", .. contacts[i]], 1);
            Assert.Equal(Shape(plain), Shape(joined));
        }
    }

    [Fact]
    public void Build_ContactWithBadEmail_WarnsOnEveryRowThatJoinsIt()
    {
        using var dir = new TempDir();
        var (builder, _) = JoinBuilder(dir, "Record ID,Email,Phone\n1,not-an-email,+12025550101\n2,b@x.com,\n");

        foreach (var row in new[] { 1L, 2L })
        {
            var built = builder.Build(["2026-11-01", "10", "1;2"], row);

            Assert.NotNull(built.Event);
            var w = Assert.Single(built.Warnings!);
            Assert.Equal("contacts.Email", w.Field);
            Assert.Equal(Reason.InvalidEmail, w.Reason);
            Assert.Equal(row, w.Row.Row);
            Assert.Equal([Hashing.Sha256Hex.Hash("b@x.com")], built.Event!.UserData.Em);
        }
    }

    [Theory]
    [InlineData("Annabelle", true)]                                         // the outcomes fit over the raw cells
    [InlineData("Ann;Bo;Cy;Di;Ed;Flo;Gus", false)]                          // they do not: written aside, raw cells blanked
    public void Values_JoinedContact_RawEmailsPhonesAndNamesNoLongerKept(string names, bool inRow)
    {
        using var dir = new TempDir();
        var (builder, table) = JoinBuilder(dir, $"Record ID,Email,Phone,First Name\n1,ann.lee@example.com,(202) 555-0101,\"{names}\"\n");
        Assert.Contains("ann.lee", table.IndexText());                        // normalized on the first join, not at load

        var built = builder.Build(["2026-11-01", "10", "1"], 1);

        Assert.Equal([Hashing.Sha256Hex.Hash("ann.lee@example.com")], built.Event!.UserData.Em);
        Assert.Equal([Hashing.Sha256Hex.Hash("12025550101")], built.Event.UserData.Ph);
        Assert.Equal(names.Split(';').Select(n => Hashing.Sha256Hex.Hash(n.ToLowerInvariant())), built.Event.UserData.Fn!);
        var rows = new List<int>();
        table.Lookup("1", rows);
        Assert.Equal(inRow, table.OutcomesInRow(Assert.Single(rows)));
        var kept = table.IndexText();
        Assert.DoesNotContain("ann.lee", kept, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("555", kept);
        Assert.DoesNotContain("Ann", kept);
        var again = builder.Build(["2026-11-01", "10", "1"], 2);               // read back from the outcomes
        Assert.Equal(built.Event.UserData.Em, again.Event!.UserData.Em);
        Assert.Equal(built.Event.UserData.Ph, again.Event.UserData.Ph);
        Assert.Equal(built.Event.UserData.Fn, again.Event.UserData.Fn);
    }

    [Fact]
    public void Build_ManyThreadsJoinTheSameContactsAtOnce_SameEventsAsOneThread()
    {
        using var dir = new TempDir();
        var csv = new StringBuilder("Record ID,Email,Phone,First Name,Ext\n");
        const int n = 3_000;
        for (var i = 0; i < n; i++)
            csv.Append(i % 1_000).Append(",\"").Append(i % 3 == 0 ? $"a.rather.long.address.for.contact.number.c{i}@example.com" : $"c{i}@x.com;{(i % 5 == 0 ? "bad" : "d" + i + "@x.com")}").Append("\",")
               .Append(i % 4 == 0 ? "" : "202555" + (1000 + i % 9000)).Append(",N").Append(i % 7).Append(",x").Append(i).Append('\n');
        string[] Keys(int r) => ["2026-11-01", "10", $"{r % 1_000};{(r * 7) % 1_000}"];
        var (reference, _) = JoinBuilder(dir, csv.ToString());
        var expected = Enumerable.Range(0, 2_000).Select(r => Shape(reference.Build(Keys(r), r))).ToArray();

        for (var round = 0; round < 3; round++)
        {
            // A fresh index each round: every row starts un-normalized, and several threads race to the same contacts.
            var (builder, table) = JoinBuilder(dir, csv.ToString());
            var actual = Enumerable.Range(0, 4).Select(_ => new string[expected.Length]).ToArray();
            using var start = new Barrier(4);
            var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                try
                {
                    for (var k = 0; k < expected.Length; k++)
                    {
                        var r = (k + t * 499) % expected.Length;   // each thread walks every row, from another place
                        actual[t][r] = Shape(builder.Build(Keys(r), r));
                    }
                }
                catch (Exception e) { errors.Enqueue(e); }
            })).ToList();
            foreach (var th in threads) th.Start();
            foreach (var th in threads) th.Join();
            Assert.Empty(errors);
            foreach (var a in actual) Assert.Equal(expected, a);
            // Both places of outcomes were raced for: over the raw cells, and in the workers' arenas.
            var inRow = Enumerable.Range(0, 1_000).Select(k => { var rows = new List<int>(); table.Lookup(k.ToString(System.Globalization.CultureInfo.InvariantCulture), rows); return rows.Select(table.OutcomesInRow).ToList(); }).SelectMany(x => x).ToList();
            Assert.Contains(true, inRow);
            Assert.Contains(false, inRow);
        }
        Assert.Contains(expected, e => e.Contains("INVALID_EMAIL", StringComparison.Ordinal));
        Assert.Contains(expected, e => e.Contains("ph=-", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_RepeatedNames_ShareOneValue()
    {
        using var dir = new TempDir();
        var (_, table) = JoinBuilder(dir, "Record ID,Email,First Name\n1,a@x.com,Ann\n2,b@x.com, Ann \n3,c@x.com,Bo\n");

        var values = new List<string>();
        foreach (var key in new[] { "1", "2", "3" })
        {
            var rows = new List<int>();
            table.Lookup(key, rows);
            foreach (var v in table.Values(Assert.Single(rows), 2)) values.Add(v.Value!);
        }
        Assert.Equal([Hashing.Sha256Hex.Hash("ann"), Hashing.Sha256Hex.Hash("ann"), Hashing.Sha256Hex.Hash("bo")], values);
        Assert.Same(values[0], values[1]);   // one string for a repeated part
    }

    [Fact]
    public void Load_ColumnsWhoseRuleNeedsTheRow_KeptAsRead()
    {
        using var dir = new TempDir();
        var (_, table) = JoinBuilder(dir, "Record ID,Email,Phone,Birth\n1,a@x.com,020 7946 0018,1990-04-01\n",
            JoinMapping.Replace("columns: {Date: event_time, Amount: value}", "columns: {Date: event_time, Amount: value, Country: {field: country, optional: true}}"),
            headers: ["Date", "Amount", "Country", "Contact IDs"]);

        Assert.NotNull(table.NormalizedWith(0));   // em: the same for every row
        Assert.Null(table.NormalizedWith(1));      // ph: the main file has a country column
        Assert.Null(table.NormalizedWith(4));      // db: its rule reads the clock
        Assert.Throws<InvalidOperationException>(() => table.Values(0, 1));
    }

    [Fact]
    public void Build_MainRowCountry_JoinedNationalPhoneReadInThatCountry()
    {
        using var dir = new TempDir();
        var (builder, _) = JoinBuilder(dir, "Record ID,Email,Phone\n1,a@x.com,020 7946 0018\n",
            JoinMapping.Replace("columns: {Date: event_time, Amount: value}", "columns: {Date: event_time, Amount: value, Country: {field: country, optional: true}}"),
            headers: ["Date", "Amount", "Country", "Contact IDs"]);

        var gb = builder.Build(["2026-11-01", "10", "GB", "1"], 1);
        var none = builder.Build(["2026-11-01", "10", "", "1"], 2);

        Assert.Equal([Hashing.Sha256Hex.Hash("442079460018")], gb.Event!.UserData.Ph);
        Assert.Null(none.Event!.UserData.Ph);                       // a UK national number is not a US one
        Assert.Equal("INVALID_PHONE", Assert.Single(none.Warnings!).Reason.Name);
    }

    [Fact]
    public void EventBuilder_IndexLoadedForAnotherDefaultCountry_Throws()
    {
        using var dir = new TempDir();

        var e = Assert.Throws<InvalidOperationException>(() => JoinBuilder(dir, "Record ID,Email,Phone\n1,a@x.com,2025550101\n", loadCountry: null, runCountry: "US"));
        Assert.Contains("default country", e.Message);
    }

    [Fact]
    public void Build_NationalJoinedPhone_ReadInTheDefaultCountry()
    {
        using var dir = new TempDir();
        var (builder, _) = JoinBuilder(dir, "Record ID,Email,Phone\n1,a@x.com,(202) 555-0101\n");

        var built = builder.Build(["2026-11-01", "10", "1"], 1);

        Assert.Equal([Hashing.Sha256Hex.Hash("12025550101")], built.Event!.UserData.Ph);
    }

    [Fact]
    public void Load_DuplicateKeysAcrossManyBatches_RowsInFileOrderWithTheirOwnValues()
    {
        using var dir = new TempDir();
        var csv = new StringBuilder("Record ID,Email,First Name\n");
        const int n = 20_000;  // several batches of the two-stage load
        for (var i = 0; i < n; i++) csv.Append(i % 3).Append(",c").Append(i).Append("@x.com,N").Append(i % 7).Append('\n');
        var (_, table) = JoinBuilder(dir, csv.ToString());

        var rows = new List<int>();
        table.Lookup("1", rows);
        var expected = Enumerable.Range(0, n).Where(i => i % 3 == 1).ToList();
        Assert.Equal(expected.Count, rows.Count);
        for (var k = 0; k < rows.Count; k++)
        {
            var em = new List<string?>();
            foreach (var v in table.Values(rows[k], 0)) em.Add(v.Value);
            var fn = new List<string?>();
            foreach (var v in table.Values(rows[k], 2)) fn.Add(v.Value);
            Assert.Equal([Hashing.Sha256Hex.Hash("c" + expected[k] + "@x.com")], em);
            Assert.Equal([Hashing.Sha256Hex.Hash("n" + expected[k] % 7)], fn);
        }
    }
}
