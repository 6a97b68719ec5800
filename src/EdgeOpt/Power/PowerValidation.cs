using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Analysis.Estimation;
using EdgeOpt.Power.Internal;

namespace EdgeOpt.Power;

/// <summary>
/// The energy model against published measurements of ResNet-50 v1.5 (<c>edgeopt power --validate</c>): MLPerf
/// Inference v3.0 closed power results, Coral's Edge TPU efficiency and the Raspberry Pi 4's power under load. Three of
/// the seven anchors fit the per-unit overhead factors (one per unit kind); the other four are held out, so their
/// error is what the model is worth on a configuration it was not fitted to.
/// </summary>
public static class PowerValidation
{
    public const double LowestRatio = 0.67, HighestRatio = 1.5;

    private const string MlPerf = "MLPerf Inference v3.0 closed, power (mlcommons/inference_results_v3.0)";

    /// <summary>The anchors, fitting ones first.</summary>
    public static IReadOnlyList<PowerAnchor> Anchors { get; } =
    [
        new("Jetson AGX Orin MaxQ, TensorRT GPU, SingleStream", "jetson-agx-orin", Precision.Int8, ComputeUnitKind.Gpu, 1, "30W",
            AnchorQuantity.EnergyPerInference, 1.479e-3 * 14.81, "1.479 ms x 14.81 W", MlPerf + ", NVIDIA", ComputeUnitKind.Gpu),
        new("Firefly RK3588S, CPU (4x A76), SingleStream", "firefly-rk3588s", Precision.Fp32, ComputeUnitKind.Cpu, 1, null,
            AnchorQuantity.EnergyPerInference, 0.1076 * 7.46, "107.6 ms x 7.46 W", MlPerf + ", Krai", ComputeUnitKind.Cpu),
        new("Coral Edge TPU at its peak", "coral-dev-board", Precision.Int8, ComputeUnitKind.Npu, 1, null,
            AnchorQuantity.UnitPeakPower, 2.0, "4 TOPS at 2 TOPS per watt", "coral.ai/products (Edge TPU: 4 TOPS, 2 TOPS/W)", ComputeUnitKind.Npu),
        new("Jetson AGX Orin MaxQ, TensorRT GPU+2 DLA, Offline", "jetson-agx-orin", Precision.Int8, ComputeUnitKind.Gpu, 16, "30W",
            AnchorQuantity.EnergyPerInference, 22.66 / 3463, "22.66 W / 3463 samples/s", MlPerf + ", NVIDIA"),
        new("Jetson AGX Orin, CPU only (ArmNN), SingleStream", "jetson-agx-orin", Precision.Fp32, ComputeUnitKind.Cpu, 1, null,
            AnchorQuantity.EnergyPerInference, 30.8e-3 * 29.69, "30.8 ms (p90) x 29.69 W", MlPerf + ", Krai"),
        new("Firefly RK3588S, Mali-G610 GPU, SingleStream", "firefly-rk3588s", Precision.Fp32, ComputeUnitKind.Gpu, 1, null,
            AnchorQuantity.EnergyPerInference, 0.082 * 6.59, "82.0 ms x 6.59 W", MlPerf + ", Krai"),
        new("Raspberry Pi 4, 4 cores under load, at the wall", "raspberry-pi-4", Precision.Fp32, ComputeUnitKind.Cpu, 1, null,
            AnchorQuantity.Power, 5.9, "5.5-6.3 W under full CPU load (midpoint)", "raspberrypi.com power figures and community wall-meter measurements (5.5-6.3 W load, ~3.0 W idle)"),
    ];

    /// <summary>Every anchor estimated with the current coefficients.</summary>
    public static IReadOnlyList<AnchorCheck> Run() => Check(EnergyCoefficients.Overhead);

    /// <summary>
    /// The overhead factors the fitting anchors imply: for each, the factor that makes its estimate equal its published
    /// figure (the estimate is linear in it). <see cref="EnergyCoefficients"/> holds these values, rounded.
    /// </summary>
    public static IReadOnlyDictionary<ComputeUnitKind, double> Fit()
    {
        var model = Model.Value;
        var result = new Dictionary<ComputeUnitKind, double>();
        foreach (var anchor in Anchors.Where(a => a.FitsOverheadOf is not null))
        {
            var at1 = Evaluate(model, anchor, _ => 1);
            var at2 = Evaluate(model, anchor, _ => 2);
            var slope = Quantity(anchor, at2) - Quantity(anchor, at1);
            result[anchor.FitsOverheadOf!.Value] = 1 + ((anchor.Published - Quantity(anchor, at1)) / slope);
        }
        return result;
    }

    internal static IReadOnlyList<AnchorCheck> Check(Func<ComputeUnitKind, double> overhead)
    {
        var model = Model.Value;
        return Anchors.Select(a => { var o = Evaluate(model, a, overhead); return new AnchorCheck(a, Quantity(a, o), o.Outcome.LatencyMs); }).ToList();
    }

    private static readonly Lazy<Model> Model = new(ResNet50.Build);

    private readonly record struct Evaluated(EnergyModel.Outcome Outcome, double PeakOpsPerSecond, long Macs);

    private static Evaluated Evaluate(Model model, PowerAnchor anchor, Func<ComputeUnitKind, double> overhead)
    {
        var device = DeviceCatalog.Find(anchor.DeviceId);
        var power = PowerAnalyzer.Require(device);
        var estimate = PowerAnalyzer.Estimate(model, device, new PowerOptions { Batch = anchor.Batch }, anchor.Precision, anchor.Unit);
        var point = anchor.Point is { } name
            ? power.Modes.FirstOrDefault(m => m.Name == name) ?? throw new EdgeOptException($"anchor '{anchor.Name}': device '{device.Id}' has no mode '{name}'")
            : OperatingPoints.For(power)[(int)PowerModeKind.Performance];
        var outcome = EnergyModel.Evaluate(estimate, device, power, point, overhead);
        return new Evaluated(outcome, estimate.PeakGops * 1e9, estimate.TotalMacs / Math.Max(1, estimate.Batch));
    }

    private static double Quantity(PowerAnchor anchor, Evaluated e) => anchor.Quantity switch
    {
        AnchorQuantity.EnergyPerInference => e.Outcome.Energy.TotalJ,
        AnchorQuantity.UnitPeakPower => e.Outcome.Energy.ComputeJ / (2.0 * e.Macs) * e.PeakOpsPerSecond,
        _ => e.Outcome.Energy.TotalJ / (e.Outcome.LatencyMs / 1e3),
    };
}
