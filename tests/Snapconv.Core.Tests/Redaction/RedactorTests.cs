using FsCheck.Xunit;
using Snapconv.Core.Redaction;

namespace Snapconv.Core.Tests.Redaction;

/// <summary>No secret in a URL is ever shown or stored (#16).</summary>
public class RedactorTests
{
    [Theory]
    [InlineData("http://u:pass@host/", "http://***@host/")]
    [InlineData("https://user@host:8443/a/b.csv", "https://***@host:8443/a/b.csv")]
    [InlineData("https://host/x.csv?api_key=k1&day=2&Token=t1", "https://host/x.csv?api_key=***&day=2&Token=***")]
    [InlineData("https://host/x?PASSWORD=p&pass=q&apikey=a&key=b&sig=c&signature=d&secret=e&access_token=f",
        "https://host/x?PASSWORD=***&pass=***&apikey=***&key=***&sig=***&signature=***&secret=***&access_token=***")]
    [InlineData("https://b.s3.amazonaws.com/o?X-Amz-Signature=abc&X-Amz-Security-Token=def&client_secret=g",
        "https://b.s3.amazonaws.com/o?X-Amz-Signature=***&X-Amz-Security-Token=***&client_secret=***")]
    [InlineData("https://host/cb#access_token=abc&state=1", "https://host/cb#access_token=***&state=1")]
    [InlineData("https://${USER}:${PASS}@host/x?api_key=${KEY}", "https://***@host/x?api_key=***")]
    [InlineData("https://host/x?email=a@b.example&passport=1", "https://host/x?email=a@b.example&passport=1")]
    [InlineData("https://tr.snapchat.com", "https://tr.snapchat.com")]
    [InlineData("not a url", "not a url")]
    [InlineData("", "")]
    public void Url_MasksUserinfoAndSecretParameters_KeepsTheRest(string url, string expected) =>
        Assert.Equal(expected, Redactor.Url(url));

    [Fact]
    public void Text_MasksEveryUrlInASentence()
    {
        var text = "http source: http https://a:hunter2@h/x?token=t0k (and ftp://me:pw@f/) is unreachable (HttpRequestException).";
        Assert.Equal("http source: http https://***@h/x?token=*** (and ftp://***@f/) is unreachable (HttpRequestException).", Redactor.Text(text));
    }

    [Fact]
    public void Url_SameUrlOtherPassword_SameIdentity() =>
        Assert.Equal(Redactor.Url("https://u:one@h/x.csv?key=1&day=2"), Redactor.Url("https://u:two@h/x.csv?key=9&day=2"));

    [Property(MaxTest = 300)]
    public bool Url_NeverKeepsAGeneratedPassword(FsCheck.NonEmptyString user, FsCheck.NonEmptyString path)
    {
        const string secret = "S3cr3tPa55";
        var u = new string(user.Get.Where(char.IsAsciiLetterOrDigit).ToArray());
        var p = new string(path.Get.Where(c => char.IsAsciiLetterOrDigit(c) || c == '/').ToArray());
        var redacted = Redactor.Url($"https://{u}:{secret}@host/{p}?key={secret}&q={u}");
        return !redacted.Contains(secret, StringComparison.Ordinal);
    }
}
