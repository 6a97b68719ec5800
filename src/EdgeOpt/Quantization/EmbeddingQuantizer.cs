using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;
using EdgeOpt.Quantization.Internal;

namespace EdgeOpt.Quantization;

/// <summary>
/// Weight-only quantization of embedding tables (a <c>Gather</c> over a constant float matrix: word, position and
/// token-type embeddings) into ONNX Runtime's <c>com.microsoft.GatherBlockQuantized</c>.
/// <para>
/// Rule: a main-graph <c>Gather</c> (axis 0) whose data is a constant float <c>[rows, width]</c> initializer becomes
/// <c>GatherBlockQuantized(table_q, indices, scales[, zero_points])</c> with <c>gather_axis = 0</c>,
/// <c>quantize_axis = 1</c>, <c>bits</c> 8 or 4 and <c>block_size</c>. Each row is cut into blocks of
/// <c>block_size</c> values with one float scale each: <c>scales[rows, ceil(width / block_size)]</c>. Values are
/// stored unsigned in uint8, <c>[rows, width]</c> for 8 bits and <c>[rows, width / 2]</c> for 4 bits (two a byte,
/// the first in the low nibble); symmetric blocks omit zero points and ORT uses 2^(bits-1), asymmetric blocks store
/// them (packed like the values for 4 bits).
/// </para>
/// <para>
/// Why this form: the kernel dequantizes only the rows a sequence looks up, so the cost does not grow with the
/// vocabulary, whereas <c>DequantizeLinear → Gather</c> would expand the whole table on every run; and per-row
/// blocks follow rare tokens with small vectors closely, where ORT's <c>quantize_dynamic</c> (<c>Gather</c> on
/// int8 → per-tensor <c>DequantizeLinear</c>) gives every row the scale of the largest value in the table.
/// </para>
/// A table shared by several Gathers is quantized once. The model is changed in place; all checks happen first.
/// </summary>
public static class EmbeddingQuantizer
{
    /// <summary>Quantizes every eligible Gather of <paramref name="model"/>'s main graph in place; finding none is not an error.</summary>
    /// <exception cref="UsageException">An option is out of range, or an excluded name is not a node of the graph.</exception>
    public static EmbeddingQuantizationReport Quantize(Model model, EmbeddingQuantizationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= EmbeddingQuantizationOptions.Default;
        if (options.Bits is not (4 or 8))
            ThrowHelper.Usage($"embedding tables are quantized to 8 or 4 bits, not {options.Bits}");
        if (!QuantMath.IsBlockSize(options.BlockSize))
            ThrowHelper.Usage($"embedding block size must be a power of two from 16 to 256, not {options.BlockSize}");
        var graph = model.Graph;
        var excluded = NodeSelection.Excluded(graph, options.ExcludedNodes);

        var plans = new List<Node>();
        var skipped = new List<ExcludedNode>();
        foreach (var node in graph.Nodes)
        {
            if (node is not { OpType: "Gather", IsOnnxDomain: true } || node.Inputs[0] is not { } data) continue;
            if (GraphQueries.TryGetConstant(data) is not { DataType: DataType.Float } table) continue;
            var reason = excluded.Contains(node.Name) ? SkippedNodes.ExcludedReason
                : data.Initializer is null || data.IsGraphInput ? "its table is a Constant node output or an overridable input, not a fixed initializer"
                : table.Dims.Count != 2 ? $"its table has rank {table.Dims.Count}, not 2"
                : node.Attributes.GetInt("axis", 0) is not (0 or -2) ? "it gathers along axis 1 (columns), not rows"
                : options.Bits == 4 && table.Dims[1] % 2 != 0 ? $"rows of {table.Dims[1]} values cannot be packed two a byte"
                : null;
            if (reason is null) plans.Add(node);
            else skipped.Add(SkippedNodes.Of(node, reason));
        }
        if (plans.Count == 0) return EmbeddingQuantizationReport.Create([], skipped);

        var names = new NameGenerator(model);
        MicrosoftDomain.Import(model);
        var tables = new Dictionary<string, (Value Data, Value Scales, Value? ZeroPoints, long Bytes)>(StringComparer.Ordinal);
        var quantized = new List<QuantizedWeight>();
        foreach (var node in plans)
        {
            var data = node.Inputs[0]!;
            var tensor = GraphQueries.TryGetConstant(data)!;
            var rows = tensor.Dims[0];
            var width = checked((int)tensor.Dims[1]);
            if (!tables.TryGetValue(data.Name, out var table))
            {
                table = AddTable(graph, names, data.Name, tensor.ToSingleArray(), checked((int)rows), width, options);
                tables[data.Name] = table;
            }
            Replace(graph, names, node, table.Data, table.Scales, table.ZeroPoints, options);
            if (GraphQueries.IsUnused(data)) graph.Initializers.Remove(data);
            quantized.Add(new QuantizedWeight(NodeSelection.NameOf(node), node.OpType, data.Name, rows, width, rows * width * sizeof(float), table.Bytes));
        }
        return EmbeddingQuantizationReport.Create(quantized, skipped);
    }

