using EdgeOpt.Devices;
using EdgeOpt.Runtime;

namespace EdgeOpt.Deployment;

/// <summary>
/// One point of the deploy search, complete enough to evaluate on its own: the model and data (by path and content
/// hash), the target device, and the candidate's settings. Evaluating a spec is a pure function
/// (<see cref="CandidateSpec"/> JSON in, <see cref="CandidateResult"/> JSON out), so results can be cached by
/// <see cref="CandidateResult.Key"/> and, later, evaluated elsewhere.
/// </summary>
public sealed record CandidateSpec
{
    /// <summary>The input model's path as given.</summary>
    public required string ModelPath { get; init; }

    /// <summary>SHA-256 of the input model's bytes (lower-case hex); part of the cache key.</summary>
    public required string ModelSha256 { get; init; }

    /// <summary>The target: a catalogue id (<c>pixel-7</c>) or a device.json path.</summary>
    public required string Device { get; init; }

    /// <summary>SHA-256 of the device definition (the catalogue entry or the device.json), so an edited device is a new key.</summary>
    public required string DeviceSha256 { get; init; }

    /// <summary>Precision of this candidate.</summary>
    public required CandidatePrecision Precision { get; init; }

    /// <summary>Per-channel weight scales (static INT8 and mixed); ignored by other precisions.</summary>
    public bool PerChannel { get; init; } = true;

    /// <summary>ONNX Runtime's graph optimization level the candidate runs with.</summary>
    public GraphOptimization OptimizationLevel { get; init; } = GraphOptimization.All;

    /// <summary>CPU intra-op threads (≥ 1).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Batch size (≥ 1).</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>The device's backend the target estimate is for (CPU, GPU, NPU through the compat tables; wasm/webgpu for browsers).</summary>
    public AccelerationBackend Backend { get; init; } = AccelerationBackend.Cpu;

    /// <summary>The evaluation and calibration data; null: random inputs (fidelity only, no accuracy).</summary>
    public CandidateData? Data { get; init; }

    /// <summary>The accuracy constraint the mixed-precision search aims for (fraction of FP32 kept); null for other precisions.</summary>
    public double? MixedTargetAccuracy { get; init; }

    /// <summary>EdgeOpt's version; part of the cache key so a new release re-measures.</summary>
    public required string ToolVersion { get; init; }
}

/// <summary>The data a candidate is evaluated (and calibrated) on, by path and content hash.</summary>
public sealed record CandidateData
{
    /// <summary>The data path as given (folder of images, .npz, IDX file, …).</summary>
    public required string Path { get; init; }

    /// <summary>SHA-256 over the data's content (every file, in path order).</summary>
    public required string Sha256 { get; init; }

    /// <summary>Labels file, if any (accuracy rather than fidelity).</summary>
    public string? LabelsPath { get; init; }

    /// <summary>The CLI data flags that reproduce how the data was read (image size, layout, mean/std, …), in order.</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>How many samples are evaluated; calibration uses the first <see cref="CalibrationSamples"/>.</summary>
    public int Samples { get; init; }

    /// <summary>How many samples calibrate static INT8.</summary>
    public int CalibrationSamples { get; init; }
}
