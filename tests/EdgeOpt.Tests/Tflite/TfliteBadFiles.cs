using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Tflite.Schema;

namespace EdgeOpt.Tests.Tflite;

/// <summary>One crafted .tflite file: its bytes, the exception it must raise, and the words its one-line message must hold.</summary>
internal sealed record TfliteBadFile(string Name, Func<byte[]> Bytes, Type Exception, params string[] Expected)
{
    public override string ToString() => Name;
}

/// <summary>
/// The catalogue of attacks on the TFLite reader and converter (after TFLite's own CVE list: negative and out-of-range
/// indices, buffers past the end, overflowing shapes, sparse metadata, subgraph loops, unknown operators), each a valid
/// <see cref="TfliteSamples"/> model with one thing broken.
/// </summary>
internal static class TfliteBadFiles
{
    private static readonly Type Format = typeof(ModelFormatException);
    private static readonly Type Unsupported = typeof(UnsupportedOperatorException);

    public static IReadOnlyList<TfliteBadFile> All { get; } = Build();

    public static TheoryData<string> Names => [.. All.Select(c => c.Name)];

    public static TfliteBadFile Get(string name) => All.Single(c => c.Name == name);

    private static List<TfliteBadFile> Build() =>
    [
        // FlatBuffer structure: the file is cut, or offsets and lengths point past its end.
        .. new[] { 8, 12, 40, 0.5, -1 }.Select(at => new TfliteBadFile($"truncated-at-{at}", () => Cut(TfliteSamples.Add().Build(), at), Format, "truncated or corrupt")),
        new("root-offset-past-end", () => WriteInt(TfliteSamples.Add(), _ => 0, 1 << 20), Format, "model", "offset 1048576", "outside the file"),
        new("root-offset-zero", () => WriteInt(TfliteSamples.Add(), _ => 0, 0), Format, "model", "outside the file"),
        new("vtable-outside-file", () => WriteInt(TfliteSamples.Add(), p => p["model"], -(1 << 24)), Format, "model", "vtable"),
        new("vtable-before-file-start", () => WriteInt(TfliteSamples.Add(), p => p["model"], 1 << 24), Format, "model", "vtable"),
        new("vtable-size-odd", () => WriteVtableSize(TfliteSamples.Add(), "model", 7), Format, "model", "vtable", "invalid size 7"),
        new("table-inline-size-past-end", () => WriteInlineSize(TfliteSamples.Add(), "model", ushort.MaxValue), Format, "model", "past the end"),
        new("tensor-table-offset-past-end", () => WriteInt(TfliteSamples.Add(), p => p["subgraphs[0].tensors"] + 8, 1 << 24), Format, "subgraphs[0].tensors[1]", "outside the file"),
        new("vector-length-past-end", () => WriteInt(TfliteSamples.Add(), p => p["subgraphs[0].tensors[0].shape"], 1 << 20), Format, "subgraphs[0].tensors[0] 'x'.shape", "past the end"),
        new("vector-length-negative", () => WriteInt(TfliteSamples.Add(), p => p["subgraphs[0].operators[0].inputs"], -1), Format, "subgraphs[0].operators[0] (ADD).inputs", "past the end"),
        new("string-past-end", () => WriteInt(TfliteSamples.Add(), p => p["subgraphs[0].tensors[1].name"], 1 << 30), Format, "subgraphs[0].tensors[1].name", "past the end"),
        new("buffer-data-past-end", () => WriteInt(TfliteSamples.Add(), p => p["buffers[1].data"], int.MaxValue), Format, "buffers[1].data", "past the end"),
        new("operator-codes-vector-past-end", () => WriteInt(TfliteSamples.Add(), p => p["model.operator_codes"], 1 << 28), Format, "model.operator_codes", "past the end"),

        // Model-level fields.
        new("schema-version-2", () => With(TfliteSamples.Add(), f => f.Version = 2), Format, "model.version is 2"),
        new("no-subgraphs", () => With(TfliteSamples.Add(), f => f.Subgraphs.Clear()), Format, "model.subgraphs is empty"),
        new("signature-subgraph-out-of-range", () => With(TfliteSamples.Add(), f => f.Signatures.Add(new TflSignature { Subgraph = 4 })), Format, "signature_defs[0].subgraph_index 4", "out of range"),
        new("signature-tensor-out-of-range", () => With(TfliteSamples.Add(), f => f.Signatures.Add(Signature(("x", 0), ("y", 77)))), Format, "signature_defs[0].outputs[0].tensor_index 77", "out of range"),

        // Tensor indices: negative, past the count, in operators and subgraph inputs/outputs.
        new("negative-tensor-index-in-operator-inputs", () => With(TfliteSamples.Add(), f => Op(f).Inputs = [-5, 1]), Format, "operators[0] (ADD).inputs", "tensor index -5", "out of range"),
        new("int-min-tensor-index-in-operator-inputs", () => With(TfliteSamples.Add(), f => Op(f).Inputs = [0, int.MinValue]), Format, "operators[0] (ADD).inputs", "-2147483648"),
        new("tensor-index-equal-to-count", () => With(TfliteSamples.Add(), f => Op(f).Inputs = [0, 3]), Format, "operators[0] (ADD).inputs", "tensor index 3", "3 tensors"),
        new("optional-marker-on-a-required-input", () => With(TfliteSamples.Add(), f => Op(f).Inputs = [-1, 1]), Format, "operator 0 (ADD", "input 0 (x) is missing"),
        new("operator-without-outputs", () => With(TfliteSamples.Add(), f => Op(f).Outputs = []), Format, "operator 0 (ADD", "0 outputs"),
        new("negative-operator-output", () => With(TfliteSamples.Add(), f => Op(f).Outputs = [-1]), Format, "operators[0] (ADD).outputs", "tensor index -1"),
        new("subgraph-input-out-of-range", () => With(TfliteSamples.Add(), f => f.Subgraphs[0].Inputs = [7]), Format, "subgraphs[0].inputs", "tensor index 7"),
        new("subgraph-output-negative", () => With(TfliteSamples.Add(), f => f.Subgraphs[0].Outputs = [-2]), Format, "subgraphs[0].outputs", "tensor index -2"),
        new("tensor-read-before-written", () => With(TfliteSamples.Add(), f => f.Subgraphs[0].Inputs = []), Format, "operator 0 (ADD", "tensor 'x' is read before any operator writes it"),

        // Operator codes.
        new("opcode-index-out-of-range", () => With(TfliteSamples.Add(), f => Op(f).OpcodeIndex = 5), Format, "subgraphs[0].operators[0].opcode_index 5", "1 operator codes"),
        new("opcode-index-uint-max", () => With(TfliteSamples.Add(), f => Op(f).OpcodeIndex = uint.MaxValue), Format, "opcode_index 4294967295"),
        new("negative-builtin-code", () => With(TfliteSamples.Add(), f => f.OperatorCodes[0] = new TflCode { Builtin = -5, Deprecated = -5 }), Format, "operator_codes[0]", "builtin code -5"),
        new("unknown-builtin-code-9999", () => With(TfliteSamples.Add(), f => f.OperatorCodes[0] = new TflCode { Builtin = 9999 }), Unsupported, "operator 0 (builtin 9999", "not supported"),
        new("unknown-custom-op", () => With(TfliteSamples.Add(), f => f.OperatorCodes[0] = new TflCode { Builtin = (int)BuiltinOperator.CUSTOM, Custom = "MyFancyOp" }), Unsupported, "operator 0 (MyFancyOp", "custom operator 'MyFancyOp'"),
        new("custom-op-without-a-name", () => With(TfliteSamples.Add(), f => f.OperatorCodes[0] = new TflCode { Builtin = (int)BuiltinOperator.CUSTOM }), Unsupported, "operator 0 (CUSTOM", "custom operator"),
        new("unsupported-builtin-rnn", () => With(TfliteSamples.Add(), f => f.OperatorCodes[0] = new TflCode { Builtin = (int)BuiltinOperator.RNN }), Unsupported, "operator 0 (RNN", "not supported"),
        new("large-custom-options-past-end", () => With(TfliteSamples.Add(), f => (Op(f).LargeCustomOptionsOffset, Op(f).LargeCustomOptionsSize) = (1UL << 40, 16)), Format, "operators[0] (ADD)", "custom options at offset 1099511627776"),
        new("large-custom-options-size-wraps", () => With(TfliteSamples.Add(), f => (Op(f).LargeCustomOptionsOffset, Op(f).LargeCustomOptionsSize) = (64, ulong.MaxValue - 32)), Format, "operators[0] (ADD)", "past the end"),

        // Buffers.
        new("tensor-buffer-index-out-of-range", () => With(TfliteSamples.Add(), f => f.Subgraphs[0].Tensors[1].Buffer = 99), Format, "tensors[1] 'c'.buffer 99", "2 buffers"),
        new("tensor-buffer-index-uint-max", () => With(TfliteSamples.Add(), f => f.Subgraphs[0].Tensors[1].Buffer = uint.MaxValue), Format, "'c'.buffer 4294967295"),
        new("buffer-offset-past-end-of-file", () => With(TfliteSamples.Add(), f => (f.Buffers[1].Offset, f.Buffers[1].Size, f.Buffers[1].Data) = (1UL << 40, 16, null)), Format, "buffers[1]", "offset 1099511627776", "past the end"),
        new("buffer-size-past-end-of-file", () => With(TfliteSamples.Add(), f => (f.Buffers[1].Offset, f.Buffers[1].Size, f.Buffers[1].Data) = (16, 3UL << 31, null)), Format, "buffers[1]", "size 6442450944", "past the end"),
        new("buffer-offset-plus-size-wraps", () => With(TfliteSamples.Add(), f => (f.Buffers[1].Offset, f.Buffers[1].Size, f.Buffers[1].Data) = (64, ulong.MaxValue - 32, null)), Format, "buffers[1]", "past the end"),
        new("buffer-smaller-than-its-tensor", () => With(TfliteSamples.Add(), f => f.Buffers[1].Data = new byte[12]), Format, "'c'", "buffer 1 holds 12 bytes", "needs 16"),
        new("buffer-larger-than-its-tensor", () => With(TfliteSamples.Add(), f => f.Buffers[1].Data = new byte[20]), Format, "'c'", "buffer 1 holds 20 bytes", "needs 16"),

        // Shapes and types.
        new("negative-dimension", () => With(TfliteSamples.Add(), f => f.Subgraphs[0].Tensors[0].Shape = [1, -4]), Format, "'x'.shape", "negative dimension -4"),
        new("element-count-overflows-int32", () => With(TfliteSamples.Add(), f => f.Subgraphs[0].Tensors[0].Shape = [65536, 65536, 65536]), Format, "'x'.shape [65536,65536,65536]", "2^31 elements"),
        new("element-count-overflows-int64", () => With(TfliteSamples.Add(), f => f.Subgraphs[0].Tensors[0].Shape = [int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue]), Format, "'x'.shape", "2^31 elements"),
        new("huge-shape-on-a-constant", () => With(TfliteSamples.Add(), f => f.Subgraphs[0].Tensors[1].Shape = [1 << 30]), Format, "'c'", "buffer 1 holds 16 bytes", "needs 4294967296"),
        new("unknown-tensor-type", () => With(TfliteSamples.Add(), f => f.Subgraphs[0].Tensors[0].Type = (TfliteTensorType)99), Format, "'x'.type 99"),
        new("negative-tensor-type", () => With(TfliteSamples.Add(), f => f.Subgraphs[0].Tensors[0].Type = (TfliteTensorType)200), Format, "'x'.type -56"),
        new("shape-signature-of-another-rank", () => With(TfliteSamples.Add(), f => f.Subgraphs[0].Tensors[0].ShapeSignature = [-1]), Format, "'x'.shape_signature [-1]", "does not match shape [1,4]"),
        new("tensor-name-with-a-line-break", () => With(TfliteSamples.Add(), f => (f.Subgraphs[0].Tensors[0].Name, f.Subgraphs[0].Tensors[0].Shape) = ("x\nerror: forged second line", [1, -4])), Format, "'x\\nerror: forged second line'.shape"),

        // Quantization.
        new("scale-and-zero-point-counts-differ", () => With(TfliteSamples.PerAxisWeights(), f => Weights(f).Quantization!.ZeroPoint = [1]), Format, "'w'.quantization", "2 scales but 1 zero points"),
        new("per-axis-along-the-wrong-axis", () => With(TfliteSamples.PerAxisWeights(), f => Weights(f).Quantization!.QuantizedDimension = 1), Format, "'w'.quantization", "2 scales along dimension 1 of shape [2,3]"),
        new("per-axis-axis-negative", () => With(TfliteSamples.PerAxisWeights(), f => Weights(f).Quantization!.QuantizedDimension = -1), Format, "'w'.quantization", "dimension -1"),
        new("per-axis-axis-past-the-rank", () => With(TfliteSamples.PerAxisWeights(), f => Weights(f).Quantization!.QuantizedDimension = 7), Format, "'w'.quantization", "dimension 7"),
        new("nan-scale", () => With(TfliteSamples.PerAxisWeights(), f => Weights(f).Quantization!.Scale = [float.NaN, 2f]), Format, "'w'.quantization.scale NaN"),
        new("negative-scale", () => With(TfliteSamples.PerAxisWeights(), f => Weights(f).Quantization!.Scale = [0.5f, -2f]), Format, "'w'.quantization.scale -2"),
        new("infinite-scale", () => With(TfliteSamples.PerAxisWeights(), f => Weights(f).Quantization!.Scale = [float.PositiveInfinity, 2f]), Format, "'w'.quantization.scale"),
        new("custom-quantization-details", () => With(TfliteSamples.PerAxisWeights(), f => Weights(f).Quantization!.DetailsType = 1), Format, "'w'.quantization", "custom quantization"),

        // Sparse metadata (TACO/CSR), checked before a byte is densified.
        new("sparse-segments-past-the-indices", () => With(TfliteSamples.Sparse(), f => Column(f).Segments = [0, 1, 9]), Format, "'s' sparsity", "array_segments [1, 9)", "3 indices"),
        new("sparse-segments-decreasing", () => With(TfliteSamples.Sparse(), f => Column(f).Segments = [0, 2, 1]), Format, "'s' sparsity", "array_segments [2, 1)"),
        new("sparse-segments-negative", () => With(TfliteSamples.Sparse(), f => Column(f).Segments = [-3, 1, 3]), Format, "'s' sparsity", "array_segments [-3, 1)"),
        new("sparse-segments-too-few", () => With(TfliteSamples.Sparse(), f => Column(f).Segments = [0, 1]), Format, "'s' sparsity", "array_segments has 2 entries"),
        new("sparse-index-outside-the-dimension", () => With(TfliteSamples.Sparse(), f => Column(f).Indices = [1, 0, 3]), Format, "'s' sparsity", "array_indices value 3 is outside dimension size 3"),
        new("sparse-index-negative", () => With(TfliteSamples.Sparse(), f => Column(f).Indices = [1, int.MinValue, 2]), Format, "'s' sparsity", "array_indices value -2147483648"),
        new("sparse-index-vector-of-unknown-type", () => With(TfliteSamples.Sparse(), f => Column(f).IndexType = 9), Format, "'s'.sparsity.dim_metadata[1].array_segments", "unknown index vector type 9"),
        new("sparse-index-vector-missing", () => With(TfliteSamples.Sparse(), f => Column(f).Indices = null), Format, "'s'.sparsity.dim_metadata[1].array_indices", "missing"),
        new("sparse-traversal-order-not-a-permutation", () => With(TfliteSamples.Sparse(), f => Sparsity(f).TraversalOrder = [1, 1]), Format, "'s' sparsity", "traversal_order [1,1] is not a permutation"),
        new("sparse-traversal-order-out-of-range", () => With(TfliteSamples.Sparse(), f => Sparsity(f).TraversalOrder = [0, 5]), Format, "'s' sparsity", "traversal_order [0,5] is not a permutation"),
        new("sparse-traversal-order-longer-than-dim-metadata", () => With(TfliteSamples.Sparse(), f => Sparsity(f).TraversalOrder = [0, 1, 2]), Format, "'s'.sparsity", "2 dim_metadata entries for a traversal order of 3"),
        new("sparse-dense-size-not-the-dimension", () => With(TfliteSamples.Sparse(), f => Sparsity(f).Dimensions[0].DenseSize = 1 << 30), Format, "'s' sparsity", "dense_size 1073741824 does not match dimension size 2"),
        new("sparse-block-map-outside-the-rank", () => With(TfliteSamples.Sparse(), f => BlockOf(f, blockMap: 4)), Format, "'s' sparsity", "block_map entry 4"),
        new("sparse-more-values-addressed-than-stored", () => With(TfliteSamples.Sparse(), f => f.Buffers[(int)Sparse(f).Buffer].Data = new byte[8]), Format, "'s' sparsity", "more values than the buffer's 2"),
        new("sparse-rank-100000", () => With(TfliteSamples.Sparse(), DeepSparse), Format, "'s' sparsity", "100000 levels", "more than the 32 supported"),

        // Subgraph calls: loops and callees that do not exist.
        new("while-calls-its-own-subgraph", () => TfliteSamples.While(cond: 0, body: 0).Build(), Format, "subgraphs[0] calls itself"),
        new("while-body-calls-itself", () => With(TfliteSamples.While(), f => f.Subgraphs[2].Operators.Add(WhileOp(f, 1, 2))), Format, "subgraphs[2] calls itself"),
        new("two-subgraphs-call-each-other", () => With(TfliteSamples.While(), TwoCycle), Format, "subgraphs[1] calls itself through subgraph 2"),
        new("while-calls-a-subgraph-that-does-not-exist", () => TfliteSamples.While(cond: 1, body: 7).Build(), Format, "subgraphs[0].operators[0] (WHILE) calls subgraph 7", "does not exist", "3"),
        new("while-calls-a-negative-subgraph", () => TfliteSamples.While(cond: -3, body: 2).Build(), Format, "(WHILE) calls subgraph -3", "does not exist"),

        // Converter: operators whose tensors have the wrong rank for what they do.
        new("conv-on-a-rank-2-input", () => With(TfliteSamples.Conv(), f => f.Subgraphs[0].Tensors[0].Shape = [3, 3]), Format, "operator 0 (CONV_2D", "not NHWC/OHWI"),
        new("conv-filter-of-rank-1", () => With(TfliteSamples.Conv(), f => (f.Subgraphs[0].Tensors[1].Shape, f.Buffers[1].Data) = ([8], new byte[32])), Format, "operator 0 (CONV_2D", "not NHWC/OHWI"),
        new("conv-channels-do-not-divide", () => With(TfliteSamples.Conv(), f => (f.Subgraphs[0].Tensors[1].Shape, f.Buffers[1].Data) = ([1, 2, 2, 2], new byte[32])), Format, "operator 0 (CONV_2D", "matching channels"),
        new("conv-stride-zero", () => With(TfliteSamples.Conv(), f => Op(f).Options = [(0, (byte)1), (1, 0), (2, 1)]), Format, "operator 0 (CONV_2D", "strides (1, 0)"),
        new("depthwise-on-a-rank-3-input", () => With(TfliteSamples.Conv(), f => (f.OperatorCodes[0].Builtin, Op(f).OptionsType, f.Subgraphs[0].Tensors[0].Shape) = ((int)BuiltinOperator.DEPTHWISE_CONV_2D, TflOptionsType.DepthwiseConv2D, [3, 3, 1])), Format, "operator 0 (DEPTHWISE_CONV_2D", "rank 4"),
        new("fully-connected-weights-of-rank-1", () => With(TfliteSamples.Conv(), f => (f.OperatorCodes[0].Builtin, Op(f).OptionsType, Op(f).Options, f.Subgraphs[0].Tensors[1].Shape, f.Buffers[1].Data) = ((int)BuiltinOperator.FULLY_CONNECTED, TflOptionsType.FullyConnected, [], [8], new byte[32])), Format, "operator 0 (FULLY_CONNECTED", "weights must be rank 2"),
        new("batch-matmul-adjoint-of-a-vector", () => With(TfliteSamples.Add(), f => (f.OperatorCodes[0].Builtin, f.Subgraphs[0].Tensors[0].Shape, Op(f).OptionsType, Op(f).Options) = ((int)BuiltinOperator.BATCH_MATMUL, [4], TflOptionsType.BatchMatMul, [(0, true)])), Format, "operator 0 (BATCH_MATMUL", "rank"),
        new("lstm-with-no-recurrent-weights", () => With(TfliteSamples.Add(), Lstm), Format, "operator 0 (UNIDIRECTIONAL_SEQUENCE_LSTM", "recurrent-to-forget weights"),
    ];

