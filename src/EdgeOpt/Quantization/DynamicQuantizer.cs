using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;
using EdgeOpt.Quantization.Internal;

namespace EdgeOpt.Quantization;

/// <summary>
/// Dynamic (weight-only calibrated) int8 quantization of fully connected and convolution layers, for ONNX Runtime's
/// CPU provider.
/// <para>
/// Rule: a <c>MatMul</c> (in the main graph or any If/Loop/Scan body; weights may be initializers of any enclosing
/// graph or Constant nodes) whose B is a constant float <c>[K, N]</c> matrix, or a <c>Gemm</c> (transA = 0)
/// whose B is constant (transB honoured, alpha folded into the weight) and whose C is absent or a constant with N
/// elements or one (beta folded in), becomes one <c>com.microsoft.DynamicQuantizeMatMul(A, B_int8, B_scale, , bias)</c>.
/// </para>
/// <para>
/// Weights are signed int8, symmetric (zero point 0, range [-127, 127]), per column or per tensor; ORT quantizes the
/// activations to uint8 at run time from their observed min/max. This is ORT's default weight type (u8 activations ×
/// s8 weights is the fast path of its int8 GEMM on x86 and Arm). The fused op is used rather than the spelled-out
/// <c>DynamicQuantizeLinear → MatMulInteger → Cast → Mul</c> chain because it is a single kernel that quantizes A,
/// runs the integer GEMM on pre-packed weights and rescales (+ bias) in one pass; ORT's own optimizer fuses the chain
/// into it anyway, so emitting it directly keeps the model fast even with graph optimizations off.
/// </para>
/// <para>
/// A <c>Conv</c> (any rank, group, padding or stride) with a constant float weight and an absent or
/// constant bias becomes <c>DynamicQuantizeLinear → ConvInteger → Cast → Mul(x_scale × w_scale) [→ Add(bias)]</c>,
/// with the same symmetric int8 weights, per output channel or per tensor (ORT has no fused dynamic Conv kernel).
/// Convs reading the same activation share one <c>DynamicQuantizeLinear</c>.
/// </para>
/// <para>
/// An <c>LSTM</c> with constant W and R becomes <c>com.microsoft.DynamicQuantizeLSTM</c> (see <see cref="Internal.DynamicLstm"/>).
/// GRU and RNN stay float with their reason: ORT has no dynamically quantized kernel for them. Every MatMul, Gemm,
/// Conv, LSTM, GRU or RNN left in float is listed in the report's <c>Skipped</c> with why.
/// </para>
/// The model is changed in place; all checks happen before the first edit, so a failure leaves it untouched.
/// </summary>
public static class DynamicQuantizer
{
    /// <summary>The operators this quantizer knows how to replace.</summary>
    public static IReadOnlyList<string> SupportedOpTypes { get; } = ["MatMul", "Gemm", "Conv", "LSTM"];

    /// <summary>Quantizes every eligible node of <paramref name="model"/> in place, inside control-flow bodies too.</summary>
    /// <exception cref="UsageException">An option names an unknown node or operator, or nothing is quantizable.</exception>
    public static DynamicQuantizationReport Quantize(Model model, DynamicQuantizationOptions? options = null)
    {
        var report = QuantizeEligible(model, options);
        if (report.Quantized.Count == 0) ThrowHelper.Usage(NothingToQuantize + SkippedNodes.Suffix(report.LeftInFloat));
        return report;
    }

