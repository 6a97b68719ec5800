using EdgeOpt.Analysis;
using EdgeOpt.Power;
using EdgeOpt.Data;
using EdgeOpt.Deployment;
using EdgeOpt.Onnx.Serialization;
using EdgeOpt.Passes;
using EdgeOpt.Power.Sensors;
using EdgeOpt.Progressive;
using EdgeOpt.Pruning;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Calibration;
using EdgeOpt.Runtime;
using EdgeOpt.Web;

namespace EdgeOpt.Cli;

/// <summary>
/// The one table from the library's option names (<see cref="OptionProblem.Names"/>: <c>Record.Member</c> for options,
/// <c>Enum.Member</c> for values) to what the command line calls them, so a problem the library finds reads
/// <c>--block-size 48: …</c> on the CLI. A name not listed is spelled as its member.
/// </summary>
internal static class OptionFlags
{
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        [Of<QuantizerOptions>(nameof(QuantizerOptions.Type))] = "--type",
        [Of<QuantizerOptions>(nameof(QuantizerOptions.Method))] = "--method",
        [Of<QuantizerOptions>(nameof(QuantizerOptions.Percentile))] = "--percentile",
        [Of<QuantizerOptions>(nameof(QuantizerOptions.Samples))] = "--samples",
        [Of<QuantizerOptions>(nameof(QuantizerOptions.BiasCorrection))] = "--bias-correction",
        [Of<QuantizerOptions>(nameof(QuantizerOptions.Equalize))] = "--equalize",
        [Of<QuantizerOptions>(nameof(QuantizerOptions.PerChannel))] = "--per-channel",
        [Of<QuantizerOptions>(nameof(QuantizerOptions.ActivationType))] = "--activation-type",
        [Of<QuantizerOptions>(nameof(QuantizerOptions.SymmetricActivations))] = "--symmetric-activations",
        [Of<QuantizerOptions>(nameof(QuantizerOptions.ExcludedNodes))] = "--exclude-nodes",
        [Of<QuantizerOptions>(nameof(QuantizerOptions.ExcludedOpTypes))] = "--exclude-ops",
        [Of<QuantizerOptions>(nameof(QuantizerOptions.KeepIoTypes))] = "--keep-io-types",
        [Of<QuantizerOptions>(nameof(QuantizerOptions.BlockSize))] = "--block-size",
        [Of<QuantizerOptions>(nameof(QuantizerOptions.Plan))] = "--plan",
        [Of<QuantizationWorkflow>(nameof(QuantizationWorkflow.CalibrationData))] = "--calib",
        [Of<QuantizationWorkflow>(nameof(QuantizationWorkflow.EvaluationData))] = "--eval",
        [Of<QuantizationWorkflow>(nameof(QuantizationWorkflow.SavesPlan))] = "--save-plan",
        [Of<QuantizationWorkflow>(nameof(QuantizationWorkflow.ErrorReport))] = "--report",
        [Of<AccuracyTarget>(nameof(AccuracyTarget.MinAccuracy))] = "--min-accuracy",
        [Of<AccuracyTarget>(nameof(AccuracyTarget.MaxAccuracyDrop))] = "--max-accuracy-drop",
        [Of<AccuracySearchOptions>(nameof(AccuracySearchOptions.TimeBudget))] = "--time-budget",

