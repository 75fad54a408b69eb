namespace Snapconv.Console.Tests.Browser;

/// <summary>The browser tests share one Chromium and run one after another (the machine has 2 cores).</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<ChromiumFixture>
{
    public const string Name = "browser";
}
