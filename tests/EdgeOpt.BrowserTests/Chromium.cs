namespace EdgeOpt.BrowserTests;

/// <summary>Shares one <see cref="ChromiumFixture"/> among every test class marked <c>[Collection(Chromium.Collection)]</c>.</summary>
[CollectionDefinition(Collection)]
public sealed class Chromium : ICollectionFixture<ChromiumFixture>
{
    public const string Collection = "Chromium";
}
