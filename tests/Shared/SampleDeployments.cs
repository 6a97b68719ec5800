using EdgeOpt.Deployment;
using EdgeOpt.Devices;

namespace EdgeOpt.Tests.Shared;

/// <summary>
/// Hand-built <see cref="DeploymentResult"/>s shaped like real deploys, for the report's tests (both test projects link
/// this file). Figures follow what ResNet18 (the fixture, 46.8 MB) measures on a 2-core AVX-512 host with 100 labelled
/// images and what the latency model estimates for a Pixel 7; the second result is hostile: fidelity only, constraints
/// not met, and markup in every string a user or a model controls.
/// </summary>
internal static class SampleDeployments
{
    public const string ResNetModelPath = "/data/models/resnet18.onnx";
    public const string Sha = "5a3cf2a6a0e4f9f4b5b7d0a8e31f0c2fa5d4e1b6c9d0e7f8a1b2c3d4e5f60718";
    public const string ScriptNode = "<script>alert(1)</script>";
    public const string ImgLabel = "int8 <img src=x onerror=alert(2)> \"quoted\" & more";

    /// <summary>ResNet18 for a Pixel 7 with labels: ten candidates (seven evaluated, one failed, one pruned, one out of time), constraints met.</summary>
    public static DeploymentResult ResNet18OnPixel7()
    {
        var baselineP50 = 47.1;
        var c = new List<CandidateResult>
        {
            Evaluated(CandidatePrecision.Fp32, 1, "fp32, 1 thread", 46_827_000, 0.69, 1.0, 1.0, 47.1, 49.0, baselineP50, 121_000_000, 38.2, 56_400_000),
            Evaluated(CandidatePrecision.Fp32, 2, "fp32, 2 threads", 46_827_000, 0.69, 1.0, 1.0, 25.3, 27.9, baselineP50, 124_000_000, 21.0, 56_400_000),
            Evaluated(CandidatePrecision.Fp16, 2, "fp16, 2 threads (GPU)", 23_420_000, 0.69, 0.99999, 1.0, 60.2, 63.3, baselineP50, 98_000_000, 15.1, 28_200_000,
                backend: AccelerationBackend.Nnapi),
            Evaluated(CandidatePrecision.Int8Static, 2, "int8-static per-channel, 2 threads", 11_812_000, 0.68, 0.9962, 0.97, 14.9, 16.2, baselineP50, 52_000_000, 7.9, 16_300_000),
            Evaluated(CandidatePrecision.Int8Static, 2, "int8-static per-tensor, 2 threads", 11_734_000, 0.64, 0.9811, 0.91, 14.6, 15.8, baselineP50, 51_000_000, 7.8, 16_200_000,
                perChannel: false),
            Evaluated(CandidatePrecision.Int8Dynamic, 2, "int8-dynamic, 2 threads", 11_902_000, 0.685, 0.9978, 0.98, 31.4, 33.0, baselineP50, 60_000_000, 18.0, 16_400_000),
            Evaluated(CandidatePrecision.Mixed, 2, "mixed (2 layers float), 2 threads", 12_640_000, 0.69, 0.9991, 0.99, 16.0, 17.4, baselineP50, 55_000_000, 9.1, 17_900_000) with
            {
                Sensitivity =
                [
                    new("resnetv15_conv0_fwd", "Conv", 61.0, 8.0),
                    new("resnetv15_dense0_fwd", "Gemm", 66.5, 2.5),
                    new("resnetv15_stage4_conv1_fwd", "Conv", 67.8, 1.2),
                    new("resnetv15_stage1_conv0_fwd", "Conv", 68.4, 0.6),
                    new("resnetv15_stage3_conv2_fwd", "Conv", 68.9, 0.1),
                    new("resnetv15_stage2_conv1_fwd", "Conv", 69.0, 0.0),
                ],
                FloatNodes = ["resnetv15_conv0_fwd", "resnetv15_dense0_fwd"],
            },
            Skipped(CandidatePrecision.Int4WeightOnly, 2, "int4 weight-only, 2 threads", CandidateStatus.Failed,
                "int4 weight-only quantizes MatMul weights; the model has none (its classifier is a Gemm)"),
            Skipped(CandidatePrecision.Fp32, 2, "fp32, 2 threads (NNAPI)", CandidateStatus.Pruned,
                "size 46.8 MB is over the compression limit 23.4 MB (0.5 × 46.8 MB): known before evaluating"),
            Skipped(CandidatePrecision.Int8Static, 1, "int8-static per-channel, 1 thread", CandidateStatus.OutOfTime, "time budget 00:05:00 spent"),
        };
        return new DeploymentResult
        {
            Target = new DeploymentTarget("pixel-7", "Google Pixel 7", "Android", "High", null, []),
            Config = new OptimizationConfig { TargetAccuracy = 0.95, TargetLatencyMs = 10, CompressionRatio = 0.5, TimeBudget = TimeSpan.FromMinutes(5) },
            AccuracyMetric = "accuracy",
            Candidates = c,
            ParetoFront = [c[3].Key, c[4].Key, c[6].Key],
            ChosenKey = c[3].Key,
            ConstraintsMet = true,
            Checks =
            [
                new("accuracy ≥ 95% of FP32 (69.00 %)", 65.55, 68.0, "%", true, 2.45, "measured on this host"),
                new("latency ≤ 10 ms", 10, 7.9, "ms", true, 2.1, "estimated on pixel-7"),
                new("size ≤ 0.5 × original", 0.5, 0.252, "", true, 0.248, "measured on this host"),
            ],
            Provenance = new DeploymentProvenance("0.1.0", ResNetModelPath, Sha, "Intel Xeon (2 logical cores), Linux, ONNX Runtime 1.31.1",
                new DateTimeOffset(2026, 12, 3, 14, 0, 0, TimeSpan.Zero), 212.4,
                "edgeopt deploy /data/models/resnet18.onnx --device pixel-7 --target-accuracy 0.95 --target-latency 10 --compression-ratio 0.5 --data photos/ --labels labels.txt -o out/", 3),
            Files = ["model.onnx", "session-options.json", "report.json", "report.html"],
        };
    }

