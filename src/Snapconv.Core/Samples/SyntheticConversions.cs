using System.Globalization;
using System.Text;

namespace Snapconv.Core.Samples;

/// <summary>Options of the synthetic conversion data used by the demo and the benchmarks.</summary>
public sealed record SyntheticOptions
{
    public long Rows { get; init; } = 5_000;
    public int Seed { get; init; } = 42;
    /// <summary>Share of rows with a problem Snap rejects (bad event name, no identifier, bad currency …).</summary>
    public double InvalidRate { get; init; } = 0.03;
    /// <summary>Share of rows that repeat an earlier order.</summary>
    public double DuplicateRate { get; init; } = 0.02;
    /// <summary>Event times fall in the 30 days before this instant (the caller's clock: no default).</summary>
    public required DateTimeOffset Now { get; init; }
    /// <summary>Only the columns of a typical POS export with two identifiers (email, phone): the benchmark's shape.</summary>
    public bool Lean { get; init; }
}

/// <summary>
/// Writes a realistic, partly dirty CRM/POS export as CSV: US in-store and phone orders with email and
/// phone in the shapes people type them, a few invalid rows and repeated orders. Deterministic for a seed.
/// </summary>
public static class SyntheticConversions
{
    public const string Header =
        "order_id,transaction_date,email,phone,first_name,last_name,city,state,zip,country,amount,currency,event_type,channel";
    public const string LeanHeader = "order_id,transaction_date,email,phone,amount,currency,event_type";

    private static readonly string[] First = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "José", "Zoë", "Raphaël", "Aiko", "Chen"];
    private static readonly string[] Last = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "O'Brien", "Nguyen", "Müller"];
    private static readonly string[] Domains = ["gmail.com", "yahoo.com", "outlook.com", "example.com", "icloud.com", "Example.ORG"];
    private static readonly (string City, string State, string Zip, string Area)[] Places =
    [
        ("New York", "NY", "10001", "212"), ("Los Angeles", "California", "90012", "213"), ("Chicago", "IL", "60601", "312"),
        ("Houston", "Texas", "77002", "713"), ("Phoenix", "AZ", "85004", "602"), ("Seattle", "WA", "98101-2345", "206"),
        ("Boston", "Massachusetts", "02108", "617"), ("Denver", "CO", "80202", "303"), ("Miami", "FL", "33101", "305"),
    ];
    private static readonly string[] Channels = ["in-store", "phone", "call-center", "in-store", "in-store"];

    public static void Write(TextWriter w, SyntheticOptions o)
    {
        var rnd = new Random(o.Seed);
        w.Write(o.Lean ? LeanHeader : Header);
        w.Write('\n');
        var sb = new StringBuilder(256);
        var now = o.Now.ToUnixTimeSeconds();
        var lastRows = new string[64];
        for (long i = 0; i < o.Rows; i++)
        {
            if (i > 10 && rnd.NextDouble() < o.DuplicateRate)
            {
                w.Write(lastRows[rnd.Next((int)Math.Min(i, lastRows.Length))]);
                w.Write('\n');
                continue;
            }
            sb.Clear();
            var fn = First[rnd.Next(First.Length)];
            var ln = Last[rnd.Next(Last.Length)];
            var place = Places[rnd.Next(Places.Length)];
            var t = now - rnd.Next(60, 30 * 86_400);
            var invalid = rnd.NextDouble() < o.InvalidRate ? rnd.Next(5) : -1;

            sb.Append("ORD-").Append((1_000_000 + i).ToString(CultureInfo.InvariantCulture)).Append(',');
            sb.Append(invalid == 0 ? "not a date" : FormatTime(t, rnd.Next(4))).Append(',');
            var email = $"{fn.ToLowerInvariant()}.{ln.ToLowerInvariant().Replace("'", "")}{rnd.Next(1000)}@{Domains[rnd.Next(Domains.Length)]}";
            var phoneDigits = $"{place.Area}{rnd.Next(200, 999)}{rnd.Next(1000, 9999)}";
            if (invalid == 1) { sb.Append(",,"); }
            else
            {
                sb.Append(rnd.Next(10) switch { 0 => "", 1 => " " + email.ToUpperInvariant() + " ", _ => email }).Append(',');
                sb.Append(rnd.Next(10) switch
                {
                    0 => "",
                    1 => "+1" + phoneDigits,
                    2 => "555-0100 x12",
                    3 => $"({phoneDigits[..3]}) {phoneDigits[3..6]}-{phoneDigits[6..]}",
                    _ => $"{phoneDigits[..3]}-{phoneDigits[3..6]}-{phoneDigits[6..]}",
                }).Append(',');
            }
            if (!o.Lean)
                sb.Append(fn).Append(',').Append(ln).Append(',').Append(place.City).Append(',').Append(place.State).Append(',')
                  .Append(place.Zip).Append(',').Append(rnd.Next(4) == 0 ? "USA" : "US").Append(',');
            sb.Append(invalid == 2 ? "-5.00" : (rnd.Next(500, 50_000) / 100m).ToString(CultureInfo.InvariantCulture)).Append(',');
            sb.Append(invalid == 3 ? "XXX" : rnd.Next(5) == 0 ? "usd" : "USD").Append(',');
            sb.Append(invalid == 4 ? "REFUND" : rnd.Next(3) == 0 ? "purchase" : "PURCHASE");
            if (!o.Lean) sb.Append(',').Append(Channels[rnd.Next(Channels.Length)]);
            var line = sb.ToString();
            lastRows[i % lastRows.Length] = line;
            w.Write(line);
            w.Write('\n');
        }
    }

    private static string FormatTime(long t, int style) => style switch
    {
        0 => t.ToString(CultureInfo.InvariantCulture),
        1 => DateTimeOffset.FromUnixTimeSeconds(t).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        2 => DateTimeOffset.FromUnixTimeSeconds(t).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        _ => (t * 1000).ToString(CultureInfo.InvariantCulture),
    };
}
