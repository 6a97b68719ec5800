using EdgeOpt.Analysis;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Deployment;

public class CustomDeviceTests
{
    private static readonly CustomDevice Pixel7Like = new()
    {
        Platform = EdgePlatform.Android, Name = "Pixel 7 (lab unit)", Cpu = "Google Tensor G2", MemoryGb = 8,
    };

    [Fact]
    public void A_custom_device_that_gives_nothing_new_estimates_exactly_like_its_catalogue_entry_on_ResNet18()
    {
        var resolved = Pixel7Like.Resolve();
        var pixel7 = DeviceCatalog.Find("pixel-7");
        Assert.Equal("pixel-7", resolved.BorrowedFrom);
        Assert.True(resolved.IsCustom);
        Assert.Equal("custom-pixel-7-lab-unit", resolved.Device.Id);
        Assert.Contains("memoryBandwidthGBps", resolved.Borrowed);
        Assert.Contains("computeUnits.cpu", resolved.Borrowed);
        Assert.StartsWith("borrowed from pixel-7", resolved.Device.Sources["memoryBandwidthGBps"], StringComparison.Ordinal);
        Assert.Equal("given in the custom device", resolved.Device.Sources["memoryGb"]);

        using var a = Model.Load(Fixtures.ResNet18);
        using var b = Model.Load(Fixtures.ResNet18);
        var custom = LatencyEstimator.Estimate(a, resolved.Device);
        var catalogue = LatencyEstimator.Estimate(b, pixel7);
        Assert.True(double.IsFinite(custom.TotalMs) && custom.TotalMs > 0, $"estimate {custom.TotalMs} ms");
        Assert.Equal(catalogue.TotalMs, custom.TotalMs, 1e-9);
        Assert.Equal(catalogue.PeakMemoryBytes, custom.PeakMemoryBytes);
        Assert.Equal("custom-pixel-7-lab-unit", custom.DeviceId);

        // The accelerator's compatibility view takes it unchanged too.
        var accelerator = new EdgeAccelerator(Enum.GetValues<AccelerationBackend>());
        var customCaps = accelerator.GetDeviceCapabilities(resolved.Device);
        var catalogueCaps = accelerator.GetDeviceCapabilities(pixel7);
        Assert.Equal(catalogueCaps.Supported, customCaps.Supported);
        Assert.Equal(catalogueCaps.MemoryTargetMb, customCaps.MemoryTargetMb);
    }

    [Fact]
    public void Given_figures_replace_the_borrowed_ones_and_move_the_estimate()
    {
        var slow = (Pixel7Like with { PeakGflops = 20, MemoryBandwidthGBps = 5 }).Resolve();
        Assert.DoesNotContain("memoryBandwidthGBps", slow.Borrowed);
        Assert.DoesNotContain("computeUnits.cpu", slow.Borrowed);
        Assert.Contains("computeUnits.gpu", slow.Borrowed);
        var cpu = slow.Device.BestUnit(ComputeUnitKind.Cpu, Precision.Fp32)!;
        Assert.Equal(20, cpu.PeakGops[Precision.Fp32], 1e-9);
        // Other precisions keep the borrowed entry's ratio to FP32.
        var borrowedCpu = DeviceCatalog.Find("pixel-7").BestUnit(ComputeUnitKind.Cpu, Precision.Fp32)!;
        Assert.Equal(borrowedCpu.PeakGops[Precision.Int8] / borrowedCpu.PeakGops[Precision.Fp32], cpu.PeakGops[Precision.Int8] / 20, 1e-9);

        using var a = Model.Load(Fixtures.ResNet18);
        using var b = Model.Load(Fixtures.ResNet18);
        var slowMs = LatencyEstimator.Estimate(a, slow.Device).TotalMs;
        var pixel7Ms = LatencyEstimator.Estimate(b, DeviceCatalog.Find("pixel-7")).TotalMs;
        Assert.True(slowMs > 2 * pixel7Ms, $"20 GFLOPS / 5 GB/s: {slowMs:0.0} ms vs pixel-7 {pixel7Ms:0.0} ms");
    }

