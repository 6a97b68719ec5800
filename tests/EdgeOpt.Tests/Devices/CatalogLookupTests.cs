using EdgeOpt.Devices;

namespace EdgeOpt.Tests.Devices;

/// <summary><see cref="DeviceCatalog.Find"/>, <see cref="DeviceCatalog.TryFind"/> and <see cref="DeviceCatalog.ClosestMatches"/>.</summary>
public class CatalogLookupTests
{
    [Theory]
    [InlineData("iPhone 14 Pro", "iphone-14-pro")]
    [InlineData("iPhone 15 Pro", "iphone-15-pro")]
    [InlineData("iPad Pro (M2)", "ipad-pro-m2")]
    [InlineData("Pixel 7", "pixel-7")]
    [InlineData("Pixel 8", "pixel-8")]
    [InlineData("Galaxy S23", "galaxy-s23")]
    [InlineData("OnePlus 11", "oneplus-11")]
    [InlineData("Jetson Orin Nano", "jetson-orin-nano")]
    [InlineData("Jetson AGX Orin", "jetson-agx-orin")]
    [InlineData("Jetson Xavier NX", "jetson-xavier-nx")]
    [InlineData("Jetson Nano", "jetson-nano")]
    [InlineData("Raspberry Pi 4", "raspberry-pi-4")]
    [InlineData("Raspberry Pi 5", "raspberry-pi-5")]
    [InlineData("Coral Dev Board", "coral-dev-board")]
    [InlineData("Chrome desktop", "chrome-desktop")]
    [InlineData("Chrome Android", "chrome-android")]
    [InlineData("Safari macOS", "safari-macos")]
    [InlineData("Safari iOS", "safari-ios")]
    [InlineData("Firefox", "firefox")]
    public void Required_names_resolve(string name, string id) => Assert.Equal(id, DeviceCatalog.Find(name).Id);

    [Theory]
    [InlineData("  galaxy   s23 ", "galaxy-s23")]
    [InlineData("GALAXY_S23", "galaxy-s23")]
    [InlineData("SM-S911", "galaxy-s23")]
    [InlineData("sm-s911b", "galaxy-s23")]
    [InlineData("s23", "galaxy-s23")]
    [InlineData("Samsung Galaxy S23", "galaxy-s23")]
    [InlineData("rpi5", "raspberry-pi-5")]
    [InlineData("RPi 4", "raspberry-pi-4")]
    [InlineData("orin nano", "jetson-orin-nano")]
    [InlineData("NVIDIA Jetson Nano", "jetson-nano")]
    [InlineData("Google Pixel 8", "pixel-8")]
    [InlineData("pixel-8", "pixel-8")]
    [InlineData("iphone15pro", "iphone-15-pro")]
    [InlineData("Apple iPhone 14 Pro", "iphone-14-pro")]
    [InlineData("ipad pro m2", "ipad-pro-m2")]
    [InlineData("mobile safari", "safari-ios")]
    public void Lookup_forgives_case_spacing_punctuation_vendor_and_aliases(string name, string id)
    {
        Assert.True(DeviceCatalog.TryFind(name, out var device));
        Assert.Equal(id, device!.Id);
    }

    [Fact]
    public void Every_id_name_and_alias_finds_its_own_device()
    {
        foreach (var d in DeviceCatalog.All)
            foreach (var name in new[] { d.Id, d.Name }.Concat(d.Aliases))
                Assert.Same(d, DeviceCatalog.Find(name));
    }

    [Theory]
    [InlineData("pixel 9", "pixel-8")]
    [InlineData("galaxy s24", "galaxy-s23")]
    [InlineData("iphone 16 pro", "iphone-15-pro")]
    [InlineData("raspberry pi 3", "raspberry-pi-4")]
    public void Unknown_name_fails_naming_the_closest_devices(string name, string expectedAmongClosest)
    {
        Assert.False(DeviceCatalog.TryFind(name, out var none));
        Assert.Null(none);

        var e = Assert.Throws<UsageException>(() => DeviceCatalog.Find(name));

        Assert.StartsWith($"unknown device '{name}'; closest: ", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("(edgeopt devices lists all)", e.Message, StringComparison.Ordinal);
        Assert.Contains(expectedAmongClosest, e.Message, StringComparison.Ordinal);
        Assert.Equal(3, e.Message.Split("closest: ")[1].Split(',').Length);
    }

    [Fact]
    public void Closest_matches_to_a_partial_name_are_that_family()
    {
        var jetsons = DeviceCatalog.ClosestMatches("jetson", 4);

        Assert.Equal(4, jetsons.Count);
        Assert.All(jetsons, d => Assert.StartsWith("jetson-", d.Id, StringComparison.Ordinal));
        Assert.Equal(2, DeviceCatalog.ClosestMatches("safari", 2).Count(d => d.Id.StartsWith("safari-", StringComparison.Ordinal)));
        Assert.Empty(DeviceCatalog.ClosestMatches("pixel", 0));
    }

    [Fact]
    public void Empty_or_punctuation_only_name_is_unknown()
    {
        Assert.False(DeviceCatalog.TryFind("  -- ", out _));
        Assert.Contains("no letters or digits", Assert.Throws<UsageException>(() => DeviceCatalog.Find("")).Message, StringComparison.Ordinal);
        Assert.Equal(3, DeviceCatalog.ClosestMatches("--").Count);
    }
}
