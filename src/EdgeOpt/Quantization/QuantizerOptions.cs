using EdgeOpt.Quantization.Calibration;

namespace EdgeOpt.Quantization;

/// <summary>Everything <see cref="Quantizer"/> can be told; the same switches as <c>edgeopt quantize</c>.</summary>
public sealed record QuantizerOptions
{
    public QuantizationType Type { get; init; } = QuantizationType.Int8;

    /// <summary>Int8: how activation ranges are chosen from the calibration data.</summary>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;

    /// <summary>Int8 with <see cref="CalibrationMethod.Percentile"/>: the share of values kept, in (0, 100].</summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>Int8: calibrate on at most this many samples (null: all of them).</summary>
    public int? Samples { get; init; }

    /// <summary>Int8 and Int8Dynamic: one weight scale per output channel (Int8 then needs opset 13, upgraded automatically).</summary>
    public bool PerChannel { get; init; }

    /// <summary>Int8: <see cref="QuantizedPrecision.UInt8"/> (default) or <see cref="QuantizedPrecision.Int8"/> activations.</summary>
    public QuantizedPrecision ActivationType { get; init; } = QuantizedPrecision.UInt8;

    /// <summary>Int8: symmetric activation ranges (Relus are then kept, not folded).</summary>
    public bool SymmetricActivations { get; init; }

    /// <summary>Node names left in float (every type); a name no node has is a usage error.</summary>
    public IReadOnlyCollection<string> ExcludedNodes { get; init; } = [];

    /// <summary>
    /// Operator types left in float (Int8; for Float16 added to the default block list). <c>Gather</c> also keeps
    /// embedding tables float for Int8, Int8Dynamic and Int4, which otherwise quantize them (<see cref="EmbeddingQuantizer"/>).
    /// </summary>
    public IReadOnlyCollection<string> ExcludedOpTypes { get; init; } = [];

    /// <summary>Float16: keep float32 graph inputs and outputs (Casts at the boundary).</summary>
    public bool KeepIoTypes { get; init; }

    /// <summary>Int4: weights per block along K (16 to 256, a power of two; 32, 64 and 128 are usual).</summary>
    public int BlockSize { get; init; } = 32;

    /// <summary>Int4: symmetric blocks (no zero points stored).</summary>
    public bool SymmetricWeights { get; init; } = true;

    /// <summary>Int8: apply this plan instead of calibrating (it must come from the same model and options).</summary>
    public QuantizationPlan? Plan { get; init; }

    /// <summary>Run the graph optimizer first (BatchNormalization folding etc.); Int8 needs folded BatchNormalization.</summary>
    public bool Optimize { get; init; } = true;
}
