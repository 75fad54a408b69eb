namespace Snapconv.Sandbox.Tests;

// #16: the sandbox's inspection endpoints have no authentication, so it listens on loopback unless told otherwise.
public class ListenAddressesTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8787", true)]
    [InlineData("http://127.0.0.2:0", true)]
    [InlineData("http://localhost:8787", true)]
    [InlineData("http://LOCALHOST", true)]
    [InlineData("http://[::1]:8787", true)]
    [InlineData("https://127.0.0.1:8443/", true)]
    [InlineData("http://0.0.0.0:8787", false)]
    [InlineData("http://[::]:8787", false)]
    [InlineData("http://*:8787", false)]
    [InlineData("http://+:8787", false)]
    [InlineData("http://192.168.1.20:8787", false)]
    [InlineData("http://10.0.0.5", false)]
    [InlineData("http://sandbox.example.com:8787", false)]
    [InlineData("http://localhost.example.com:8787", false)]
    [InlineData("not a url", false)]
    public void IsLoopback_Host_OnlyLoopbackAddresses(string url, bool expected) =>
        Assert.Equal(expected, ListenAddresses.IsLoopback(url));

    [Fact]
    public void Validate_NonLoopbackUrl_ErrorSaysWhy()
    {
        var errors = new SandboxOptions { Urls = "http://127.0.0.1:0;http://0.0.0.0:8787" }.Validate();
        var e = Assert.Single(errors);
        Assert.StartsWith("urls: 'http://0.0.0.0:8787' is not a loopback address; the sandbox's inspection endpoints have no authentication", e.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8787")]
    [InlineData("http://*:8787")]
    [InlineData("http://+:8787")]
    public void Validate_NonLoopbackWithAllowRemote_NoError(string urls) =>
        Assert.Empty(new SandboxOptions { Urls = urls, AllowRemote = true }.Validate());

    [Fact]
    public void Build_NonLoopbackUrl_Throws() =>
        Assert.Throws<ArgumentException>(() => SandboxApp.Build(new SandboxOptions { Urls = "http://0.0.0.0:0" }, TimeProvider.System));
}
