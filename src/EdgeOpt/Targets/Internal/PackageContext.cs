using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;

namespace EdgeOpt.Targets.Internal;

/// <summary>
/// Everything a target writer needs: the model at the package's precision (a file in scratch space and its IR), the
/// options, the device, the INT8 plan, inputs to verify with, and the lists the writer adds its findings to.
/// </summary>
internal sealed class PackageContext
{
    public required string SourcePath { get; init; }

    /// <summary>The model to ship, as an .onnx file (scratch space; the writer copies or converts it).</summary>
    public required string ModelPath { get; init; }

    /// <summary>The same model loaded (read only: writers must not change it).</summary>
    public required Model Model { get; init; }

    public required PackageOptions Options { get; init; }

    public EdgeDevice? Device { get; init; }

    /// <summary>The INT8 plan the model was quantized with (activation ranges for TensorRT's calibration caches), or null.</summary>
    public QuantizationPlan? Plan { get; init; }

    /// <summary>Symbolic dims fixed for verification runs: the opt shape of each range, else 1.</summary>
    public required IReadOnlyDictionary<string, long> VerificationDims { get; init; }

    /// <summary>Input sets every verification runs on (seeded, generated for the model's inputs).</summary>
    public required IReadOnlyList<IReadOnlyDictionary<string, Tensor>> VerificationInputs { get; init; }

    /// <summary>Where <see cref="VerificationInputs"/> come from, in words (for check details and errors).</summary>
    public required string VerificationSource { get; init; }

    /// <summary>Scratch folder for intermediate files (deleted after the package is written).</summary>
    public required string Scratch { get; init; }

    public required string OnnxRuntimeVersion { get; init; }

    public CancellationToken Cancellation { get; init; }

    public IProgress<string>? Progress { get; init; }

    public List<ProviderReport> Providers { get; } = [];

    public List<PackageCheck> Checks { get; } = [];

    public List<string> DeviceOnly { get; } = [];

    public List<string> Notes { get; } = [];

    public string PrecisionName => PackagePrecisions.Name(Options.Precision);

    public string TargetName => PackageTargets.Name(Options.Target);
}

/// <summary>One platform's writer: fills the (temporary) package folder and records checks, reports and notes on the context.</summary>
internal interface ITargetWriter
{
    /// <summary>The execution provider that lacks <paramref name="precision"/> on this target, in words, or null when it runs.</summary>
    string? RefusePrecision(PackagePrecision precision);

    void Write(PackageContext context, string folder);
}
