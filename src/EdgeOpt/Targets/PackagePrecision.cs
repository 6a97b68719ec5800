namespace EdgeOpt.Targets;

/// <summary>The numeric precision a package runs in.</summary>
public enum PackagePrecision
{
    /// <summary>The model as given (float32).</summary>
    Fp32,

    /// <summary>
    /// Half precision where the target's accelerator computes it: TensorRT builds an FP16 engine, NNAPI relaxes to fp16
    /// (<c>NNAPI_FLAG_USE_FP16</c>), Core ML runs fp16 on the GPU / Neural Engine; the model file stays float32 there.
    /// </summary>
    Fp16,

    /// <summary>Static INT8 (QDQ) from calibration data; for TensorRT also the calibration caches.</summary>
    Int8,

    /// <summary>Dynamic INT8 (weights quantized, activations at run time): CPU targets only.</summary>
    Int8Dynamic,
}

/// <summary>Command-line spellings of <see cref="PackagePrecision"/>.</summary>
public static class PackagePrecisions
{
    /// <summary>Every precision.</summary>
    public static IReadOnlyList<PackagePrecision> All { get; } = Enum.GetValues<PackagePrecision>();

    /// <summary><c>fp32</c>, <c>fp16</c>, <c>int8</c> or <c>int8-dynamic</c>.</summary>
    public static string Name(PackagePrecision precision) => precision switch
    {
        PackagePrecision.Fp32 => "fp32",
        PackagePrecision.Fp16 => "fp16",
        PackagePrecision.Int8 => "int8",
        PackagePrecision.Int8Dynamic => "int8-dynamic",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, null),
    };

    /// <summary>A precision from its spelling (case-insensitive), or null.</summary>
    public static PackagePrecision? Parse(string name) =>
        All.Cast<PackagePrecision?>().FirstOrDefault(p => string.Equals(Name(p!.Value), name.Trim(), StringComparison.OrdinalIgnoreCase));
}
