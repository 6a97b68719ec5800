using System.Globalization;
using System.Runtime.InteropServices;
using EdgeOpt.Devices.Probing;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Devices;

/// <summary>
/// Describes this machine: CPU, ISA extensions, caches, memory, NVIDIA GPUs and ONNX Runtime providers, with its
/// peak throughput per precision both derived from the ISA and measured by short micro-benchmarks on every core.
/// Nothing here throws for a missing source: what cannot be read is reported as unknown.
/// </summary>
public static class HostProbe
{
    private static readonly Lazy<HostInfo> LazyCurrent = new(() => Probe(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>This host with default options (micro-benchmarks included), probed once on first use.</summary>
    public static HostInfo Current => LazyCurrent.Value;

    /// <summary>Probes the host now. With <see cref="HostProbeOptions.MeasurePeaks"/> it takes about 3 × <see cref="HostProbeOptions.MeasureTime"/> plus set-up.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="HostProbeOptions.MeasureTime"/> is not positive.</exception>
    public static HostInfo Probe(HostProbeOptions? options = null)
    {
        options ??= HostProbeOptions.Default;
        if (options.MeasureTime <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), options.MeasureTime, "HostProbeOptions.MeasureTime must be positive.");

        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        var cpuInfo = CpuInfoFile.Read();
        var description = HostDescription.Current;
        var logical = Environment.ProcessorCount;
        sources["cpuModel"] = cpuInfo.ModelName is null ? "unknown (no /proc/cpuinfo model)" : "/proc/cpuinfo";
        sources["logicalCores"] = "Environment.ProcessorCount (honours affinity and container limits)";

        var physical = LinuxFiles.PhysicalCoresFromTopology();
        sources["physicalCores"] = physical is not null ? "/sys/devices/system/cpu/cpu*/topology (distinct package, core_id)" : "unknown";
        if (physical is null && cpuInfo.PhysicalCores is { } fromCpuInfo)
        {
            physical = fromCpuInfo;
            sources["physicalCores"] = "/proc/cpuinfo (distinct physical id, core id)";
        }

        var (baseGhz, maxGhz) = LinuxFiles.CpuFreqGhz();
        sources["maxGhz"] = maxGhz is null ? "unknown (no cpufreq)" : "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq";
        sources["baseGhz"] = baseGhz is null ? "unknown" : "/sys/devices/system/cpu/cpu0/cpufreq/base_frequency";
        if (baseGhz is null && cpuInfo.Mhz is { } mhz)
        {
            baseGhz = mhz / 1000;
            sources["baseGhz"] = "/proc/cpuinfo cpu MHz (clock when read; the nominal clock on VMs)";
        }

        var isa = IsaFeatures.Detect(cpuInfo);
        sources["isaFeatures"] = isa.Source;
        var (caches, cacheSource) = CacheReader.Read();
        sources["caches"] = cacheSource;

        var memory = LinuxFiles.MemTotalBytes();
        sources["memoryBytes"] = memory is null ? "GC.GetGCMemoryInfo().TotalAvailableMemoryBytes" : "/proc/meminfo MemTotal";
        memory ??= GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

        var gpus = Nvml.Query();
        sources["gpus"] = gpus.Count > 0 ? "NVML (" + Nvml.LibraryNames[0] + ")" : "NVML not available or no NVIDIA GPU";
        var providers = OrtEnv.Instance().GetAvailableProviders();
        sources["ortProviders"] = "OrtEnv.GetAvailableProviders() of ONNX Runtime " + description.OnnxRuntimeVersion;

        // SMT siblings share the SIMD pipes, so the peak counts physical cores the process may use.
        var peakCores = Math.Min(physical ?? logical, logical);
        var clockGhz = maxGhz ?? baseGhz;
        var (theoretical, peakMethod) = TheoreticalPeak.Compute(isa, peakCores, clockGhz, maxGhz is not null ? sources["maxGhz"] : sources["baseGhz"]);
        sources["theoreticalPeakGops"] = "derived from ISA and clock: " + peakMethod;

        var measured = new Dictionary<Precision, double>();
        double? bandwidth = null;
        var measureMethod = "not measured (HostProbeOptions.MeasurePeaks = false)";
        var bandwidthMethod = measureMethod;
        if (options.MeasurePeaks)
        {
            var methods = new List<string>();
            var (fp32Kernel, fp32Method) = ComputeKernels.Fp32();
            measured[Precision.Fp32] = MeasureGops(fp32Kernel, logical, options.MeasureTime);
            methods.Add(fp32Method);
            if (ComputeKernels.Int8() is var (int8Kernel, int8Method))
            {
                measured[Precision.Int8] = MeasureGops(int8Kernel, logical, options.MeasureTime);
                methods.Add(int8Method);
            }
            measureMethod = string.Create(CultureInfo.InvariantCulture,
                $"{string.Join("; ", methods)}; {logical} threads for {options.MeasureTime.TotalMilliseconds:0} ms each, 1 MAC = 2 ops");
            bandwidth = BandwidthKernel.Measure(logical, options.MeasureTime) / 1e9;
            bandwidthMethod = BandwidthKernel.Method(logical) + string.Create(CultureInfo.InvariantCulture, $" for {options.MeasureTime.TotalMilliseconds:0} ms");
        }
        sources["measuredPeakGops"] = measureMethod;
        sources["measuredBandwidthGBps"] = bandwidthMethod;

        return new HostInfo
        {
            CpuModel = cpuInfo.ModelName ?? description.Cpu,
            Architecture = RuntimeInformation.ProcessArchitecture,
            LogicalCores = logical,
            PhysicalCores = physical,
            BaseGhz = baseGhz,
            MaxGhz = maxGhz,
            IsaFeatures = isa.Names,
            Caches = caches,
            MemoryBytes = memory.Value,
            Gpus = gpus,
            OrtProviders = providers,
            TheoreticalPeakGops = theoretical,
            PeakMethod = peakMethod,
            MeasuredPeakGops = measured,
            MeasureMethod = measureMethod,
            MeasuredBandwidthGBps = bandwidth,
            BandwidthMethod = bandwidthMethod,
            HostDescription = description,
            Sources = sources,
        };
    }

    private static double MeasureGops(ComputeKernels.Kernel kernel, int threads, TimeSpan duration)
    {
        // Chunks of ~2 ms keep the clock checks negligible while stopping close to the deadline.
        var iterations = ComputeKernels.Calibrate(kernel, TimeSpan.FromMilliseconds(2));
        var macsPerSecond = ParallelMeasure.UnitsPerSecond(threads, duration, warmUp: _ => kernel(iterations), chunk: _ => kernel(iterations));
        return macsPerSecond * 2 / 1e9;
    }
}