    /// <summary>Builds after applying <paramref name="change"/>.</summary>
    private static byte[] With(TfliteFileBuilder file, Action<TfliteFileBuilder> change)
    {
        change(file);
        return file.Build();
    }

    /// <summary>Overwrites the int32 at a position the builder reports (a table's soffset, a vector's length, a uoffset).</summary>
    private static byte[] WriteInt(TfliteFileBuilder file, Func<IReadOnlyDictionary<string, int>, int> where, int value)
    {
        var bytes = file.Build();
        BitConverter.TryWriteBytes(bytes.AsSpan(where(file.Positions)), value);
        return bytes;
    }

    private static byte[] WriteVtableSize(TfliteFileBuilder file, string table, ushort size) => WriteVtableField(file, table, 0, size);

    private static byte[] WriteInlineSize(TfliteFileBuilder file, string table, ushort size) => WriteVtableField(file, table, 2, size);

    private static byte[] WriteVtableField(TfliteFileBuilder file, string table, int field, ushort value)
    {
        var bytes = file.Build();
        var position = file.Positions[table];
        var vtable = position - BitConverter.ToInt32(bytes, position);
        BitConverter.TryWriteBytes(bytes.AsSpan(vtable + field), value);
        return bytes;
    }

    /// <summary>The first bytes: <paramref name="at"/> bytes, a fraction of the file, or (negative) all but that many.</summary>
    private static byte[] Cut(byte[] bytes, double at) =>
        bytes[..(at < 0 ? bytes.Length + (int)at : at < 1 ? (int)(bytes.Length * at) : (int)at)];

