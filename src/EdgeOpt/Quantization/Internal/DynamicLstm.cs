using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Quantization.Internal;

/// <summary>
/// The recurrent half of <see cref="DynamicQuantizer"/>: an ONNX <c>LSTM</c> with constant W and R becomes ORT's
/// <c>com.microsoft.DynamicQuantizeLSTM</c>, as ORT's python <c>quantize_dynamic</c> does. Inputs 0-7 keep their
/// meaning (X, W, R, B, sequence_lens, initial_h, initial_c, P), then W_scale, W_zero_point, R_scale, R_zero_point.
/// W <c>[D, 4H, I]</c> and R <c>[D, 4H, H]</c> are quantized to symmetric int8 (zero point 0) per gate row (one
/// scale per direction and row, <c>[D, 4H]</c>) or per direction (<c>[D]</c>), and stored transposed as the
/// kernel reads them: <c>[D, I, 4H]</c> and <c>[D, H, 4H]</c>. W and R may be computed from constants (a gate
/// reordering chain, see <see cref="ComputedWeights"/>). X and the hidden state are quantized to uint8 at
/// run time inside the kernel. GRU and RNN stay float: ORT has no dynamically quantized kernel for them.
/// </summary>
internal static class DynamicLstm
{
    public const string OpType = "DynamicQuantizeLSTM";

    /// <summary>Whether <paramref name="opType"/> is a recurrent layer ORT has no dynamically quantized kernel for (GRU, RNN).</summary>
    public static bool HasNoKernel(string opType) => opType is "GRU" or "RNN";

    /// <summary>The reason a GRU or vanilla RNN is left in float.</summary>
    public static string NoKernelReason(string opType) =>
        $"ONNX Runtime has no DynamicQuantize{opType} kernel (its own quantize_dynamic leaves {opType} in float too)";

    /// <summary>An LSTM whose weights passed every check, quantized and transposed.</summary>
    public sealed record Plan(Node Node, Value W, Value R, Quantized QuantizedW, Quantized QuantizedR, long FloatBytes);

    /// <summary>One weight in the kernel's layout with its scales and zero points.</summary>
    public sealed record Quantized(sbyte[] Data, long[] Dims, float[] Scales, long[] ScaleDims);

    /// <summary>Checks <paramref name="node"/> and quantizes W and R (stored, or computed from constants); null with a reason when it stays float.</summary>
    public static Plan? TryPlan(Node node, bool perChannel, ComputedWeights weights, out string reason)
    {
        reason = "";
        var wValue = node.Inputs.ElementAtOrDefault(1);
        var rValue = node.Inputs.ElementAtOrDefault(2);
        if (weights.TryGet(wValue) is not { DataType: DataType.Float, Dims.Count: 3 } w
            || weights.TryGet(rValue) is not { DataType: DataType.Float, Dims.Count: 3 } r)
        {
            reason = "its W and R weights are not float [directions, 4*hidden, *] tensors computed from constants alone";
            return null;
        }
        if (node.Attributes.GetInt("layout", 0) != 0)
        {
            reason = "LSTM with layout = 1 (batch first) has no DynamicQuantizeLSTM form";
            return null;
        }
        if (w.Dims[0] != r.Dims[0] || w.Dims[1] != r.Dims[1] || r.Dims[1] != 4 * r.Dims[2])
        {
            reason = $"its W {Shape(w)} and R {Shape(r)} do not have the LSTM layout [D, 4H, I] and [D, 4H, H]";
            return null;
        }
        var floatBytes = (w.ElementCount + r.ElementCount) * sizeof(float);
        return new Plan(node, wValue!, rValue!, QuantizeTransposed(w, perChannel), QuantizeTransposed(r, perChannel), floatBytes);
    }

    private static string Shape(Tensor t) => "[" + string.Join(", ", t.Dims) + "]";

    /// <summary>[D, 4H, K] float → [D, K, 4H] int8, with one scale per (direction, row) or per direction.</summary>
    private static Quantized QuantizeTransposed(Tensor tensor, bool perChannel)
    {
        var d = checked((int)tensor.Dims[0]);
        var rows = checked((int)tensor.Dims[1]);
        var k = checked((int)tensor.Dims[2]);
        var values = tensor.ToSingleArray();
        var q = new sbyte[values.Length];
        var scales = new float[perChannel ? d * rows : d];
        for (var dir = 0; dir < d; dir++)
        {
            var block = values.AsSpan(dir * rows * k, rows * k);
            if (!perChannel) scales[dir] = QuantMath.SymmetricScale(block, 127);
            for (var row = 0; row < rows; row++)
            {
                var source = block.Slice(row * k, k);
                var scale = perChannel ? scales[dir * rows + row] = QuantMath.SymmetricScale(source, 127) : scales[dir];
                for (var i = 0; i < k; i++)
                    q[(dir * k + i) * rows + row] = (sbyte)QuantMath.RoundClamp(source[i] / scale, -127, 127);
            }
        }
        return new Quantized(q, [d, k, rows], scales, perChannel ? [d, rows] : [d]);
    }

    /// <summary>Turns the LSTM node into DynamicQuantizeLSTM in place (same outputs, same name).</summary>
    public static QuantizedWeight Apply(Plan plan, NameGenerator names)
    {
        var node = plan.Node;
        var graph = node.Graph!;
        var (wq, wScale, wZero) = AddWeight(graph, names, plan.W.Name, plan.QuantizedW);
        var (rq, rScale, rZero) = AddWeight(graph, names, plan.R.Name, plan.QuantizedR);
        node.SetInput(1, wq);
        node.SetInput(2, rq);
        while (node.Inputs.Count < 8) node.AddInput(null);
        node.TruncateInputs(8);
        foreach (var extra in new[] { wScale, wZero, rScale, rZero }) node.AddInput(extra);
        node.OpType = OpType;
        node.Domain = MicrosoftDomain.Name;
        node.Attributes.Remove("layout");
        ComputedWeights.RemoveIfUnused(plan.W);
        ComputedWeights.RemoveIfUnused(plan.R);

        var w = plan.QuantizedW;
        var r = plan.QuantizedR;
        var quantizedBytes = w.Data.Length + r.Data.Length + (long)(w.Scales.Length + r.Scales.Length) * (sizeof(float) + sizeof(sbyte));
        return new QuantizedWeight(NodeSelection.NameOf(node), "LSTM", plan.W.Name, w.Dims[1], w.Dims[2], plan.FloatBytes, quantizedBytes);
    }

    private static (Value Weight, Value Scale, Value ZeroPoint) AddWeight(Graph graph, NameGenerator names, string baseName, Quantized q)
    {
        var weight = GraphQueries.AddInitializer(graph, names, baseName + "_quantized", Tensor.Create<sbyte>("w", q.Data, q.Dims));
        var scale = GraphQueries.AddInitializer(graph, names, baseName + "_scale", Tensor.Create<float>("s", q.Scales, q.ScaleDims));
        var zero = GraphQueries.AddInitializer(graph, names, baseName + "_zero_point", Tensor.Create<sbyte>("z", new sbyte[q.Scales.Length], q.ScaleDims));
        return (weight, scale, zero);
    }
}