        [Of<PruningOptions>(nameof(PruningOptions.Kind))] = "--structured|--unstructured",
        [Of<PruningOptions>(nameof(PruningOptions.TargetMacs))] = "--target-macs",
        [Of<PruningOptions>(nameof(PruningOptions.Ratio))] = "--ratio",
        [Of<PruningOptions>(nameof(PruningOptions.Importance))] = "--importance",
        [Of<PruningOptions>(nameof(PruningOptions.Reconstruct))] = "--reconstruct",
        [Of<PruningOptions>(nameof(PruningOptions.RoundTo))] = "--round-to",
        [Of<PruningOptions>(nameof(PruningOptions.ExcludedNodes))] = "--exclude",
        [Of<PruningOptions>(nameof(PruningOptions.MeasureSensitivity))] = "--sensitivity",
        [Of<PruningOptions>(nameof(PruningOptions.Sparsity))] = "--sparsity",
        [Of<PruningOptions>(nameof(PruningOptions.Pattern))] = "--pattern",
        [Of<PruningOptions>(nameof(PruningOptions.Score))] = "--score",
        [Of<PruningOptions>(nameof(PruningOptions.Scope))] = "--scope",
        [Of<PruningOptions>(nameof(PruningOptions.SecondOrderUpdate))] = "--second-order",
        [Of<PruningOptions>(nameof(PruningOptions.Samples))] = "--samples",
        [Of<PruningKind>(nameof(PruningKind.Structured))] = "--structured",
        [Of<PruningKind>(nameof(PruningKind.Unstructured))] = "--unstructured",
        [Of<ChannelImportance>(nameof(ChannelImportance.L1))] = "l1",
        [Of<ChannelImportance>(nameof(ChannelImportance.L2))] = "l2",
        [Of<ChannelImportance>(nameof(ChannelImportance.Fpgm))] = "fpgm",
        [Of<ChannelImportance>(nameof(ChannelImportance.Activation))] = "activation",
        [Of<SparsityScore>(nameof(SparsityScore.Magnitude))] = "magnitude",
        [Of<SparsityScore>(nameof(SparsityScore.Wanda))] = "wanda",
        [Of<SparsityScope>(nameof(SparsityScope.PerLayer))] = "per-layer",
        [Of<SparsityScope>(nameof(SparsityScope.Global))] = "global",

        [Of<BenchmarkOptions>(nameof(BenchmarkOptions.Runs))] = "--runs",
        [Of<BenchmarkOptions>(nameof(BenchmarkOptions.Duration))] = "--duration",
        [Of<BenchmarkOptions>(nameof(BenchmarkOptions.Warmup))] = "--warmup",
        [Of<BenchmarkOptions>(nameof(BenchmarkOptions.Batch))] = "--batch",
        [Of<BenchmarkOptions>(nameof(BenchmarkOptions.Threads))] = "--threads",
        [Of<BenchmarkOptions>(nameof(BenchmarkOptions.Shapes))] = "--shape",
        [Of<BenchmarkOptions>(nameof(BenchmarkOptions.Data))] = "--data",
        [Of<BenchmarkOptions>(nameof(BenchmarkOptions.ExecutionProvider))] = "--ep",
        [Of<SustainedBenchmarkOptions>(nameof(SustainedBenchmarkOptions.Duration))] = "--sustained",

        [Of<EvaluationOptions>(nameof(EvaluationOptions.Samples))] = "--samples",
        [Of<EvaluationOptions>(nameof(EvaluationOptions.Labels))] = "--labels",
        [Of<EvaluationOptions>(nameof(EvaluationOptions.Reference))] = "--reference",

        [Of<ImagePreprocessing>(nameof(ImagePreprocessing.Width))] = "--size",
        [Of<ImagePreprocessing>(nameof(ImagePreprocessing.Height))] = "--size",
        [Of<ImagePreprocessing>(nameof(ImagePreprocessing.Mean))] = "--mean",
        [Of<ImagePreprocessing>(nameof(ImagePreprocessing.Std))] = "--std",
        [Of<ImagePreprocessing>(nameof(ImagePreprocessing.Scale))] = "--pixel-scale",
        [Of<ImagePreprocessing>(nameof(ImagePreprocessing.Layout))] = "--layout",
        [Of<ImagePreprocessing>(nameof(ImagePreprocessing.Color))] = "--color",

        [Of<ModelSaveOptions>(nameof(ModelSaveOptions.ExternalDataThreshold))] = "--external-data-threshold",

