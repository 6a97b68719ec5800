using System.Globalization;
using EdgeOpt.Devices;

namespace EdgeOpt.Analysis.Estimation;

/// <summary>
/// The share of a unit's peak a runtime reaches per op class, the share of peak bandwidth it streams at, and the
/// fixed costs of a node (kernel launch, scheduling, tensor allocation) and of a run (input upload, synchronization)
/// that dominate small models. Used for catalogue devices; the host is calibrated instead (<see cref="HostCalibrator"/>).
/// </summary>
internal sealed record UnitEfficiency(
    double Conv, double PointwiseConv, double DepthwiseConv, double MatMul, double Elementwise, double Memory, double OverheadUs, double RunOverheadUs)
{
    public double Compute(OpClass c) => c switch
    {
        OpClass.Conv => Conv,
        OpClass.PointwiseConv => PointwiseConv,
        OpClass.DepthwiseConv => DepthwiseConv,
        OpClass.MatMul => MatMul,
        _ => Elementwise,
    };

    /// <summary>
    /// The relative shares per class (conv = 1) are typical of published CNN/transformer kernel efficiencies (1×1 and
    /// GEMM slightly below 3×3, depthwise and elementwise far below: little reuse per byte); one scale per unit kind was
    /// FITTED to one published MLPerf Inference v3.0 ResNet-50 SingleStream row each (<see cref="FitNote"/>); the other
    /// rows are held out and reported in docs/benchmarks.md. Overheads are assumed from published orders of magnitude
    /// (ORT CPU dispatch a few µs per node; a CUDA kernel launch about 5 µs), not fitted.
    /// </summary>
    public static UnitEfficiency For(ComputeUnitKind kind) => kind switch
    {
        ComputeUnitKind.Cpu => Scaled(CpuFit, new(Conv: 1, PointwiseConv: 0.9, DepthwiseConv: 0.3, MatMul: 0.85, Elementwise: 0.35, Memory: 0.6, OverheadUs: 3, RunOverheadUs: 10)),
        ComputeUnitKind.Gpu => Scaled(GpuFit, new(Conv: 1, PointwiseConv: 1, DepthwiseConv: 0.25, MatMul: 1, Elementwise: 0.6, Memory: 0.7, OverheadUs: 2, RunOverheadUs: 20)),
        _ => new(Conv: 0.50, PointwiseConv: 0.50, DepthwiseConv: 0.20, MatMul: 0.30, Elementwise: 0.10, Memory: 0.50, OverheadUs: 10, RunOverheadUs: 50),
    };

    /// <summary>FITTED: CPU conv share of the sustained peak of the cores used, fitted to Jetson AGX Orin CPU (12× Cortex-A78AE, ArmNN) ResNet-50 SingleStream 30.8 ms.</summary>
    internal const double CpuFit = 0.69;

    /// <summary>FITTED: GPU conv share of the dense INT8 peak, fitted to Jetson AGX Orin GPU + TensorRT (MaxP) ResNet-50 SingleStream 0.633 ms.</summary>
    internal const double GpuFit = 0.23;

    public const string FitNote =
        "CPU and GPU shares FITTED to MLPerf Inference v3.0 closed ResNet-50 SingleStream p90 (CPU: Jetson AGX Orin 12x A78AE, 30.8 ms; GPU: AGX Orin + TensorRT, 0.633 ms), " +
        "held-out rows (Orin NX GPU, RK3588S CPU and Mali-G610, Raspberry Pi 4) in docs/benchmarks.md; NPU shares typical published, not fitted";

    private static UnitEfficiency Scaled(double fit, UnitEfficiency shape) => shape with
    {
        Conv = shape.Conv * fit,
        PointwiseConv = shape.PointwiseConv * fit,
        DepthwiseConv = shape.DepthwiseConv * fit,
        MatMul = shape.MatMul * fit,
        Elementwise = shape.Elementwise * fit,
    };

    public string Describe(ComputeUnitKind kind) => string.Create(CultureInfo.InvariantCulture,
        $"efficiency for {kind.ToString().ToUpperInvariant()}: conv {Conv:0.###}, pointwise-conv {PointwiseConv:0.###}, depthwise-conv {DepthwiseConv:0.###}, matmul {MatMul:0.###}, " +
        $"elementwise {Elementwise:0.###}, memory {Memory:0.##}, {OverheadUs:0.#} µs per node, {RunOverheadUs:0.#} µs per run");
}
