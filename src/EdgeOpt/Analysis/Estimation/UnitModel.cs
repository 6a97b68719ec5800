using System.Globalization;
using EdgeOpt.Devices;

namespace EdgeOpt.Analysis.Estimation;

/// <summary>
/// The throughput figures one estimate runs on: achieved GOPS per op class, effective bandwidth, and fixed costs per
/// node and per run, with the sentence that says where they come from. Three sources:
/// <list type="bullet">
/// <item>the host's CPU: measured by <see cref="HostCalibrator"/> (real ONNX Runtime kernels) at the thread count;</item>
/// <item>a catalogue CPU: the cores ONNX Runtime's threads run on (big and mid cores, not the little ones) at their
/// sustained clocks, times fitted per-class shares (reshaped by a host calibration when one is given);</item>
/// <item>a catalogue GPU or NPU: its peak times published-share (GPU: fitted) efficiencies.</item>
/// </list>
/// </summary>
internal sealed class UnitModel
{
    private readonly Func<OpClass, double> _gops;

    private UnitModel(Func<OpClass, double> gops, double bandwidthGBps, double nodeOverheadUs, double runOverheadUs, int? threads, string method)
    {
        _gops = gops;
        BandwidthGBps = bandwidthGBps;
        NodeOverheadUs = nodeOverheadUs;
        RunOverheadUs = runOverheadUs;
        Threads = threads;
        Method = method;
    }

    /// <summary>Achieved operations per second for <paramref name="opClass"/>, in GOPS.</summary>
    public double Gops(OpClass opClass) => _gops(opClass);

    /// <summary>Effective bandwidth for the memory roofline, in GB/s.</summary>
    public double BandwidthGBps { get; }

    public double NodeOverheadUs { get; }
    public double RunOverheadUs { get; }

    /// <summary>Intra-op threads assumed (CPU only).</summary>
    public int? Threads { get; }

    public string Method { get; }

    public static bool IsHost(EdgeDevice device) => device.Id == "host";

    /// <summary>The host's CPU from its calibration; other precisions scale the FP32 kernels by the unit's peak ratio.</summary>
    public static UnitModel ForHost(ComputeUnit unit, Precision precision, HostCalibration calibration, int? threads)
    {
        var t = threads ?? HostCalibrator.DefaultThreads;
        var point = calibration.At(t);
        var ratio = PrecisionRatio(unit, precision);
        var method = calibration.Provenance + ": " + point.Describe() +
            (ratio == 1 ? "" : string.Create(CultureInfo.InvariantCulture, $"; {LatencyEstimator.Label(precision)} not calibrated: FP32 kernels × the unit's {LatencyEstimator.Label(precision)}/fp32 peak ratio {ratio:0.##}"));
        return new UnitModel(c => point.Gops(c.Name()) * ratio, point.BandwidthGBps, point.NodeOverheadUs, point.RunOverheadUs, t, method);
    }

    /// <summary>A catalogue unit: CPUs by the cores ORT's threads use at sustained clocks, GPUs/NPUs by their peak.</summary>
    public static UnitModel ForCatalogue(EdgeDevice device, ComputeUnit unit, Precision precision, double peakGops, double bandwidthGBps,
        int? threads, HostCalibration? calibration)
    {
        var efficiency = UnitEfficiency.For(unit.Kind);
        if (unit.Kind != ComputeUnitKind.Cpu)
        {
            return new UnitModel(c => peakGops * efficiency.Compute(c), bandwidthGBps * efficiency.Memory, efficiency.OverheadUs, efficiency.RunOverheadUs, null,
                string.Create(CultureInfo.InvariantCulture, $"peak {peakGops:0.#} GOPS {LatencyEstimator.Label(precision)} for {unit.Name} from {unit.Source}; ") +
                efficiency.Describe(unit.Kind) + " (not calibrated on this host); " + UnitEfficiency.FitNote);
        }

        var (effective, used, coresText) = CpuThroughput(device, unit, precision, peakGops, threads);
        Func<OpClass, double> share = efficiency.Compute;
        var shape = "";
        if (calibration is not null)
        {
            // The host's measured per-class shape (each class relative to 3×3 conv at its widest thread count) replaces the
            // typical one; the level stays the fitted conv share.
            var point = calibration.Points.MaxBy(p => p.Threads)!;
            var conv = point.Gops("conv");
            share = c => c is OpClass.Conv ? efficiency.Conv : efficiency.Conv * Math.Min(1.5, point.Gops(c.Name()) / conv);
            shape = "; per-class shares relative to conv taken from this host's ORT calibration (" + point.Describe() + ")";
        }
        return new UnitModel(c => effective * share(c), bandwidthGBps * efficiency.Memory, efficiency.OverheadUs, efficiency.RunOverheadUs, used,
            string.Create(CultureInfo.InvariantCulture,
                $"CPU throughput {effective:0.#} GOPS {LatencyEstimator.Label(precision)} = {coresText} (ONNX Runtime's {used} intra-op thread(s) on the big/mid cores; peak of all cores {peakGops:0.#} from {unit.Source}); ") +
            efficiency.Describe(unit.Kind) + shape + "; " + UnitEfficiency.FitNote);
    }

