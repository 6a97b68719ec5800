using EdgeOpt.Devices;
using EdgeOpt.Power;
using Xunit.Abstractions;
using static System.FormattableString;

namespace EdgeOpt.Tests.Power;

/// <summary>
/// Issue 15's validation table: the energy model on ResNet-50 v1.5 against published measurements. The fitted overhead
/// factors reproduce from their anchors (so the constants are what the fit says), at most half of the anchors fit
/// anything, and every anchor's estimate is pinned here (±2 %) with its ratio to the published figure — a change to the
/// model that moves a held-out anchor shows up as a failing pin, not as a silently different table.
/// </summary>
public sealed class PowerValidationTests(ITestOutputHelper output)
{
    // Estimated / published, as measured when the table was last reviewed (docs/benchmarks.md, "Power").
    private static readonly Dictionary<string, double> PinnedRatios = new(StringComparer.Ordinal)
    {
        ["Jetson AGX Orin MaxQ, TensorRT GPU, SingleStream"] = 1.00,
        ["Firefly RK3588S, CPU (4x A76), SingleStream"] = 1.00,
        ["Coral Edge TPU at its peak"] = 1.00,
        ["Jetson AGX Orin MaxQ, TensorRT GPU+2 DLA, Offline"] = 2.71,
        ["Jetson AGX Orin, CPU only (ArmNN), SingleStream"] = 1.00,
        ["Firefly RK3588S, Mali-G610 GPU, SingleStream"] = 0.81,
        ["Raspberry Pi 4, 4 cores under load, at the wall"] = 1.74,
    };

    [Fact]
    public void The_overhead_constants_are_what_their_anchors_fit()
    {
        var fit = PowerValidation.Fit();
        foreach (var (kind, value) in fit) output.WriteLine(Invariant($"{kind}: fitted {value:G6}, constant {EnergyCoefficients.Overhead(kind):G6}"));
        Assert.Equal(3, fit.Count);
        foreach (var (kind, value) in fit)
            Assert.True(Math.Abs(value / EnergyCoefficients.Overhead(kind) - 1) < 0.002, Invariant($"{kind}: fit says {value:G6}, the constant is {EnergyCoefficients.Overhead(kind):G6}"));
        Assert.All(EnergyCoefficients.All.Where(c => c.Fitted), c => Assert.Contains("anchor", c.Source, StringComparison.Ordinal));
    }

    [Fact]
    public void At_most_half_the_anchors_fit_and_each_unit_kind_is_held_out_somewhere()
    {
        var anchors = PowerValidation.Anchors;
        var fitting = anchors.Where(a => a.FitsOverheadOf is not null).ToList();
        Assert.True(fitting.Count * 2 <= anchors.Count, $"{fitting.Count} of {anchors.Count} anchors fit coefficients");
        Assert.Equal(fitting.Count, fitting.Select(a => a.FitsOverheadOf).Distinct().Count());
        var heldOutUnits = anchors.Where(a => a.FitsOverheadOf is null).Select(a => a.Unit).ToHashSet();
        Assert.Contains(ComputeUnitKind.Cpu, heldOutUnits);
        Assert.Contains(ComputeUnitKind.Gpu, heldOutUnits);
        Assert.All(anchors, a => Assert.True(a.Source.Length >= 10 && a.Derivation.Length >= 5, a.Name));
    }

    [Fact]
    public void The_table_matches_its_pinned_ratios()
    {
        var checks = PowerValidation.Run();
        foreach (var c in checks)
            output.WriteLine(Invariant($"{c.Anchor.Name}: estimated {c.Estimated:G4}, published {c.Anchor.Published:G4}, ratio {c.Ratio:F2}, latency {c.EstimatedLatencyMs:G4} ms, {(c.Fitted ? "fitted" : c.WithinGoal ? "held out, within goal" : "held out, OUTSIDE goal")}"));
        Assert.Equal(PinnedRatios.Count, checks.Count);
        foreach (var c in checks)
        {
            Assert.True(double.IsFinite(c.Estimated) && c.Estimated > 0, c.Anchor.Name);
            Assert.Equal(PinnedRatios[c.Anchor.Name], c.Ratio, 0.02 * PinnedRatios[c.Anchor.Name]);
            if (c.Fitted) Assert.True(c.WithinGoal);
        }
        // Held out: two of four within 0.67x-1.5x today (Orin CPU, RK3588S GPU); the Offline GPU+2 DLA run and the 28 nm
        // Pi 4 are outside it, as docs/benchmarks.md states.
        Assert.Equal(2, checks.Count(c => !c.Fitted && c.WithinGoal));
    }
}