    [Theory]
    [InlineData(EdgePlatform.Android, "Snapdragon 8 Gen 2", 8, "galaxy-s23")] // SoC match wins
    [InlineData(EdgePlatform.Android, "Unknown SoC", 8, "pixel-7")] // nearest memory; tie → catalogue order
    [InlineData(EdgePlatform.LinuxEmbedded, "Broadcom BCM2712", 4, "raspberry-pi-5")]
    [InlineData(EdgePlatform.LinuxEmbedded, "", 1, "coral-dev-board")]
    [InlineData(EdgePlatform.Ios, "Apple A16 Bionic", 6, "iphone-14-pro")]
    public void The_closest_entry_is_same_platform_then_SoC_then_nearest_memory(EdgePlatform platform, string cpu, double memoryGb, string expected)
    {
        var device = new CustomDevice { Platform = platform, Name = "x", Cpu = cpu, MemoryGb = memoryGb };
        Assert.Equal(expected, device.ClosestEntry().Id);
    }

    [Fact]
    public void A_platform_without_catalogue_entries_borrows_from_the_whole_catalogue()
    {
        var desktop = new CustomDevice { Platform = EdgePlatform.Desktop, Name = "workstation", MemoryGb = 64 }.Resolve();
        Assert.Equal(EdgePlatform.Desktop, desktop.Device.Platform);
        Assert.NotNull(desktop.BorrowedFrom);
        Assert.Equal(64, desktop.Device.MemoryGb);
    }

    [Fact]
    public void Device_json_round_trips_and_resolves_from_a_path()
    {
        var device = Pixel7Like with { PeakGflops = 150, MemoryBandwidthGBps = 40 };
        var json = device.ToJson();
        Assert.Contains("\"platform\": \"Android\"", json, StringComparison.Ordinal);
        Assert.Equal(device, CustomDevice.Parse(json));

        var dir = Directory.CreateTempSubdirectory("edgeopt-device-");
        try
        {
            var path = Path.Combine(dir.FullName, "device.json");
            File.WriteAllText(path, """
                { "platform": "android", "name": "Galaxy S23 FE", "cpu": "Exynos 2200", "memoryGb": 8 }
                """);
            var resolved = ResolvedDevice.Resolve(path);
            Assert.Equal("Galaxy S23 FE", resolved.Device.Name);
            Assert.Equal("Exynos 2200", resolved.Device.Soc);
            Assert.Equal("", CustomDevice.Parse("""{ "platform": "Web", "name": "kiosk", "memoryGb": 2 }""").Cpu);
            Assert.StartsWith("custom device: ", resolved.Describe(), StringComparison.Ordinal);
            var catalogue = ResolvedDevice.Resolve("Pixel 7");
            Assert.False(catalogue.IsCustom);
            Assert.Empty(catalogue.Borrowed);
        }
        finally { dir.Delete(true); }
    }

    [Theory]
    [InlineData("{ \"platform\": \"Android\", \"name\": ", "device.json")] // truncated
    [InlineData("{ \"platform\": \"Symbian\", \"name\": \"n\", \"memoryGb\": 1 }", "platform")]
    [InlineData("{ \"platform\": \"Android\", \"name\": \"n\", \"memoryGb\": 1, \"ramGb\": 2 }", "ramGb")]
    [InlineData("{ \"platform\": \"Android\", \"name\": \"n\", \"memoryGb\": \"lots\" }", "memoryGb")]
    [InlineData("{ \"platform\": \"Android\", \"memoryGb\": 1 }", "name")]
    public void Malformed_device_json_is_one_line_naming_the_field(string json, string named)
    {
        var e = Assert.Throws<DataFormatException>(() => CustomDevice.Parse(json, "device.json"));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.StartsWith("device.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_platform_lists_the_platforms()
    {
        var e = Assert.Throws<DataFormatException>(() => CustomDevice.Parse("""{ "platform": "Symbian", "name": "n", "memoryGb": 1 }""", "device.json"));
        Assert.Equal("device.json: field 'platform' (line 1): not a valid value; expected Ios, Android, LinuxEmbedded, Web, Desktop", e.Message);
    }

    [Fact]
    public void Out_of_range_values_are_every_problem_at_once()
    {
        var e = Assert.Throws<InvalidOptionsException>(() => CustomDevice.Parse(
            """{ "platform": "Ios", "name": " ", "memoryGb": -2, "peakGflops": 0, "memoryBandwidthGBps": -1 }"""));
        Assert.Equal(["CustomDevice.Name", "CustomDevice.MemoryGb", "CustomDevice.PeakGflops", "CustomDevice.MemoryBandwidthGBps"],
            e.Problems.Select(p => p.Option));
        Assert.Contains("MemoryGb is -2", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void An_unknown_catalogue_name_still_suggests_devices()
    {
        var e = Assert.Throws<UsageException>(() => ResolvedDevice.Resolve("pixle 7"));
        Assert.Contains("pixel-7", e.Message, StringComparison.Ordinal);
    }
}
