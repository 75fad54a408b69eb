using System.Text.Json;
using Snapconv.Console.Pages.Jobs;

namespace Snapconv.Console.Tests.Pages;

public sealed class JobFormTests
{
    [Fact]
    public void ToKeys_FormValues_JobFileShapeWithTypedValuesAndOnlyTheChosenKind()
    {
        var values = new Dictionary<string, string>
        {
            ["name"] = "shop", ["pixel_id"] = "px", ["token_env"] = "SNAP_TOKEN", ["source.type"] = "sftp",
            ["source.host"] = "files.example", ["source.port"] = "2222", ["source.bucket"] = "left-over-from-s3", ["schedule"] = "0 * * * *",
        };

        var keys = JobForm.ToKeys(values, null);

        Assert.Equal("""{"name":"shop","pixel_id":"px","token_env":"SNAP_TOKEN","source":{"type":"sftp","host":"files.example","port":2222},"schedule":"0 * * * *"}""",
            keys.ToJsonString());
    }

    [Fact]
    public void ToKeys_EditOfAJobWithKeysTheFormDoesNotDraw_KeepsThem()
    {
        var existing = JsonDocument.Parse("""
            {"name":"shop","pixel_id":"px","token_env":"T","delivery":{"batch_size":500},
             "source":{"type":"http","url":"https://example.com/x.csv","headers":{"Accept":"text/csv"}}}
            """).RootElement;
        var values = JobForm.Values(existing);
        values["pixel_id"] = "px2";

        var keys = JobForm.ToKeys(values, existing);

        Assert.Equal("px2", keys["pixel_id"]!.GetValue<string>());
        Assert.Equal(500, keys["delivery"]!["batch_size"]!.GetValue<int>());
        Assert.Equal("text/csv", keys["source"]!["headers"]!["Accept"]!.GetValue<string>());
        Assert.Equal("https://example.com/x.csv", keys["source"]!["url"]!.GetValue<string>());
    }

    [Fact]
    public void ToKeys_SourceKindChanged_OldKindsKeysDropped()
    {
        var existing = JsonDocument.Parse("""{"name":"shop","source":{"type":"http","url":"https://e.com/x","headers":{"A":"b"}}}""").RootElement;
        var values = new Dictionary<string, string> { ["name"] = "shop", ["source.type"] = "local", ["source.path"] = "/data" };

        var keys = JobForm.ToKeys(values, existing);

        Assert.Equal("""{"type":"local","path":"/data"}""", keys["source"]!.ToJsonString());
    }

    [Fact]
    public void Field_SharedKey_TheChosenKindsInput()
    {
        Assert.Equal("f-sftp-source-path", JobForm.Field("source.path", "sftp")!.Id);
        Assert.Equal("f-pixel-id", JobForm.Field("pixel_id", "sftp")!.Id);
        Assert.Null(JobForm.Field("delivery.batch_size", "local"));
        Assert.Equal(JobForm.All.Count(), JobForm.All.Select(f => f.Id).Distinct().Count());
    }
}
