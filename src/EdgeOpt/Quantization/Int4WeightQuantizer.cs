using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;
using EdgeOpt.Quantization.Internal;

namespace EdgeOpt.Quantization;

/// <summary>
/// Weight-only 4-bit quantization for ONNX Runtime's <c>com.microsoft.MatMulNBits</c>.
/// <para>
/// Rule: a <c>MatMul</c> (in the main graph or an If/Loop/Scan body) whose B is a constant float <c>[K, N]</c> matrix becomes
/// <c>MatMulNBits(A, B_packed, scales[, zero_points])</c> with attributes K, N, bits = 4, block_size, accuracy_level.
/// Each column of B is cut into <c>ceil(K / block_size)</c> blocks along K; a K that is not a multiple of the block
/// size is padded with zeros at the end of the last block, as ORT expects (padding quantizes to the zero point, so
/// it adds nothing). Blocks are stored column by column: <c>B_packed[N, blocks, block_size / 2]</c>, two weights per
/// byte, the first in the low nibble; <c>scales[N * blocks]</c>; asymmetric zero points
/// <c>[N * ceil(blocks / 2)]</c>, packed the same way with each column starting on a fresh byte.
/// </para>
/// Activations stay float. The model is changed in place; all checks happen before the first edit.
/// </summary>
public static class Int4WeightQuantizer
{
    /// <summary>Quantizes every eligible MatMul of <paramref name="model"/> in place, inside control-flow bodies too.</summary>
    /// <exception cref="UsageException">An option is out of range or names an unknown node, or nothing is quantizable.</exception>
    public static Int4QuantizationReport Quantize(Model model, Int4QuantizationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= Int4QuantizationOptions.Default;
        if (!QuantMath.IsBlockSize(options.BlockSize))
            ThrowHelper.Usage($"int4 block size must be a power of two from 16 to 256, not {options.BlockSize}");
        if (options.AccuracyLevel is < 0 or > 4)
            ThrowHelper.Usage($"int4 accuracy level must be 0 to 4, not {options.AccuracyLevel}");
        var graph = model.Graph;
        var excluded = NodeSelection.Excluded(graph, options.ExcludedNodes);

        var plans = new List<Node>();
        var skipped = new List<ExcludedNode>();
        // Nodes inside If/Loop/Scan bodies too; each is rewritten in its own body.
        foreach (var node in WeightScope.AllNodes(graph))
        {
            if (node is not { OpType: "MatMul", IsOnnxDomain: true }) continue;
            if (!WeightScope.HasMatrixWeight(node))
            {
                skipped.Add(SkippedNodes.Of(node, WeightScope.NoMatrixWeightReason(node)));
                continue;
            }
            if (excluded.Contains(node.Name)) skipped.Add(SkippedNodes.Excluded(node));
            else plans.Add(node);
        }
        if (plans.Count == 0)
            ThrowHelper.Usage("no MatMul with constant float [K, N] weights to quantize to int4" + SkippedNodes.Suffix(skipped));

        var names = new NameGenerator(model);
        MicrosoftDomain.Import(model);
        var quantized = plans.Select(node => Apply(node.Graph!, names, node, options)).ToList();
        return Int4QuantizationReport.Create(quantized, skipped);
    }

    private static QuantizedWeight Apply(Graph graph, NameGenerator names, Node node, Int4QuantizationOptions options)
    {
        var weightValue = node.Inputs[1]!;
        var tensor = GraphQueries.TryGetConstant(weightValue)!;
        var k = checked((int)tensor.Dims[0]);
        var n = checked((int)tensor.Dims[1]);
        var blocks = BlockwiseInt4.Quantize(tensor.ToSingleArray(), k, n, options.BlockSize, options.Symmetric);

        var baseName = weightValue.Name;
        var blobSize = options.BlockSize / 2;
        var packed = GraphQueries.AddInitializer(graph, names, baseName + "_q4",
            Tensor.Create<byte>("b", blocks.Packed, n, blocks.BlocksPerColumn, blobSize));
        var scales = GraphQueries.AddInitializer(graph, names, baseName + "_q4_scales",
            Tensor.Create<float>("s", blocks.Scales, blocks.Scales.Length));
        var inputs = new List<Value?> { node.Inputs[0], packed, scales };
        if (blocks.ZeroPoints is { } zp)
            inputs.Add(GraphQueries.AddInitializer(graph, names, baseName + "_q4_zero_points", Tensor.Create<byte>("z", zp, zp.Length)));

        var output = names.NewValue(node.Outputs[0].Name + "_q4", node.Outputs[0].Type);
        var matMul = new Node("MatMulNBits", inputs, [output], MicrosoftDomain.Name,
            names.Fresh((node.Name.Length > 0 ? node.Name : "MatMul") + "_q4"));
        matMul.Attributes.Set(OnnxAttribute.Int("K", k));
        matMul.Attributes.Set(OnnxAttribute.Int("N", n));
        matMul.Attributes.Set(OnnxAttribute.Int("bits", 4));
        matMul.Attributes.Set(OnnxAttribute.Int("block_size", options.BlockSize));
        if (options.AccuracyLevel != 0) matMul.Attributes.Set(OnnxAttribute.Int("accuracy_level", options.AccuracyLevel));
        graph.InsertBefore(node, matMul);
        GraphQueries.RemoveNodeAndRewire(node, output);
        WeightScope.RemoveIfUnused(weightValue);

        var quantizedBytes = blocks.Packed.Length + (long)blocks.Scales.Length * sizeof(float) + (blocks.ZeroPoints?.Length ?? 0);
        return new QuantizedWeight(NodeSelection.NameOf(node), node.OpType, baseName, k, n, (long)k * n * sizeof(float), quantizedBytes);
    }
}
