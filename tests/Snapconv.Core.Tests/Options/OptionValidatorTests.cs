using System.ComponentModel.DataAnnotations;
using Snapconv.Core.Options;
using Snapconv.Core.Validation;
using YamlDotNet.RepresentationModel;

namespace Snapconv.Core.Tests.Options;

// #17: one options path — the records' [Range]/[Required] attributes evaluated, errors named by config path.
public class OptionValidatorTests
{
    private enum Mode { Plain, ExplicitTls }

    private sealed record Sample
    {
        public const int DefaultPort = 22;
        [Required] public string Host { get; init; } = "";
        [Range(1, 65_535)] public int Port { get; init; } = DefaultPort;
        [Range(0.1, 100)] public double Qps { get; init; } = 1;
        public bool Verbose { get; init; }
        [Required] public Mode Tls { get; init; }
        public int? Limit { get; init; }
        public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
        [NotInJobFile] public string Token { get; init; } = "";
        public TimeProvider? Clock { get; init; }
    }

    [Theory]
    [InlineData("MaxEventAgeDays", "max_event_age_days", "--max-event-age-days")]
    [InlineData("HostKeySha256", "host_key_sha256", "--host-key-sha256")]
    [InlineData("Qps", "qps", "--qps")]
    [InlineData("TlsAcceptAnyCertificate", "tls_accept_any_certificate", "--tls-accept-any-certificate")]
    public void OptionNames_Property_GivesKeyAndFlagByOneRule(string property, string key, string flag)
    {
        Assert.Equal(key, OptionNames.Key(property));
        Assert.Equal(flag, OptionNames.Flag(OptionNames.Key(property)));
    }

    [Fact]
    public void Check_Defaults_AreValidExceptRequired()
    {
        var s = new Sample();
        Assert.Equal((22, 1.0), (s.Port, s.Qps));
        Assert.Equal([new OptionError("jobs[2].source.host", "required.")], OptionValidator.Check(s, "jobs[2].source"));
    }

    [Fact]
    public void Check_OutOfRange_NamesThePathInTheOneWording()
    {
        var errors = OptionValidator.Check(new Sample { Host = "h", Port = 70_000, Qps = 0 }, "jobs[2].source");
        Assert.Equal(["jobs[2].source.port: must be 1–65535 (was 70000).", "jobs[2].source.qps: must be 0.1–100 (was 0)."],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Check_NoPrefix_GivesTheBareKey()
    {
        Assert.Equal([new OptionError("max_event_age_days", "must be 1–3650 (was 4000).")],
            new ConversionOptions { MaxEventAgeDays = 4000 }.Validate());
        Assert.Equal(["default_country: must be an ISO 3166 alpha-2 code such as US (was 'usa')."],
            new ConversionOptions { DefaultCountry = "usa" }.Validate().Select(e => e.ToString()));
        Assert.Empty(new ConversionOptions { MaxEventAgeDays = 3650, DefaultCountry = "US" }.Validate());
    }

    [Fact]
    public void Keys_AreTheSettableScalarProperties_InDeclarationOrder()
    {
        Assert.Equal(["host", "port", "qps", "verbose", "tls", "limit", "headers"], OptionBinder.Keys(typeof(Sample)));
    }

    [Fact]
    public void Bind_Values_SetTheProperties_OmittedKeysKeepDefaults()
    {
        var errors = new List<string>();
        var s = OptionBinder.Bind(new Sample(), Map("{host: h, qps: '2.5', verbose: true, tls: explicit_tls, limit: 7, headers: {X-A: b}}"), "p", errors);
        Assert.Empty(errors);
        Assert.Equal(("h", 22, 2.5, true, Mode.ExplicitTls, (int?)7, "b"), (s.Host, s.Port, s.Qps, s.Verbose, s.Tls, s.Limit, s.Headers["x-a"]));
    }

    [Fact]
    public void Bind_UnknownKeyWrongTypeAndMissingRequiredEnum_AreErrorsNamingThePath()
    {
        var errors = new List<string>();
        var s = OptionBinder.Bind(new Sample(), Map("{port: abc, verbose: maybe, token: t, colour: red, skipme: 1}"), "jobs[0].x", errors, "unknown key for type y", "skipme");
        Assert.Equal(
        [
            "jobs[0].x.port: must be a whole number (was 'abc').",
            "jobs[0].x.verbose: must be true or false (was 'maybe').",
            "jobs[0].x.token: unknown key for type y; known keys: host, port, qps, verbose, tls, limit, headers.",
            "jobs[0].x.colour: unknown key for type y; known keys: host, port, qps, verbose, tls, limit, headers.",
            "jobs[0].x.tls: required: plain or explicit_tls.",
        ], errors);
        Assert.Equal(Sample.DefaultPort, s.Port);
    }

    [Fact]
    public void Bind_BadEnum_ListsTheChoices()
    {
        var errors = new List<string>();
        OptionBinder.Bind(new Sample(), Map("{tls: ssl}"), "p", errors);
        Assert.Equal(["p.tls: must be one of plain, explicit_tls (was 'ssl')."], errors);
    }

    private static YamlMappingNode Map(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }
}