    private static TflOperator Op(TfliteFileBuilder f) => f.Subgraphs[0].Operators[0];

    private static TflTensor Weights(TfliteFileBuilder f) => f.Subgraphs[0].Tensors[1];

    private static TflTensor Sparse(TfliteFileBuilder f) => f.Subgraphs[0].Tensors[1];

    private static TflSparsity Sparsity(TfliteFileBuilder f) => Sparse(f).Sparsity!;

    private static TflDimension Column(TfliteFileBuilder f) => Sparsity(f).Dimensions[1];

    private static TflSignature Signature(params (string Name, uint Tensor)[] maps)
    {
        var signature = new TflSignature();
        signature.Inputs.Add(maps[0]);
        signature.Outputs.AddRange(maps[1..]);
        return signature;
    }

    /// <summary>A block dimension (third level, dense size 1) mapped to a dimension the tensor does not have.</summary>
    private static void BlockOf(TfliteFileBuilder f, int blockMap)
    {
        Sparsity(f).TraversalOrder = [0, 1, 2];
        Sparsity(f).BlockMap = [blockMap];
        Sparsity(f).Dimensions.Add(new TflDimension { DenseSize = 1 });
    }

    /// <summary>A [1, 1, ..., 1] sparse constant with 100 000 dense levels: recursion that deep would take the process down.</summary>
    private static void DeepSparse(TfliteFileBuilder f)
    {
        const int Rank = 100_000;
        var s = Sparse(f);
        s.Shape = [.. Enumerable.Repeat(1, Rank)];
        s.Sparsity = new TflSparsity { TraversalOrder = [.. Enumerable.Range(0, Rank)] };
        for (var i = 0; i < Rank; i++) s.Sparsity.Dimensions.Add(new TflDimension { DenseSize = 1 });
        f.Buffers[(int)s.Buffer].Data = BitConverter.GetBytes(1f);
        foreach (var t in new[] { 0, 2, 3 }) f.Subgraphs[0].Tensors[t].Shape = [.. Enumerable.Repeat(1, Rank)];
    }

