using System.Globalization;
using EdgeOpt.Devices;

namespace EdgeOpt.Analysis.Estimation;

/// <summary>
/// The share of a unit's peak a runtime reaches per op class, the share of peak bandwidth it streams at, and a
/// fixed dispatch cost per node (kernel launch, scheduling, tensor allocation) that dominates small models.
/// </summary>
internal sealed record UnitEfficiency(
    double Conv, double DepthwiseConv, double MatMul, double Elementwise, double Memory, double OverheadUs)
{
    public double Compute(OpClass c) => c switch
    {
        OpClass.Conv => Conv,
        OpClass.DepthwiseConv => DepthwiseConv,
        OpClass.MatMul => MatMul,
        _ => Elementwise,
    };

    /// <summary>
    /// CPU: fitted on the host (see <see cref="CalibrationNote"/>). GPU and NPU cannot be measured here; their
    /// figures are typical shares reported for mobile GPUs and NPUs running CNNs (well below peak, worse on
    /// elementwise and depthwise work) and are the least certain part of the model.
    /// </summary>
    public static UnitEfficiency For(ComputeUnitKind kind) => kind switch
    {
        ComputeUnitKind.Cpu => new(Conv: 0.85, DepthwiseConv: 0.25, MatMul: 0.70, Elementwise: 0.30, Memory: 0.60, OverheadUs: 1),
        ComputeUnitKind.Gpu => new(Conv: 0.40, DepthwiseConv: 0.10, MatMul: 0.45, Elementwise: 0.25, Memory: 0.70, OverheadUs: 15),
        _ => new(Conv: 0.50, DepthwiseConv: 0.20, MatMul: 0.30, Elementwise: 0.10, Memory: 0.50, OverheadUs: 10),
    };

    /// <summary>Where the CPU factors come from and how close they got (filled from the bench run in docs/benchmarks.md).</summary>
    public const string CalibrationNote =
        "CPU factors fitted on a 2-core AMD EPYC host (idle) against ONNX Runtime 1.31.1 with the probe's measured peak: 1 thread ResNet18 +13%, transformer-like +13%, demo CNN +19%; see docs/benchmarks.md";

    public string Describe(ComputeUnitKind kind) => string.Create(CultureInfo.InvariantCulture,
        $"efficiency for {kind.ToString().ToUpperInvariant()}: conv {Conv:0.##}, depthwise-conv {DepthwiseConv:0.##}, matmul {MatMul:0.##}, " +
        $"elementwise {Elementwise:0.##}, memory {Memory:0.##}, {OverheadUs:0.#} µs per node");
}