        [Of<LoadPlanOptions>(nameof(LoadPlanOptions.BandwidthBytesPerSecond))] = "--bandwidth",
        [Of<LoadPlanOptions>(nameof(LoadPlanOptions.RequestLatencySeconds))] = "--latency-ms",
        [Of<LoadPlanOptions>(nameof(LoadPlanOptions.MaxMemoryBytes))] = "--max-memory",

        [Of<EdgeOpt.Sweep.WorkerOptions>(nameof(EdgeOpt.Sweep.WorkerOptions.Cluster))] = "--cluster",
        [Of<EdgeOpt.Sweep.WorkerOptions>(nameof(EdgeOpt.Sweep.WorkerOptions.Slots))] = "--slots",
        [Of<EdgeOpt.Sweep.WorkerOptions>(nameof(EdgeOpt.Sweep.WorkerOptions.Address))] = "--address",
        [Of<EdgeOpt.Sweep.WorkerOptions>(nameof(EdgeOpt.Sweep.WorkerOptions.Port))] = "--port",
        [Of<EdgeOpt.Sweep.WorkerOptions>(nameof(EdgeOpt.Sweep.WorkerOptions.GatewayPort))] = "--gateway-port",

        [Of<EstimateOptions>(nameof(EstimateOptions.Batch))] = "--batch",
        [Of<EstimateOptions>(nameof(EstimateOptions.Threads))] = "--threads",

        [Of<PowerOptions>(nameof(PowerOptions.Batch))] = "--batch",
        [Of<PowerOptions>(nameof(PowerOptions.Threads))] = "--threads",
        [Of<PowerOptions>(nameof(PowerOptions.DimensionValues))] = "--dim",
        [Of<PowerOptions>(nameof(PowerOptions.RatePerSecond))] = "--rate",
        [Of<PowerOptions>(nameof(PowerOptions.DutyCycle))] = "--duty",
        [Of<PowerOptions>(nameof(PowerOptions.Mode))] = "--mode",
        [Of<PowerOptions>(nameof(PowerOptions.AmbientC))] = "--ambient",
        [Of<PowerOptions>(nameof(PowerOptions.BatteryWh))] = "--battery-wh",

        [Of<DeviceMatrixOptions>(nameof(DeviceMatrixOptions.Batch))] = "--batch",
        [Of<DeviceMatrixOptions>(nameof(DeviceMatrixOptions.DimensionValues))] = "--dim",
        [Of<DeviceMatrixOptions>(nameof(DeviceMatrixOptions.HostThreads))] = "--threads",
        [Of<DeviceMatrixOptions>(nameof(DeviceMatrixOptions.HostRuns))] = "--runs",

        [Of<ProfileOptions>(nameof(ProfileOptions.DimensionValues))] = "--dim",
        [Of<ProfileOptions>(nameof(ProfileOptions.LargestTensorCount))] = "--top",

        [Of<ProgressiveOptions>(nameof(ProgressiveOptions.ChunkSize))] = "--chunk-size",

        [Of<OptimizationOptions>(nameof(OptimizationOptions.Level))] = "--level",
        [Of<OptimizationOptions>(nameof(OptimizationOptions.Passes))] = "--passes",
        [Of<OptimizationOptions>(nameof(OptimizationOptions.SkipPasses))] = "--skip-passes",
        [Of<OptimizationOptions>(nameof(OptimizationOptions.TargetOpset))] = "--target-opset",
        [Of<OptimizationOptions>(nameof(OptimizationOptions.FixedShapes))] = "--fixed-shape",
        [Of<OptimizationOptions>(nameof(OptimizationOptions.Bindings))] = "--bind",

        [Of<WebBundleOptions>(nameof(WebBundleOptions.Threads))] = "--threads",
        [Of<WebBundleOptions>(nameof(WebBundleOptions.Backend))] = "--backend",
        [Of<WebBundleOptions>(nameof(WebBundleOptions.PowerMode))] = "--power-mode",
        [Of<WebBundleOptions>(nameof(WebBundleOptions.SaverBatteryLevel))] = "--saver-at",

