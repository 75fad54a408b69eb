using System.Text;
using System.Text.Json;
using Snapconv.Core.Capi;
using Snapconv.Core.Pipeline;
using Snapconv.Core.Samples;
using Snapconv.Core.Validation;
using Snapconv.Core.Validation.Wire;

namespace Snapconv.Core.Tests.Validation.Wire;

public class WireEventValidatorTests
{
    private static (WireEvent Event, List<Reason> Errors) Check(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var errors = new List<Reason>();
        return (WireEventValidator.Validate(doc.RootElement, errors), errors);
    }

    [Fact]
    public void Validate_SeedExample_IsValid()
    {
        var (e, errors) = Check("""{"event_name":"PURCHASE","event_time":1734567890,"action_source":"physical_store","event_id":"store_txn_12345","user_data":{"em":["7b17fb0bd173f625b58636fb796407c22b3d16fc78302d79f0fd30c2fc2fc068"]},"custom_data":{"value":"99.99","currency":"USD"}}""");
        Assert.Empty(errors);
        Assert.True(e.IsValid);
        Assert.Equal("PURCHASE", e.EventName);
        Assert.Equal(ActionSourceKind.Offline, e.ActionSource);
        Assert.Equal(99.99m, e.Value);
    }

    [Fact]
    public void Validate_EverythingWrong_ListsAllReasonsInSpecOrder()
    {
        var (e, errors) = Check("""{"event_name":"REFUND","event_time":"yesterday","action_source":"MOBILE_APP","user_data":{"em":["person@example.com"]},"custom_data":{"value":"-1","currency":"XXX"}}""");
        Assert.False(e.IsValid);
        var names = errors.Select(r => r.Name).ToList();
        Assert.Equal(["INVALID_EVENT_NAME", "INVALID_EVENT_TIME", "INVALID_ACTION_SOURCE"], names.Take(3));
        Assert.Contains("UNHASHED_USER_DATA", names);
        Assert.True(names.IndexOf("INVALID_CURRENCY") < names.IndexOf("INVALID_VALUE"));
    }

    [Fact]
    public void Validate_UnhashedEmail_NamesTheKey()
    {
        var (_, errors) = Check("""{"event_name":"SIGN_UP","event_time":1734567890,"action_source":"OFFLINE","user_data":{"em":"person@example.com","madid":"6d92078a-8246-4ba4-ae5b-76104861e7dc"}}""");
        var r = Assert.Single(errors);
        Assert.Equal("user_data.em must be a SHA-256 hex digest.", r.Message);
    }

    [Fact]
    public async Task ClientAndSandbox_ShareOneSetOfRules_EveryEventTheClientSendsIsValidAtTheSandbox()
    {
        // The generator's rows go through the client's pipeline; every accepted event must pass the
        // sandbox's wire checks, or the two sets of rules have drifted apart.
        var dir = Directory.CreateTempSubdirectory("snapconv-agree-");
        try
        {
            var input = Path.Combine(dir.FullName, "in.csv");
            using (var w = new StreamWriter(input)) SyntheticConversions.Write(w, new SyntheticOptions { Rows = 3_000, Seed = 7, Now = DateTimeOffset.UtcNow });
            var accepted = 0;
            var sink = new Snapconv.Core.Tests.Pipeline.CallbackSink(e =>
            {
                accepted++;
                using var ms = new MemoryStream();
                using (var jw = new Utf8JsonWriter(ms)) CapiJsonWriter.Write(jw, e);
                var (wire, errors) = Check(Encoding.UTF8.GetString(ms.ToArray()));
                Assert.True(wire.IsValid, string.Join(", ", errors.Select(x => x.Name)));
                Assert.Equal(e.EventTime, wire.EventTimeSeconds);
                Assert.Equal(e.EventId, wire.DedupId);
            });
            var result = await ConversionRun.ExecuteAsync([input], new ConversionOptions { DefaultCountry = "US", PixelId = "p" },
                new ConversionOutputs(), TimeProvider.System, CancellationToken.None, sink);
            Assert.Equal(result.Report.Accepted, accepted);
            Assert.True(accepted > 2_500);
        }
        finally { dir.Delete(true); }
    }
}
