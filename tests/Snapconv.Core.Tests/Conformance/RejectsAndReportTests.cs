using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Snapconv.Core.Capi;
using Snapconv.Core.Mapping;
using Snapconv.Core.Output;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Validation;

namespace Snapconv.Core.Tests.Conformance;

/// <summary>The rejects CSV and the run report keep the shapes the brief and spec §5 give them.</summary>
public sealed class RejectsAndReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("snapconv-rejects-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Rejects_CommasQuotesNewlinesAndDifferentHeaders_RoundTrip()
    {
        var path = Path.Combine(_dir, "rejects.csv");
        using (var w = new RejectsWriter(path))
        {
            w.Add(["email", "note"], ["x@y", "a, \"quoted\"\r\nnext line"],
                new RowIssue(new RowRef("in/a.csv", 3), "email", Reason.MissingUserData));
            w.Add(["phone", "note", "extra"], ["12", " lead space", "tab\there\rcr"],
                new RowIssue(new RowRef("b, c.csv", 1), "amount", Reason.InvalidValue));
            w.Add(["email", "note"], ["", null], new RowIssue(new RowRef("in/a.csv", 10), "event_name", Reason.MissingEventName));
            w.Complete();
        }

        var rows = ParseCsv(File.ReadAllText(path, Encoding.UTF8));
        Assert.Equal(["email", "note", "phone", "extra", "row", "file", "reason", "field", "code", "message"], rows[0]);
        Assert.Equal(4, rows.Count);
        Assert.Equal(["x@y", "a, \"quoted\"\r\nnext line", "", "", "3", "in/a.csv", "MISSING_USER_DATA", "email", "505",
            Reason.MissingUserData.Message], rows[1]);
        Assert.Equal(["", " lead space", "12", "tab\there\rcr", "1", "b, c.csv", "INVALID_VALUE", "amount", "INVALID_VALUE",
            Reason.InvalidValue.Message], rows[2]);
        Assert.Equal(["", "", "", "", "10", "in/a.csv", "MISSING_EVENT_NAME", "event_name", "501",
            Reason.MissingEventName.Message], rows[3]);
    }

    [Fact]
    public void Rejects_NoRejectedRows_WritesHeaderOnly()
    {
        var path = Path.Combine(_dir, "empty.csv");
        using (var w = new RejectsWriter(path)) w.Complete();
        Assert.Equal([["row", "file", "reason", "field", "code", "message"]], ParseCsv(File.ReadAllText(path)));
    }

    [Fact]
    public void Report_Json_HasEveryBriefKey_AndCountsWarningsOfAcceptedEventsOnly()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1734567890 + 3600));
        string[] headers = ["email", "event_name", "event_time", "event_id"];
        var options = new ConversionOptions { Mapping = MappingSpec.Empty, PixelId = "p" };
        var bound = BoundMapping.Bind(options.Mapping, headers, "in.csv");
        var builder = new EventBuilder(bound, options, "in.csv", clock);
        var file = new InputFile("in.csv", headers, bound);
        var acc = new RunAccumulator(clock);
        var old = (1734567890 + 3600 - 70 * 86400).ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(RowDisposition.Accepted, acc.Add(file, builder.Build(["a@b.co", "SIGN_UP", old, "e1"], 1)));
        // The same event id again: a duplicate, whose warnings are not counted.
        Assert.Equal(RowDisposition.Duplicate, acc.Add(file, builder.Build(["a@b.co", "SIGN_UP", old, "e1"], 2)));
        Assert.Equal(RowDisposition.Rejected, acc.Add(file, builder.Build(["nope", "SIGN_UP", old, "e2"], 3)));
        var report = acc.Finish();

        using var ms = new MemoryStream();
        report.WriteJson(ms);
        var root = JsonDocument.Parse(ms.ToArray()).RootElement;
        foreach (var key in new[] { "rows", "accepted", "rejected", "duplicates", "rejected_by_reason", "warnings_by_reason",
                     "identifier_coverage", "input_files", "duration_seconds" })
            Assert.True(root.TryGetProperty(key, out _), key);
        Assert.Equal(3, root.GetProperty("rows").GetInt64());
        Assert.Equal(1, root.GetProperty("accepted").GetInt64());
        Assert.Equal(1, root.GetProperty("duplicates").GetInt64());
        Assert.Equal(1, root.GetProperty("rejected_by_reason").GetProperty("MISSING_USER_DATA").GetInt64());
        var warnings = root.GetProperty("warnings_by_reason");
        Assert.Equal(1, warnings.GetProperty("EVENT_TIME_NOT_ATTRIBUTABLE").GetInt64());
        Assert.Equal(1, warnings.GetProperty("EVENT_TIME_TOO_OLD").GetInt64());
        Assert.False(warnings.TryGetProperty("INVALID_EMAIL", out _));
        Assert.Equal(1.0, root.GetProperty("identifier_coverage").GetProperty("em").GetDouble());
    }

    [Fact]
    public void CapiJson_EveryEvent_CarriesIntegrationAndExactDecimalValue()
    {
        var e = new CapiEvent { EventName = "PURCHASE", EventTime = 1734567890, EventId = "x" };
        e.UserData.Madid = "6d92078a-8246-4ba4-ae5b-76104861e7dc";
        e.CustomData.Value = 1234567.891m;
        e.CustomData.Currency = "USD";
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) CapiJsonWriter.Write(w, e);
        var json = Encoding.UTF8.GetString(ms.ToArray());
        Assert.Contains("\"integration\":\"snapconv\"", json);
        Assert.Contains("\"action_source\":\"OFFLINE\"", json);
        Assert.Contains("\"value\":1234567.891,", json);
    }

    /// <summary>A strict RFC 4180 reader (quoted fields may hold commas, quotes, CR and LF).</summary>
    private static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        var quoted = false;
        while (i < text.Length)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                if (c == '"') { quoted = false; i++; continue; }
                field.Append(c);
                i++;
                continue;
            }
            switch (c)
            {
                case '"': quoted = true; i++; break;
                case ',': row.Add(field.ToString()); field.Clear(); i++; break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                    row.Add(field.ToString()); field.Clear(); rows.Add(row.ToArray()); row.Clear(); i += 2; break;
                default: field.Append(c); i++; break;
            }
        }
        Assert.False(quoted);
        Assert.Empty(row);
        return rows;
    }
}