    /// <summary>
    /// <see cref="Quantize"/> without its nothing-to-quantize error: when no node is eligible the model is left
    /// untouched and the report lists every candidate with its reason (static int8 uses it for LSTMs).
    /// </summary>
    internal static DynamicQuantizationReport QuantizeEligible(Model model, DynamicQuantizationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= DynamicQuantizationOptions.Default;
        var graph = model.Graph;
        foreach (var op in options.OpTypes)
            if (!SupportedOpTypes.Contains(op, StringComparer.Ordinal))
                ThrowHelper.Usage($"cannot dynamically quantize operator '{op}': supported operators are {string.Join(", ", SupportedOpTypes)}");
        var excluded = NodeSelection.Excluded(graph, options.ExcludedNodes);

        // Every check runs before the first edit; the rewrites are queued in graph order and run afterwards.
        // Nodes inside If/Loop/Scan bodies are visited too, each rewritten in its own body.
        var names = new NameGenerator(model);
        using var computed = new ComputedWeights(model);
        var convRewriter = new DynamicConv.Rewriter(names);
        var rewrites = new List<Func<QuantizedWeight>>();
        var needsMicrosoftDomain = false;
        var skipped = new List<ExcludedNode>();
        foreach (var node in WeightScope.AllNodes(graph))
        {
            if (!node.IsOnnxDomain) continue;
            if (DynamicLstm.HasNoKernel(node.OpType))
            {
                skipped.Add(SkippedNodes.Of(node, DynamicLstm.NoKernelReason(node.OpType)));
                continue;
            }
            if (!options.OpTypes.Contains(node.OpType, StringComparer.Ordinal)) continue;
            if (!IsFullyConnectedCandidate(node) && !DynamicConv.IsCandidate(node) && node.OpType != "LSTM")
            {
                skipped.Add(SkippedNodes.Of(node, NotConstantReason(node)));
                continue;
            }
            if (excluded.Contains(node.Name))
            {
                skipped.Add(SkippedNodes.Excluded(node));
                continue;
            }
            string reason;
            if (node.OpType == "LSTM")
            {
                if (DynamicLstm.TryPlan(node, options.PerChannel, computed, out reason) is { } lstmPlan)
                {
                    rewrites.Add(() => DynamicLstm.Apply(lstmPlan, names));
                    needsMicrosoftDomain = true;
                    continue;
                }
            }
            else if (node.OpType == "Conv")
            {
                if (DynamicConv.TryPlan(model, node, options.PerChannel, out reason) is { } convPlan)
                {
                    rewrites.Add(() => convRewriter.Apply(convPlan));
                    continue;
                }
            }
            else if (TryPlan(node, options.PerChannel, out reason) is { } plan)
            {
                rewrites.Add(() => Apply(names, plan));
                needsMicrosoftDomain = true;
                continue;
            }
            skipped.Add(SkippedNodes.Of(node, reason));
        }

        if (needsMicrosoftDomain) MicrosoftDomain.Import(model);
        var quantized = rewrites.Select(rewrite => rewrite()).ToList();
        return DynamicQuantizationReport.Create(quantized, skipped);
    }

    private const string NothingToQuantize = "no MatMul, Gemm, Conv or LSTM with constant weights to quantize";

    /// <summary>Why a MatMul, Gemm or Conv without a constant float weight cannot be quantized here.</summary>
    private static string NotConstantReason(Node node) => node.OpType switch
    {
        "Conv" => $"its weight '{node.Inputs.ElementAtOrDefault(1)?.Name}' is not a constant float tensor",
        _ => WeightScope.NoMatrixWeightReason(node),
    };

    private static bool IsFullyConnectedCandidate(Node node) => node.OpType is "MatMul" or "Gemm" && WeightScope.HasMatrixWeight(node);

    private sealed record Plan(Node Node, Value Weight, int K, int N, sbyte[] Weights, float[] Scales, float[]? Bias, long FloatBytes);