    /// <summary>A fidelity-only deploy to a browser whose constraints are not met, with markup in node names, labels, paths and notes.</summary>
    public static DeploymentResult HostileWebDeploy()
    {
        var c = new List<CandidateResult>
        {
            Evaluated(CandidatePrecision.Fp32, 1, "fp32 " + ScriptNode, 2_130_000, null, 1.0, 1.0, 1.9, 2.2, 1.9, 30_000_000, 6.1, 4_000_000, backend: AccelerationBackend.Wasm),
            Evaluated(CandidatePrecision.Int8Static, 1, ImgLabel, 560_000, null, 0.993, 0.96, 1.2, 1.4, 1.9, 20_000_000, 3.9, 1_200_000, backend: AccelerationBackend.Wasm) with
            {
                Sensitivity = [new(ScriptNode, "MatMul", 91.0, 9.0), new("attn/<b>qkv</b>", "MatMul", 97.0, 3.0)],
                FloatNodes = [ScriptNode],
            },
            Skipped(CandidatePrecision.Fp16, 1, "fp16 </td></tr></table><h1>x</h1>", CandidateStatus.Failed, "ORT refused: <script>alert(3)</script>"),
        };
        return new DeploymentResult
        {
            Target = new DeploymentTarget("custom-<lab>-browser", "Lab <browser> & \"tab\"", "Web", "Low", "chrome-desktop", ["cpuClusters", "memoryBandwidthGBps"]),
            Config = new OptimizationConfig { TargetAccuracy = 0.999, TargetLatencyMs = 1 },
            AccuracyMetric = "fidelity",
            Candidates = c,
            ParetoFront = [c[0].Key, c[1].Key],
            ChosenKey = c[1].Key,
            ConstraintsMet = false,
            Checks =
            [
                new("top-1 agreement ≥ 99.9 %", 99.9, 96.0, "%", false, -3.9, "measured on this host"),
                new("latency ≤ 1 ms <script>", 1, 3.9, "ms", false, -2.9, "estimated on custom-<lab>-browser"),
            ],
            Provenance = new DeploymentProvenance("0.1.0", "/tmp/\"quoted\" & <b>model</b>.onnx", Sha, "host <i>x</i>",
                new DateTimeOffset(2026, 12, 3, 14, 0, 0, TimeSpan.Zero), 9.5, "edgeopt deploy '<b>model</b>.onnx' --device lab.json -o out/", 0),
            Notes = ["accuracy stated as fidelity to FP32: no labels", "see <iframe src=\"http://evil.example/\"></iframe>"],
        };
    }

    private static CandidateResult Evaluated(CandidatePrecision precision, int threads, string label, long size, double? accuracy, double cosine, double agreement,
        double p50, double p90, double baseline, long peak, double targetMs, long targetBytes, AccelerationBackend backend = AccelerationBackend.Cpu, bool perChannel = true)
    {
        var spec = Spec(precision, threads, backend, perChannel);
        return new CandidateResult
        {
            Spec = spec, Key = KeyOf(spec, label), Label = label, Status = CandidateStatus.Evaluated, SizeBytes = size,
            MeasuredAccuracy = accuracy, MeasuredCosine = cosine, MeasuredTop1Agreement = agreement,
            MeasuredLatencyP50Ms = p50, MeasuredLatencyP90Ms = p90, MeasuredBaselineP50Ms = baseline, MeasuredPeakMemoryBytes = peak,
            EstimatedLatencyMs = targetMs, EstimatedMemoryBytes = targetBytes, FitsDeviceClass = targetBytes < 100_000_000,
            InitialLoadBytes = backend is AccelerationBackend.Wasm or AccelerationBackend.WebGpu ? size : null,
            Command = $"edgeopt quantize {ResNetModelPath} --type {precision.ToString().ToLowerInvariant()} -o {label.Replace(' ', '_')}.onnx",
            EvaluationSeconds = 11.5, Host = "sample host",
        };
    }

    private static CandidateResult Skipped(CandidatePrecision precision, int threads, string label, CandidateStatus status, string reason)
    {
        var spec = Spec(precision, threads, AccelerationBackend.Cpu, perChannel: true);
        return new CandidateResult
        {
            Spec = spec, Key = KeyOf(spec, label), Label = label, Status = status, Reason = reason,
            Command = $"edgeopt quantize {ResNetModelPath} --type {precision.ToString().ToLowerInvariant()} -o skipped.onnx",
        };
    }

    private static CandidateSpec Spec(CandidatePrecision precision, int threads, AccelerationBackend backend, bool perChannel) => new()
    {
        ModelPath = ResNetModelPath, ModelSha256 = Sha, Device = "pixel-7", DeviceSha256 = Sha, Precision = precision, Threads = threads,
        Backend = backend, PerChannel = perChannel, ToolVersion = "0.1.0",
    };

    private static string KeyOf(CandidateSpec spec, string label) => Convert.ToHexStringLower(
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{spec.Precision}|{spec.Threads}|{spec.Backend}|{spec.PerChannel}|{label}")));
}
