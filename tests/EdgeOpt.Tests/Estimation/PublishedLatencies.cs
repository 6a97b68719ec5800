using System.Globalization;
using EdgeOpt.Analysis;
using EdgeOpt.Analysis.Estimation;
using EdgeOpt.Devices;

namespace EdgeOpt.Tests.Estimation;

/// <summary>
/// Published on-device ResNet-50 v1.5 latencies the catalogue estimates are validated against: MLPerf Inference v3.0,
/// closed division, SingleStream, 90th-percentile latency (github.com/mlcommons/inference_results_v3.0). Rows marked
/// <see cref="Row.Fitted"/> set the CPU and GPU efficiency scales (UnitEfficiency.CpuFit / GpuFit); every other row is
/// held out. The same rows make the table in docs/benchmarks.md ("Catalogue estimates vs published measurements").
/// </summary>
internal static class PublishedLatencies
{
    /// <param name="Label">The row's name in the docs table.</param>
    /// <param name="DeviceId">Catalogue id.</param>
    /// <param name="Unit">The unit the submission ran on.</param>
    /// <param name="Precision">The precision it ran at.</param>
    /// <param name="PublishedMs">p90 latency in ms.</param>
    /// <param name="Fitted">Whether the row was used to fit an efficiency (else held out).</param>
    /// <param name="Source">Submission and file.</param>
    internal sealed record Row(string Label, string DeviceId, ComputeUnitKind Unit, Precision Precision, double PublishedMs, bool Fitted, string Source);

    public static IReadOnlyList<Row> Rows { get; } =
    [
        new("Jetson AGX Orin, GPU + TensorRT (MaxP), int8", "jetson-agx-orin", ComputeUnitKind.Gpu, Precision.Int8, 0.633, true,
            "MLPerf Inference v3.0 closed, NVIDIA, Orin_TRT (MaxP), resnet50 SingleStream"),
        new("Jetson Orin NX 16GB, GPU + TensorRT (MaxP), int8", "jetson-orin-nx", ComputeUnitKind.Gpu, Precision.Int8, 1.088, false,
            "MLPerf Inference v3.0 closed, NVIDIA, Orin_NX_TRT (MaxP), resnet50 SingleStream"),
        new("Jetson AGX Orin, CPU only (12x A78AE, ArmNN Neon), fp32", "jetson-agx-orin", ComputeUnitKind.Cpu, Precision.Fp32, 30.8, true,
            "MLPerf Inference v3.0 closed, Krai, orin-armnn-v22.11-neon, resnet50 SingleStream"),
        new("Firefly RK3588S, CPU (4x A76, ArmNN Neon), fp32", "firefly-rk3588s", ComputeUnitKind.Cpu, Precision.Fp32, 107.6, false,
            "MLPerf Inference v3.0 closed, Krai, firefly-armnn-v22.11-neon, resnet50 SingleStream"),
        new("Firefly RK3588S, Mali-G610 GPU (ArmNN OpenCL), fp32", "firefly-rk3588s", ComputeUnitKind.Gpu, Precision.Fp32, 82.0, false,
            "MLPerf Inference v3.0 closed, Krai, firefly-armnn-v22.11-opencl, resnet50 SingleStream"),
        new("Raspberry Pi 4, CPU (4x A72, ArmNN Neon), fp32", "raspberry-pi-4", ComputeUnitKind.Cpu, Precision.Fp32, 309.1, false,
            "MLPerf Inference v3.0 closed, Krai, rpi4-armnn-v22.11-neon, resnet50 SingleStream (results/.../mlperf_log_detail.txt: result_90.00_percentile_latency_ns 309093730)"),
    ];

    /// <summary>Every row's estimate on ResNet-50 v1.5 (no host calibration: catalogue figures only).</summary>
    public static IReadOnlyList<(Row Row, LatencyEstimate Estimate)> Estimate()
    {
        using var model = ResNet50.Build();
        return [.. Rows.Select(r => (r, LatencyEstimator.Estimate(model, DeviceCatalog.Find(r.DeviceId), new EstimateOptions { Unit = r.Unit, Precision = r.Precision })))];
    }

    /// <summary>The markdown table of docs/benchmarks.md.</summary>
    public static string Table(IReadOnlyList<(Row Row, LatencyEstimate Estimate)> estimates)
    {
        var lines = new List<string>
        {
            "| Device, unit, precision | Estimated (ms) | Published p90 (ms) | Ratio est/pub | Use |",
            "|---|---:|---:|---:|---|",
        };
        foreach (var (row, estimate) in estimates)
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Label} | {Round(estimate.TotalMs)} | {row.PublishedMs} | {estimate.TotalMs / row.PublishedMs:0.00} | {(row.Fitted ? "fit" : "held out")} |"));
        return string.Join("\n", lines);
    }

    /// <summary>Three significant digits, as the docs table prints estimates.</summary>
    public static string Round(double ms) => ms.ToString(ms >= 100 ? "0" : ms >= 10 ? "0.0" : ms >= 1 ? "0.00" : "0.000", CultureInfo.InvariantCulture);
}
