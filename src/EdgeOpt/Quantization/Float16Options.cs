namespace EdgeOpt.Quantization;

/// <summary>How <see cref="Float16Converter"/> converts a float32 model to float16.</summary>
public sealed record Float16Options
{
    /// <summary>
    /// Operators left in float32 by default: ONNX-ML operators without float16 kernels, and operators whose
    /// float16 results are unreliable (index/count arithmetic, box coordinates, ranks, resampling scales). Mirrors
    /// onnxconverter-common's DEFAULT_OP_BLOCK_LIST.
    /// </summary>
    public static IReadOnlySet<string> DefaultOpBlockList { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "ArrayFeatureExtractor", "Binarizer", "CastMap", "CategoryMapper", "DictVectorizer", "FeatureVectorizer",
        "Imputer", "LabelEncoder", "LinearClassifier", "LinearRegressor", "Normalizer", "OneHotEncoder",
        "SVMClassifier", "SVMRegressor", "Scaler", "TreeEnsembleClassifier", "TreeEnsembleRegressor", "ZipMap",
        "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike",
        "NonMaxSuppression", "TopK", "RoiAlign", "Resize", "Upsample", "Range", "CumSum", "Min", "Max",
    };

    /// <summary>Keep float32 graph inputs and outputs, with Cast nodes at the boundary (the model's interface is unchanged).</summary>
    public bool KeepIoTypes { get; init; }

    /// <summary>Operator types (default domain or any domain) whose nodes stay float32, with Casts around them.</summary>
    public IReadOnlySet<string> OpBlockList { get; init; } = DefaultOpBlockList;

    /// <summary>Node names that stay float32 regardless of their operator.</summary>
    public IReadOnlySet<string> NodeBlockList { get; init; } = new HashSet<string>(StringComparer.Ordinal);
}