    // ORT runs one intra-op thread per big/mid core by default; little cores would only stall the parallel sections.
    private static (double Gops, int Threads, string Text) CpuThroughput(EdgeDevice device, ComputeUnit unit, Precision precision, double peakGops, int? threads)
    {
        var ratio = PrecisionRatio(unit, precision);
        var clusters = device.CpuClusters.Where(c => c.Cores > 0 && c.Fp32FlopsPerCycle is > 0 && c.MaxGhz > 0).ToList();
        if (clusters.Count == 0 || clusters.Count != device.CpuClusters.Count)
        {
            var total = Math.Max(1, device.CpuClusters.Sum(c => c.Cores));
            var t = Math.Clamp(threads ?? total, 1, total);
            return (peakGops * t / total, t, string.Create(CultureInfo.InvariantCulture, $"peak × {t}/{total} cores (no per-core figures)"));
        }
        var minFlops = clusters.Min(c => c.Fp32FlopsPerCycle!.Value);
        var bigAndMid = clusters.Any(c => c.Fp32FlopsPerCycle > minFlops) ? clusters.Where(c => c.Fp32FlopsPerCycle > minFlops).ToList() : clusters;
        var cores = clusters
            .SelectMany(c => Enumerable.Repeat(c, c.Cores))
            .OrderByDescending(Rate)
            .ToList();
        var count = Math.Clamp(threads ?? bigAndMid.Sum(c => c.Cores), 1, cores.Count);
        var chosen = cores.Take(count).ToList();
        // The clusters give the shape (which share of the unit's peak the chosen cores hold at sustained clocks); the
        // unit's peak gives the level, so a custom device's given peak still counts.
        var allCoresAtMax = clusters.Sum(c => c.Cores * c.MaxGhz * c.Fp32FlopsPerCycle!.Value);
        var gops = peakGops * chosen.Sum(Rate) / allCoresAtMax;
        var text = string.Join(" + ", chosen.GroupBy(c => c).Select(g => string.Create(CultureInfo.InvariantCulture,
            $"{g.Count()}x {g.Key.Core} @ {g.Key.SustainedGhz ?? g.Key.MaxGhz:0.##} GHz{(g.Key.SustainedGhz is null ? "" : " sustained")} x {g.Key.Fp32FlopsPerCycle:0} FLOP/cycle")));
        var scale = peakGops / (allCoresAtMax * ratio);
        if (Math.Abs(scale - 1) > 0.01) text += string.Create(CultureInfo.InvariantCulture, $" x {scale:0.###} (the unit's peak over its clusters' figures)");
        if (ratio != 1) text += string.Create(CultureInfo.InvariantCulture, $" x {ratio:0.##} ({LatencyEstimator.Label(precision)}/fp32 peak ratio)");
        return (gops, count, text);

        static double Rate(CpuCluster c) => (c.SustainedGhz ?? c.MaxGhz) * c.Fp32FlopsPerCycle!.Value;
    }

    private static double PrecisionRatio(ComputeUnit unit, Precision precision) =>
        precision != Precision.Fp32 && unit.PeakGops.TryGetValue(Precision.Fp32, out var fp32) && fp32 > 0 && unit.PeakGops.TryGetValue(precision, out var p)
            ? p / fp32
            : 1;
}
