using EdgeOpt.Analysis;
using EdgeOpt.Devices;

namespace EdgeOpt.Power.Internal;

/// <summary>
/// Energy and time of one inference at an operating point, from a <see cref="LatencyEstimate"/>'s per-node MACs, bytes
/// and compute/memory times:
/// <list type="bullet">
/// <item>compute = Σ (MACs × e_mac + other operations × e_add) × node/45 nm × overhead(unit) × (V/Vmax)²;</item>
/// <item>data movement = every byte through on-chip SRAM (scaled like compute) + the bytes that cannot stay on chip
/// (weights over the cache, activations of nodes over it) from DRAM;</item>
/// <item>static = device idle power × time, and the unit's leakage (a share of its published active power) × V × time;</item>
/// <item>time = Σ max(compute / clock, memory) + overheads / clock: compute-bound nodes slow with the clock, memory-bound do not.</item>
/// </list>
/// </summary>
internal static class EnergyModel
{
    /// <summary>What an operating point does to one inference, per item.</summary>
    public readonly record struct Outcome(double LatencyMs, EnergyBreakdown Energy);

    public static Outcome Evaluate(LatencyEstimate estimate, EdgeDevice device, DevicePower power, OperatingPoint point,
        Func<ComputeUnitKind, double>? overhead = null)
    {
        var clock = Clock(device, estimate.Unit, point);
        var voltage = point.VoltageScale ?? EnergyCoefficients.VoltageScale(point.ClockScale);
        var nodeScale = EnergyCoefficients.NodeScale(power.ProcessNm);
        var factor = (overhead ?? EnergyCoefficients.Overhead)(estimate.Unit);
        var mac = EnergyCoefficients.MacPicojoules(estimate.Precision);
        var add = EnergyCoefficients.AddPicojoules(estimate.Precision);

        double arithmeticPj = 0, sramBytes = 0, dramBytes = 0, timeMs = estimate.RunOverheadMs / clock;
        var weightsOffChip = estimate.WeightBytes > LatencyEstimator.CacheResidentBytes;
        foreach (var node in estimate.Nodes)
        {
            var other = node.Macs > 0 ? Math.Max(0, node.Operations - (2 * node.Macs)) : node.Operations;
            arithmeticPj += (node.Macs * mac) + (other * add);
            sramBytes += node.BytesMoved;
            if (weightsOffChip) dramBytes += node.WeightBytes;
            if (node.ActivationBytes > LatencyEstimator.CacheResidentBytes) dramBytes += node.ActivationBytes;
            if (node.EstimatedMs > 0) timeMs += Math.Max(node.ComputeMs / clock, node.MemoryMs) + (node.OverheadMs / clock);
        }
        var items = Math.Max(1, estimate.Batch);
        var computeJ = arithmeticPj * nodeScale * factor * voltage * voltage * 1e-12;
        var dataJ = ((sramBytes * EnergyCoefficients.SramPicojoulesPerByte * nodeScale * voltage * voltage) + (dramBytes * EnergyCoefficients.DramPicojoulesPerByte)) * 1e-12;
        var leakW = power.Units.FirstOrDefault(u => u.Kind == estimate.Unit) is { } unit ? EnergyCoefficients.LeakageShare * unit.ActiveW * voltage : 0;
        var seconds = timeMs / 1e3;
        return new Outcome(timeMs / items, new EnergyBreakdown(computeJ / items, dataJ / items, leakW * seconds / items, power.IdleW * seconds / items));
    }

    /// <summary>How much faster than the top clock the unit runs at the point (a CPU with cores offline loses their share).</summary>
    public static double Clock(EdgeDevice device, ComputeUnitKind unit, OperatingPoint point)
    {
        if (unit != ComputeUnitKind.Cpu || point.CpuClockScale is null && point.CpuCoresOnline is null) return point.ClockScale;
        var cores = device.CpuClusters.Sum(c => c.Cores);
        var online = point.CpuCoresOnline is { } n && cores > 0 ? Math.Min(1.0, (double)n / cores) : 1.0;
        return (point.CpuClockScale ?? point.ClockScale) * online;
    }
}
