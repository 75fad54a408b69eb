using Snapconv.Core.Formats;

namespace Snapconv.Core.Tests.Formats;

// #17: the HTML ".xls" export is read by an HTML5 parser, as a browser would read it.
public class HtmlTableRecordReaderTests
{
    private static List<(long Row, string?[] Fields)> Read(string body, out IReadOnlyList<string> headers)
    {
        using var tmp = new TempDir();
        var path = tmp.File("deals.xls", $"<html><body>{body}</body></html>");
        using var reader = RecordReaders.Open(path);
        headers = reader.Headers.ToArray();
        return FormatFixtures.ReadAll(reader);
    }

    [Fact]
    public void Read_MissingEndTags_ImpliedAsABrowserDoes()
    {
        var rows = Read("<table><tr><th>A<th>B<tr><td>1<td>2<tr><td>3<td>4</table>", out var headers);
        Assert.Equal(["A", "B"], headers);
        Assert.Equal(2, rows.Count);
        Assert.Equal(new string?[] { "1", "2" }, rows[0].Fields);
        Assert.Equal(new string?[] { "3", "4" }, rows[1].Fields);
    }

    [Fact]
    public void Read_NestedTagsAndNamedEntities_TextAsShown()
    {
        var rows = Read("<table><tr><th>Name</th><th>Note</th></tr>"
            + "<tr><td><span><b>Ann</b> &eacute;&nbsp;Lee</span></td><td>a&lt;b &#8364;5<br/>next</td></tr></table>", out _);
        Assert.Equal("Ann é Lee", rows[0].Fields[0]);
        Assert.Equal("a<b €5\nnext", rows[0].Fields[1]);
    }

    [Fact]
    public void Read_TagLikeTextInAttribute_NotTakenAsACellEnd()
    {
        // A regex ends a cell at the first "</td>" it sees, even inside an attribute's value.
        var rows = Read("<table><tr><th>A</th><th>B</th></tr><tr><td title=\"x</td><td>y\">one</td><td>two</td></tr></table>", out _);
        Assert.Equal(new string?[] { "one", "two" }, rows[0].Fields);
    }

    [Fact]
    public void Read_TableNestedInACell_ReadAsThatCellsText()
    {
        var rows = Read("<table><tr><th>A</th><th>B</th></tr>"
            + "<tr><td><table><tr><td>inner</td></tr></table></td><td>outer</td></tr></table>", out _);
        Assert.Single(rows);
        Assert.Equal("inner", rows[0].Fields[0]);
        Assert.Equal("outer", rows[0].Fields[1]);
    }

    [Fact]
    public void Read_TheadAndTbody_RowsInDocumentOrder()
    {
        var rows = Read("<table><thead><tr><th>A</th></tr></thead><tbody><tr><td>1</td></tr><tr><td>2</td></tr></tbody></table>", out var headers);
        Assert.Equal(["A"], headers);
        Assert.Equal(["1", "2"], rows.Select(r => r.Fields[0]));
    }

    [Fact]
    public void Read_DeeplyNestedTagsInACell_ReadWithoutRecursing()
    {
        const int depth = 20_000;
        var cell = string.Concat(Enumerable.Repeat("<span>", depth)) + "deep" + string.Concat(Enumerable.Repeat("</span>", depth));
        var rows = Read($"<table><tr><th>A</th></tr><tr><td>{cell}</td></tr></table>", out _);
        Assert.Equal("deep", rows[0].Fields[0]);
    }

    [Fact]
    public void Read_RowWiderThanTheColumnLimit_ThrowsNamingTheRow()
    {
        // #16's bound holds for this format too: a row may not have more cells than a file may have columns.
        var wide = string.Concat(Enumerable.Repeat("<td>x</td>", RecordReaderOptions.MaxColumns + 1));
        var e = Assert.Throws<InputException>(() => Read($"<table><tr><th>A</th></tr><tr>{wide}</tr></table>", out _));
        Assert.Contains("table row 2 has more than 16,384 cells", e.Message);
    }

    [Fact]
    public void Read_NoTable_ThrowsNamingTheFile()
    {
        var e = Assert.Throws<InputException>(() => Read("<p>no table</p>", out _));
        Assert.EndsWith("deals.xls", e.File);
        Assert.Contains("without a table", e.Message);
    }
}
