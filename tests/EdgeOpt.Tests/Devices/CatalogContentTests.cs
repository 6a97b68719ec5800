using EdgeOpt.Devices;

namespace EdgeOpt.Tests.Devices;

/// <summary>Every <see cref="DeviceCatalog"/> entry is complete, plausible and sourced.</summary>
public class CatalogContentTests
{
    public static TheoryData<string> Ids() => [.. DeviceCatalog.All.Select(d => d.Id)];

    [Fact]
    public void Catalogue_holds_the_required_devices_under_unique_ids()
    {
        Assert.True(DeviceCatalog.All.Count >= 19, $"only {DeviceCatalog.All.Count} devices");
        Assert.Equal(DeviceCatalog.All.Count, DeviceCatalog.All.Select(d => d.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.All(DeviceCatalog.All, d => Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", d.Id));
        Assert.Equal(5, DeviceCatalog.All.Count(d => d.Platform == EdgePlatform.Web));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Entry_has_memory_bandwidth_and_compute(string id)
    {
        var d = DeviceCatalog.Find(id);

        Assert.False(string.IsNullOrWhiteSpace(d.Name));
        Assert.False(string.IsNullOrWhiteSpace(d.Soc));
        Assert.InRange(d.MemoryGb, 0.5, 128);
        Assert.InRange(d.MemoryBandwidthGBps, 5, 1000);
        Assert.NotEmpty(d.ComputeUnits);
        Assert.NotEmpty(d.CpuClusters);
        Assert.All(d.CpuClusters, c => { Assert.InRange(c.Cores, 1, 64); Assert.InRange(c.MaxGhz, 0.5, 6); });
        // Every device has a CPU with a positive FP32 peak; every published peak is positive and below 1 POPS.
        Assert.True(d.BestUnit(ComputeUnitKind.Cpu, Precision.Fp32)?.PeakGops[Precision.Fp32] > 0, "no CPU FP32 peak");
        Assert.All(d.ComputeUnits.SelectMany(u => u.PeakGops.Values), v => Assert.InRange(v, 1, 1_000_000));
        Assert.NotEmpty(d.Backends);
        Assert.Equal(d.Backends.Count, d.Backends.Distinct().Count());
        if (d.BatteryWh is { } wh) Assert.InRange(wh, 5, 60);
        if (d.SustainedPowerW is { } w) Assert.InRange(w, 1, 100);
        if (d.TdpW is { } tdp) Assert.InRange(tdp, d.SustainedPowerW ?? 1, 100);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_numeric_field_and_unit_has_a_source(string id)
    {
        var d = DeviceCatalog.Find(id);
        var sourced = new List<string> { "soc", "cpuClusters", "memoryGb", "memoryBandwidthGBps", "backends" };
        if (d.SustainedPowerW is not null) sourced.Add("sustainedPowerW");
        if (d.TdpW is not null) sourced.Add("tdpW");
        if (d.BatteryWh is not null) sourced.Add("batteryWh");
        if (d.OsMinimum is not null) sourced.Add("osMinimum");

        foreach (var field in sourced)
        {
            Assert.True(d.Sources.TryGetValue(field, out var source), $"{id}: no source for '{field}'");
            Assert.True(source!.Length >= 10, $"{id}: source for '{field}' is too thin: '{source}'");
        }
        Assert.All(d.ComputeUnits, u => Assert.True(u.Source.Length >= 20, $"{id}: unit '{u.Name}' has no real source"));
        // A derived figure says how it was derived; browser figures say they depend on the host.
        Assert.All(d.ComputeUnits.Where(u => u.Kind == ComputeUnitKind.Cpu), u => Assert.Contains("derived", u.Source, StringComparison.Ordinal));
        if (d.Platform == EdgePlatform.Web)
        {
            Assert.All(d.ComputeUnits, u => Assert.StartsWith("depends on the host", u.Source, StringComparison.Ordinal));
            Assert.Contains("per-tab budget", d.Sources["memoryGb"], StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Backends_fit_the_platform(string id)
    {
        var d = DeviceCatalog.Find(id);
        AccelerationBackend[] allowed = d.Platform switch
        {
            EdgePlatform.Ios => [AccelerationBackend.CoreMl, AccelerationBackend.Xnnpack, AccelerationBackend.Cpu],
            EdgePlatform.Android => [AccelerationBackend.Nnapi, AccelerationBackend.Qnn, AccelerationBackend.Xnnpack, AccelerationBackend.Cpu],
            EdgePlatform.LinuxEmbedded => [AccelerationBackend.TensorRt, AccelerationBackend.Cuda, AccelerationBackend.Xnnpack, AccelerationBackend.EdgeTpu, AccelerationBackend.Cpu],
            EdgePlatform.Web => [AccelerationBackend.WebGpu, AccelerationBackend.Wasm, AccelerationBackend.WebGl],
            _ => Enum.GetValues<AccelerationBackend>(),
        };
        Assert.All(d.Backends, b => Assert.Contains(b, allowed));
        if (d.Platform == EdgePlatform.Web) Assert.Contains(AccelerationBackend.Wasm, d.Backends);
        else Assert.Contains(AccelerationBackend.Cpu, d.Backends);
        if (d.Platform == EdgePlatform.Ios) Assert.Equal(AccelerationBackend.CoreMl, d.Backends[0]);
        // QNN only on Snapdragon; TensorRT only on Jetson; the Edge TPU only with an Edge TPU unit.
        Assert.Equal(d.Soc.Contains("Snapdragon", StringComparison.Ordinal), d.Backends.Contains(AccelerationBackend.Qnn));
        Assert.Equal(d.Name.Contains("Jetson", StringComparison.Ordinal), d.Backends.Contains(AccelerationBackend.TensorRt));
        Assert.Equal(d.ComputeUnits.Any(u => u.Name.Contains("Edge TPU", StringComparison.Ordinal)), d.Backends.Contains(AccelerationBackend.EdgeTpu));
        if (d.Platform is EdgePlatform.Ios or EdgePlatform.Android) Assert.NotNull(d.BatteryWh);
        if (d.Platform is EdgePlatform.LinuxEmbedded or EdgePlatform.Web) Assert.Null(d.BatteryWh);
    }

    [Fact]
    public void Vendor_headline_figures_are_as_published()
    {
        const double tolerance = 1e-9;
        var orinNano = DeviceCatalog.Find("jetson-orin-nano").BestUnit(ComputeUnitKind.Gpu, Precision.Int8)!;
        Assert.Equal(20_000, orinNano.PeakGops[Precision.Int8], tolerance); // 40 TOPS sparse = 20 dense
        Assert.Contains("sparse", orinNano.Source, StringComparison.Ordinal);
        Assert.Equal(17_000, DeviceCatalog.Find("iphone-14-pro").BestUnit(ComputeUnitKind.Npu, Precision.Fp16)!.PeakGops[Precision.Fp16], tolerance);
        Assert.Equal(35_000, DeviceCatalog.Find("iphone-15-pro").BestUnit(ComputeUnitKind.Npu, Precision.Int8)!.PeakGops[Precision.Int8], tolerance);
        Assert.Equal(4_000, DeviceCatalog.Find("coral-dev-board").BestUnit(ComputeUnitKind.Npu, Precision.Int8)!.PeakGops[Precision.Int8], tolerance);
        Assert.Equal(204.8, DeviceCatalog.Find("jetson-agx-orin").MemoryBandwidthGBps, tolerance);
        // Derived CPU peak: 4 x Cortex-A76 x 2.4 GHz x 16 FP32 FLOP/cycle.
        Assert.Equal(4 * 2.4 * 16, DeviceCatalog.Find("rpi5").BestUnit(ComputeUnitKind.Cpu, Precision.Fp32)!.PeakGops[Precision.Fp32], 0.05);
    }

    [Fact]
    public void Device_class_follows_memory()
    {
        Assert.Equal(DeviceClass.Low, DeviceCatalog.Find("coral dev board").Class);
        Assert.Equal(DeviceClass.Mid, DeviceCatalog.Find("raspberry pi 4").Class);
        Assert.Equal(DeviceClass.High, DeviceCatalog.Find("jetson agx orin").Class);
    }
}