    private static TflOperator WhileOp(TfliteFileBuilder f, int cond, int body) => new()
    {
        OpcodeIndex = 0, Inputs = [0], Outputs = [2], OptionsType = TflOptionsType.While, Options = [(0, cond), (1, body)],
    };

    /// <summary>The condition subgraph (1) runs CALL_ONCE of the body (2), and the body CALL_ONCE of the condition.</summary>
    private static void TwoCycle(TfliteFileBuilder f)
    {
        var callOnce = (uint)f.AddCode(BuiltinOperator.CALL_ONCE);
        f.Subgraphs[1].Operators.Add(new TflOperator { OpcodeIndex = callOnce, OptionsType = TflOptionsType.CallOnce, Options = [(0, 2)] });
        f.Subgraphs[2].Operators.Add(new TflOperator { OpcodeIndex = callOnce, OptionsType = TflOptionsType.CallOnce, Options = [(0, 1)] });
    }

    /// <summary>
    /// The ADD model's operator as an LSTM whose input-to-forget weights are [46341, 1] and whose recurrent weights are
    /// absent: 46341² overflows int32, so the sizes must come from weights that exist, not from the shape alone.
    /// </summary>
    private static void Lstm(TfliteFileBuilder f)
    {
        const int Hidden = 46_341;
        f.OperatorCodes[0].Builtin = (int)BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM;
        var g = f.Subgraphs[0];
        g.Tensors[0].Shape = [1, 1, 1];
        g.Tensors[2].Shape = [1, 1, Hidden];
        var forget = g.Add(new TflTensor { Shape = [Hidden, 1], Name = "forget_weights", Buffer = f.AddBuffer(new byte[4 * Hidden]) });
        Op(f).Inputs = [0, -1, forget, forget, forget, -1, -1, -1, -1];
        Op(f).OptionsType = TflOptionsType.UnidirectionalSequenceLstm;
        Op(f).Options = [(0, (byte)FusedActivation.TANH)];
    }
}
