using System.Text;
using Snapconv.Delivery.Capi;

namespace Snapconv.Delivery.Tests.Capi;

public class CapiResponseParserTests
{
    private static CapiResponse Parse(int status, string body, TimeSpan? ra = null) => CapiResponseParser.Parse(status, Encoding.UTF8.GetBytes(body), ra);

    [Fact]
    public void Parse_200Valid_Acknowledged() =>
        Assert.Equal(ResponseKind.Acknowledged, Parse(200, """{"status":"VALID","reason":"Events have been processed successfully."}""").Kind);

    [Fact]
    public void Parse_200Invalid_NotTrusted()
    {
        var r = Parse(200, """{"status":"INVALID","error_msgs":["bad"]}""");
        Assert.Equal(ResponseKind.Invalid, r.Kind);
        Assert.Empty(r.Errors);
        Assert.Equal("bad", r.Message);
    }

    [Fact]
    public void Parse_200WithoutStatus_Transient() => Assert.Equal(ResponseKind.Transient, Parse(200, "{}").Kind);

    [Fact]
    public void Parse_EventLogs_EveryInvalidEntry()
    {
        var r = Parse(400, """{"status":"INVALID","reason":"x","event":1,"errors":{"codes":["516"],"error_msgs":["event_name is not a valid conversion event."]},"event_logs":[{"event":1,"status":"INVALID","errors":{"codes":["516"],"error_msgs":["event_name is not a valid conversion event."]}},{"event":4,"status":"INVALID","errors":{"codes":["502"],"error_msgs":["event_time is required."]}}]}""");
        Assert.Equal(ResponseKind.Invalid, r.Kind);
        Assert.Equal([1, 4], r.Errors.Select(e => e.Index));
        Assert.Equal("502", r.Errors[1].Code);
        Assert.Equal("event_time is required.", r.Errors[1].Message);
    }

    [Fact]
    public void Parse_EventAndErrors_WithoutLogs()
    {
        var r = Parse(400, """{"status":"INVALID","event":0,"errors":{"codes":["505"],"error_msgs":["m"]}}""");
        Assert.Equal(new EventError(0, "505", "m"), Assert.Single(r.Errors));
    }

    [Fact]
    public void Parse_TopLevelErrorMsgs_NoIndex()
    {
        var r = Parse(400, """{"status":"INVALID","error_msgs":["Param data['event_time'] is an invalid Unix timestamp."]}""");
        Assert.Equal(ResponseKind.Invalid, r.Kind);
        Assert.Empty(r.Errors);
    }

    [Fact]
    public void Parse_RequestLevel003_FailsBatch() =>
        Assert.Equal(ResponseKind.Failed, Parse(400, """{"status":"INVALID","errors":{"codes":["003"],"error_msgs":["Request body is not valid JSON"]}}""").Kind);

    [Theory]
    [InlineData(401, ResponseKind.Fatal)]
    [InlineData(403, ResponseKind.Fatal)]
    [InlineData(413, ResponseKind.TooLarge)]
    [InlineData(429, ResponseKind.Throttled)]
    [InlineData(500, ResponseKind.Transient)]
    [InlineData(503, ResponseKind.Transient)]
    [InlineData(404, ResponseKind.Failed)]
    public void Parse_Status_Classified(int status, ResponseKind kind) => Assert.Equal(kind, Parse(status, "{}").Kind);

    [Fact]
    public void RetryAfter_SecondsOrHttpDate()
    {
        var now = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromSeconds(3), CapiResponseParser.RetryAfter("3", now));
        Assert.Equal(TimeSpan.FromSeconds(30), CapiResponseParser.RetryAfter("Wed, 01 Jan 2025 00:00:30 GMT", now));
        Assert.Null(CapiResponseParser.RetryAfter("soon", now));
    }

    [Fact]
    public void Redact_HidesToken() =>
        Assert.Equal("https://x/v3/p/events?access_token=***&a=1", CapiClient.Redact("https://x/v3/p/events?access_token=s3cr3t&a=1"));
}
