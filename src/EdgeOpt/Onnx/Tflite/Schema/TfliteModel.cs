namespace EdgeOpt.Onnx.Tflite.Schema;

/// <summary>A .tflite file as read and validated by <see cref="TfliteReader"/>: every index in it is in range.</summary>
internal sealed record TfliteModel(
    uint Version,
    IReadOnlyList<TfliteOperatorCode> OperatorCodes,
    IReadOnlyList<TfliteSubgraph> Subgraphs,
    IReadOnlyList<ReadOnlyMemory<byte>> Buffers,
    string? Description,
    IReadOnlyList<TfliteSignature> Signatures,
    IReadOnlyList<KeyValuePair<string, int>> Metadata);

/// <summary>An operator code: a builtin (the larger of <c>deprecated_builtin_code</c> and <c>builtin_code</c>) or a custom name.</summary>
internal sealed record TfliteOperatorCode(BuiltinOperator Builtin, string? CustomCode, int Version)
{
    public string Name => Builtin == BuiltinOperator.CUSTOM ? CustomCode ?? "CUSTOM" : Enum.IsDefined(Builtin) ? Builtin.ToString() : $"builtin {(int)Builtin}";
}

internal sealed record TfliteSubgraph(
    int Index,
    string Name,
    IReadOnlyList<TfliteTensor> Tensors,
    IReadOnlyList<int> Inputs,
    IReadOnlyList<int> Outputs,
    IReadOnlyList<TfliteOperator> Operators);

internal sealed record TfliteTensor(
    int Index,
    string Name,
    TfliteTensorType Type,
    int[] Shape,
    int[]? ShapeSignature,
    int Buffer,
    TfliteQuantization? Quantization,
    bool IsVariable,
    TfliteSparsity? Sparsity);

/// <summary>Affine quantization: real = scale × (q − zero_point), per tensor (one scale) or along <see cref="Axis"/>.</summary>
internal sealed record TfliteQuantization(float[] Scale, long[] ZeroPoint, int Axis)
{
    public bool PerAxis => Scale.Length > 1;
}

/// <summary>TACO-style sparsity (schema.fbs SparsityParameters): traversal order, block map and per-dimension metadata.</summary>
internal sealed record TfliteSparsity(int[] TraversalOrder, int[] BlockMap, IReadOnlyList<TfliteDimension> Dimensions);

/// <summary>A dense dimension (its size) or a CSR one (segments and indices).</summary>
internal sealed record TfliteDimension(bool Sparse, int DenseSize, int[] Segments, int[] Indices);

internal sealed record TfliteOperator(
    int Index,
    TfliteOperatorCode Code,
    int[] Inputs,
    int[] Outputs,
    byte OptionsType,
    FbTable? Options,
    ReadOnlyMemory<byte> CustomOptions);

internal sealed record TfliteSignature(string Key, int Subgraph, IReadOnlyList<(string Name, int Tensor)> Inputs, IReadOnlyList<(string Name, int Tensor)> Outputs);