    private static (Value Data, Value Scales, Value? ZeroPoints, long Bytes) AddTable(Graph graph, NameGenerator names, string baseName,
        float[] values, int rows, int width, EmbeddingQuantizationOptions options)
    {
        var bits = options.Bits;
        var qmax = (1 << bits) - 1;
        var blocks = (width + options.BlockSize - 1) / options.BlockSize;
        var rowBytes = bits == 8 ? width : width / 2;
        var zeroPointRowBytes = bits == 8 ? blocks : QuantMath.PackedLength(blocks);
        var packed = new byte[(long)rows * rowBytes];
        var scales = new float[(long)rows * blocks];
        var zeroPoints = options.Symmetric ? null : new byte[(long)rows * zeroPointRowBytes];
        var codes = new byte[width];
        var blockZeroPoints = new byte[blocks];

        for (var r = 0; r < rows; r++)
        {
            var row = values.AsSpan(r * width, width);
            for (var b = 0; b < blocks; b++)
            {
                var start = b * options.BlockSize;
                var block = row.Slice(start, Math.Min(options.BlockSize, width - start));
                float scale;
                int zeroPoint;
                if (options.Symmetric)
                {
                    (scale, zeroPoint) = (SymmetricScale(block, bits), 1 << (bits - 1));
                }
                else
                {
                    (scale, zeroPoint) = QuantMath.AsymmetricParameters(block, qmax);
                    blockZeroPoints[b] = (byte)zeroPoint;
                }
                scales[(long)r * blocks + b] = scale;
                for (var i = 0; i < block.Length; i++)
                    codes[start + i] = (byte)QuantMath.Quantize(block[i], scale, zeroPoint, 0, qmax);
            }
            var rowDestination = packed.AsSpan(r * rowBytes, rowBytes);
            if (bits == 8) codes.CopyTo(rowDestination);
            else QuantMath.PackNibbles(codes, rowDestination);
            if (zeroPoints is not null)
            {
                var zpDestination = zeroPoints.AsSpan(r * zeroPointRowBytes, zeroPointRowBytes);
                if (bits == 8) blockZeroPoints.CopyTo(zpDestination);
                else QuantMath.PackNibbles(blockZeroPoints, zpDestination);
            }
        }

        var suffix = bits == 8 ? "_q8" : "_q4";
        var data = GraphQueries.AddInitializer(graph, names, baseName + suffix, Tensor.Create<byte>("q", packed, rows, rowBytes));
        var scaleValue = GraphQueries.AddInitializer(graph, names, baseName + suffix + "_scales", Tensor.Create<float>("s", scales, rows, blocks));
        var zeroPointValue = zeroPoints is null ? null
            : GraphQueries.AddInitializer(graph, names, baseName + suffix + "_zero_points", Tensor.Create<byte>("z", zeroPoints, rows, zeroPointRowBytes));
        var bytes = packed.LongLength + scales.LongLength * sizeof(float) + (zeroPoints?.LongLength ?? 0);
        return (data, scaleValue, zeroPointValue, bytes);
    }

    /// <summary>
    /// The value of largest magnitude maps exactly to the lowest code, -2^(bits-1) (so the scale may be negative), as
    /// ORT's block quantizers do: the whole signed range is used, where max|x| / (2^(bits-1) - 1) would waste a code.
    /// </summary>
    private static float SymmetricScale(ReadOnlySpan<float> values, int bits)
    {
        var extreme = 0f;
        foreach (var v in values)
            if (MathF.Abs(v) > MathF.Abs(extreme)) extreme = v;
        return extreme != 0 ? extreme / -(1 << (bits - 1)) : 1f;
    }

    private static void Replace(Graph graph, NameGenerator names, Node gather, Value data, Value scales, Value? zeroPoints,
        EmbeddingQuantizationOptions options)
    {
        var output = names.NewValue(gather.Outputs[0].Name + "_dequantized", gather.Outputs[0].Type);
        List<Value?> inputs = zeroPoints is null ? [data, gather.Inputs[1], scales] : [data, gather.Inputs[1], scales, zeroPoints];
        var quantized = new Node("GatherBlockQuantized", inputs, [output], MicrosoftDomain.Name,
            names.Fresh((gather.Name.Length > 0 ? gather.Name : "Gather") + (options.Bits == 8 ? "_q8" : "_q4")));
        quantized.Attributes.Set(OnnxAttribute.Int("gather_axis", 0));
        quantized.Attributes.Set(OnnxAttribute.Int("quantize_axis", 1));
        quantized.Attributes.Set(OnnxAttribute.Int("block_size", options.BlockSize));
        quantized.Attributes.Set(OnnxAttribute.Int("bits", options.Bits));
        graph.InsertBefore(gather, quantized);
        GraphQueries.RemoveNodeAndRewire(gather, output);
    }
}
