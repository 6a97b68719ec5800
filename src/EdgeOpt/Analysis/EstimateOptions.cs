using EdgeOpt.Devices;

namespace EdgeOpt.Analysis;

/// <summary>Options for <see cref="LatencyEstimator.Estimate"/>.</summary>
public sealed record EstimateOptions
{
    public static EstimateOptions Default { get; } = new();

    /// <summary>The number format the model would run in on the device (weights and activations).</summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>
    /// The processor to estimate for; null picks the usual one for the precision: the NPU for int8 where the
    /// device has one, the GPU for fp16, else the CPU (the estimate says which and why).
    /// </summary>
    public ComputeUnitKind? Unit { get; init; }

    /// <summary>Items per inference: binds a symbolic leading input dim, or scales a model exported with batch 1.</summary>
    public int Batch { get; init; } = 1;

    /// <summary>Sizes for other symbolic dims (e.g. <c>seq = 128</c>); a node whose shapes keep an unsized symbol cannot be estimated.</summary>
    public IReadOnlyDictionary<string, long>? DimensionValues { get; init; }

    /// <summary>
    /// Intra-op threads for a CPU estimate; null: ONNX Runtime's default for the device (one per physical core on the
    /// host; one per big or mid core on a catalogue device, little cores left out).
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>
    /// The host calibration to use: for the host it supplies every CPU figure (null: <see cref="HostCalibrator.GetOrRun"/>,
    /// cached per host); for a catalogue CPU it reshapes the per-op-class shares to what this host's ONNX Runtime
    /// measured (null: the typical shares).
    /// </summary>
    public HostCalibration? Calibration { get; init; }

    /// <summary>Every problem with these options, all at once (empty: they can work); <see cref="LatencyEstimator.Estimate"/> refuses through it.</summary>
    public IReadOnlyList<OptionProblem> Validate()
    {
        var problems = new List<OptionProblem>();
        if (Batch < 1) problems.Add(new($"{{0}} must be 1 or more, got {Batch}", $"{nameof(EstimateOptions)}.{nameof(Batch)}"));
        if (Threads is < 1) problems.Add(new($"{{0}} must be 1 or more, got {Threads}", $"{nameof(EstimateOptions)}.{nameof(Threads)}"));
        return problems;
    }
}