    private static Plan? TryPlan(Node node, bool perChannel, out string reason)
    {
        reason = "";
        var weightValue = node.Inputs[1]!;
        var tensor = GraphQueries.TryGetConstant(weightValue)!;
        var rows = checked((int)tensor.Dims[0]);
        var cols = checked((int)tensor.Dims[1]);
        var w = tensor.ToSingleArray();
        long floatBytes = (long)w.Length * sizeof(float);
        float[]? bias = null;
        int k = rows, n = cols;

        if (node.OpType == "Gemm")
        {
            var attrs = node.Attributes;
            if (attrs.GetInt("transA", 0) != 0)
            {
                reason = "Gemm with transA = 1 is left in float";
                return null;
            }
            if (attrs.GetInt("transB", 0) != 0)
            {
                w = QuantMath.Transpose(w, rows, cols);
                (k, n) = (cols, rows);
            }
            var alpha = attrs.GetFloat("alpha", 1f);
            if (alpha != 1f)
                for (var i = 0; i < w.Length; i++) w[i] *= alpha;
            if (node.Inputs.ElementAtOrDefault(2) is { } c)
            {
                if (GraphQueries.TryGetConstant(c) is not { DataType: DataType.Float } ct || (ct.ElementCount != n && ct.ElementCount != 1)
                    || (ct.ElementCount == n && ct.Dims.Count == 2 && ct.Dims[0] != 1))
                {
                    reason = $"its C input '{c.Name}' is not a constant float bias of {n} elements";
                    return null;
                }
                var beta = attrs.GetFloat("beta", 1f);
                var cv = ct.ToSingleArray();
                bias = new float[n];
                for (var j = 0; j < n; j++) bias[j] = beta * cv[cv.Length == 1 ? 0 : j];
                floatBytes += (long)cv.Length * sizeof(float);
            }
        }

        var scales = new float[perChannel ? n : 1];
        var q = new sbyte[w.Length];
        if (perChannel)
        {
            // Columns of a row-major [K, N] matrix are strided; gather each once.
            var column = new float[k];
            for (var j = 0; j < n; j++)
            {
                for (var i = 0; i < k; i++) column[i] = w[i * n + j];
                scales[j] = QuantMath.SymmetricScale(column, 127);
                for (var i = 0; i < k; i++) q[i * n + j] = (sbyte)QuantMath.RoundClamp(column[i] / scales[j], -127, 127);
            }
        }
        else
        {
            scales[0] = QuantMath.SymmetricScale(w, 127);
            QuantMath.QuantizeInt8Symmetric(w, scales[0], q);
        }
        return new Plan(node, weightValue, k, n, q, scales, bias, floatBytes);
    }

    private static QuantizedWeight Apply(NameGenerator names, Plan plan)
    {
        var node = plan.Node;
        var graph = node.Graph!;
        var baseName = plan.Weight.Name;
        var weight = GraphQueries.AddInitializer(graph, names, baseName + "_quantized", Tensor.Create<sbyte>("w", plan.Weights, plan.K, plan.N));
        var scale = GraphQueries.AddInitializer(graph, names, baseName + "_scale",
            plan.Scales.Length == 1 ? Tensor.Scalar("s", plan.Scales[0]) : Tensor.Create<float>("s", plan.Scales, plan.N));
        var bias = plan.Bias is null ? null : GraphQueries.AddInitializer(graph, names, baseName + "_bias", Tensor.Create<float>("b", plan.Bias, plan.N));

        var output = names.NewValue(node.Outputs[0].Name + "_dynamic_quantized", node.Outputs[0].Type);
        Value?[] inputs = bias is null ? [node.Inputs[0], weight, scale] : [node.Inputs[0], weight, scale, null, bias];
        var fused = new Node("DynamicQuantizeMatMul", inputs, [output], MicrosoftDomain.Name,
            names.Fresh((node.Name.Length > 0 ? node.Name : node.OpType) + "_dynamic_quantized"));
        graph.InsertBefore(node, fused);
        var replaced = node.Inputs.Where(v => v is not null).Select(v => v!).ToList();
        GraphQueries.RemoveNodeAndRewire(node, output);
        WeightScope.RemoveUnused(replaced);

        var quantizedBytes = plan.Weights.Length + (long)plan.Scales.Length * sizeof(float) + (plan.Bias?.Length ?? 0) * (long)sizeof(float);
        return new QuantizedWeight(NodeSelection.NameOf(node), node.OpType, baseName, plan.K, plan.N, plan.FloatBytes, quantizedBytes);
    }
}