        [Of<OptimizationConfig>(nameof(OptimizationConfig.Quantization))] = "--type",
        [Of<OptimizationConfig>(nameof(OptimizationConfig.TargetLatencyMs))] = "--target-latency",
        [Of<OptimizationConfig>(nameof(OptimizationConfig.MaxMemoryMb))] = "--max-memory",
        [Of<OptimizationConfig>(nameof(OptimizationConfig.TargetAccuracy))] = "--target-accuracy",
        [Of<OptimizationConfig>(nameof(OptimizationConfig.MaxAccuracyDrop))] = "--max-accuracy-drop",
        [Of<OptimizationConfig>(nameof(OptimizationConfig.MinFidelity))] = "--min-fidelity",
        [Of<OptimizationConfig>(nameof(OptimizationConfig.CompressionRatio))] = "--compression-ratio",
        [Of<OptimizationConfig>(nameof(OptimizationConfig.BatteryOptimization))] = "--battery",
        [Of<OptimizationConfig>(nameof(OptimizationConfig.BatteryHours))] = "--battery-hours",
        [Of<OptimizationConfig>(nameof(OptimizationConfig.RatePerSecond))] = "--rate",
        [Of<OptimizationConfig>(nameof(OptimizationConfig.MaxPowerWatts))] = "--max-power",
        [Of<OptimizationConfig>(nameof(OptimizationConfig.ThermalLimitCelsius))] = "--thermal-limit",
        [Of<OptimizationConfig>(nameof(OptimizationConfig.BatteryWh))] = "--battery-wh",
        [Of<OptimizationConfig>(nameof(OptimizationConfig.EnableProgressiveLoading))] = "--progressive",
        [Of<OptimizationConfig>(nameof(OptimizationConfig.BatchSize))] = "--batch",
        [Of<OptimizationConfig>(nameof(OptimizationConfig.Threads))] = "--threads",
        [Of<OptimizationConfig>(nameof(OptimizationConfig.TimeBudget))] = "--time-budget",
        [Of<OptimizationConfig>(nameof(OptimizationConfig.PruneMacs))] = "--prune-macs",
        [Of<DeploymentData>(nameof(DeploymentData.Path))] = "--data",
        [Of<DeploymentData>(nameof(DeploymentData.LabelsPath))] = "--labels",
        [Of<DeploymentData>(nameof(DeploymentData.CalibrationSamples))] = "--calibration-samples",
        [Of<DeploymentData>(nameof(DeploymentData.Samples))] = "--samples",

        [Of<QuantizationType>(nameof(QuantizationType.Int8))] = "int8",
        [Of<QuantizationType>(nameof(QuantizationType.Int8Dynamic))] = "int8-dynamic",
        [Of<QuantizationType>(nameof(QuantizationType.Float16))] = "fp16",
        [Of<QuantizationType>(nameof(QuantizationType.Int4))] = "int4",
        [Of<CalibrationMethod>(nameof(CalibrationMethod.Auto))] = "auto",
        [Of<CalibrationMethod>(nameof(CalibrationMethod.MinMax))] = "minmax",
        [Of<CalibrationMethod>(nameof(CalibrationMethod.Percentile))] = "percentile",
        [Of<CalibrationMethod>(nameof(CalibrationMethod.Entropy))] = "entropy",
        [Of<QuantizedPrecision>(nameof(QuantizedPrecision.UInt8))] = "uint8",
        [Of<QuantizedPrecision>(nameof(QuantizedPrecision.Int8))] = "int8",
    };

    /// <summary>The flag (or value spelling) for a qualified option or value name.</summary>
    public static string Name(string qualified) => Flags.TryGetValue(qualified, out var flag) ? flag : OptionProblem.MemberName(qualified);

    /// <summary>How the command line spells an enum value (<c>QuantizationType.Float16</c> → <c>fp16</c>).</summary>
    public static string Value<T>(T value) where T : struct, Enum => Name(Of<T>(value.ToString()));

    private static string Of<T>(string member) => $"{typeof(T).Name}.{member}";
}
