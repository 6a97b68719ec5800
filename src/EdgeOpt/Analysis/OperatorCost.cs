using EdgeOpt.Onnx;

namespace EdgeOpt.Analysis;

/// <summary>The estimated cost of one node, or why it could not be estimated.</summary>
internal readonly record struct NodeCost(long Macs, long Flops, string? NotCountedReason)
{
    public bool IsCounted => NotCountedReason is null;
    public static NodeCost Of(long macs, long flops) => new(macs, flops, null);
    public static NodeCost NotCounted(string reason) => new(0, 0, reason);
}

/// <summary>
/// Per-node arithmetic cost. One MAC is a multiply-accumulate; one FLOP is one add, multiply, compare, divide or
/// elementary function. Rules (E = output elements unless stated):
/// <list type="bullet">
/// <item>Conv (ConvInteger, QLinearConv): MACs = N·Cout·Hout·Wout·(Cin/group)·kH·kW (any spatial rank), i.e. E × the
/// weight's elements per output channel; FLOPs = 2·MACs + E when a bias is given.</item>
/// <item>ConvTranspose: MACs = N·Cin·Hin·Win·(Cout/group)·kH·kW (input elements × weight elements per input channel);
/// FLOPs = 2·MACs + E with bias.</item>
/// <item>MatMul (MatMulInteger, QLinearMatMul): MACs = M·N·K, batched (E·K); Gemm: M·N·K, FLOPs = 2·MACs + M·N with C.</item>
/// <item>RNN/GRU/LSTM: MACs = seq·batch·(elements of W + elements of R) (all gates and directions); FLOPs = 2·MACs
/// (gate activations and bias adds are not added).</item>
/// <item>No MACs, FLOPs only: elementwise and activations 1·E (variadic Sum/Max/Min: inputs−1 per element, Mean: inputs);
/// BatchNormalization 2·E (precomputed scale and shift); Instance/Layer/Group/MeanVariance normalization 8·E;
/// LpNormalization 3·E, RMSNormalization 4·E; Softmax and LogSoftmax 5·E (max, subtract, exp, sum, divide);
/// Max/Average/LpPool E·kernel; global pooling, Reduce* and ArgMax/ArgMin one per input element; Resize and Upsample 1·E;
/// QuantizeLinear 3·E, DequantizeLinear 2·E.</item>
/// <item>Data movement and metadata ops (Reshape, Transpose, Concat, Gather, Slice, Pad, Cast, Shape, Constant ...) cost 0.</item>
/// </list>
/// Nodes without a rule (custom domains, control flow, Einsum ...) or whose shapes do not resolve are "not counted".
/// </summary>
internal static class OperatorCost
{
    private static readonly HashSet<string> DataMovement = new(StringComparer.Ordinal)
    {
        "Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Split", "Slice", "Gather",
        "GatherElements", "GatherND", "Shape", "Size", "Constant", "ConstantOfShape", "Cast", "CastLike", "Expand", "Tile",
        "Pad", "DepthToSpace", "SpaceToDepth", "Dropout", "ScatterND", "ScatterElements", "Scatter", "Compress", "NonZero",
        "OneHot", "Range", "EyeLike", "Trilu", "ReverseSequence", "Optional", "OptionalGetElement", "OptionalHasElement",
        "SequenceAt", "SequenceConstruct", "SequenceEmpty", "SequenceErase", "SequenceInsert", "SequenceLength",
        "SplitToSequence", "ConcatFromSequence", "CenterCropPad",
    };

    private static readonly HashSet<string> Unary = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Abs", "Neg", "Reciprocal", "Floor", "Ceil",
        "Round", "Sign", "Erf", "Elu", "Selu", "Celu", "HardSigmoid", "HardSwish", "Softplus", "Softsign", "ThresholdedRelu",
        "Shrink", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Not", "IsNaN",
        "IsInf", "Gelu", "Mish", "Swish", "Clip", "BitwiseNot", "Hardmax", "Resize", "Upsample", "Where",
    };

    private static readonly HashSet<string> Binary = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or",
        "Xor", "BitShift", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "Sum", "Max", "Min", "Mean",
    };

    private static readonly HashSet<string> Reductions = new(StringComparer.Ordinal)
    {
        "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd",
        "ReduceSum", "ReduceSumSquare", "ArgMax", "ArgMin", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool",
    };

    public static NodeCost Estimate(Node node, ShapeResolver shapes)
    {
        if (!node.IsOnnxDomain) return NodeCost.NotCounted($"no cost rule for custom op {node.Domain}.{node.OpType}");
        if (node.OpType is "If" or "Loop" or "Scan" or "SequenceMap")
            return NodeCost.NotCounted("control flow: its body's cost depends on the branch or trip count at run time");
        if (DataMovement.Contains(node.OpType)) return NodeCost.Of(0, 0);
        try
        {
            return node.OpType switch
            {
                "Conv" => Conv(node, shapes, weightIndex: 1, biasIndex: 2),
                "ConvInteger" => Conv(node, shapes, weightIndex: 1, biasIndex: -1),
                "QLinearConv" => Conv(node, shapes, weightIndex: 3, biasIndex: 8),
                "ConvTranspose" => ConvTranspose(node, shapes),
                "MatMul" or "MatMulInteger" or "QLinearMatMul" => MatMul(node, shapes),
                "Gemm" => Gemm(node, shapes),
                "RNN" or "GRU" or "LSTM" => Recurrent(node, shapes),
                "BatchNormalization" => PerOutputElement(node, shapes, 2),
                "InstanceNormalization" or "LayerNormalization" or "GroupNormalization" or "MeanVarianceNormalization"
                    => PerOutputElement(node, shapes, 8),
                "LpNormalization" => PerOutputElement(node, shapes, 3),
                "RMSNormalization" => PerOutputElement(node, shapes, 4),
                "Softmax" or "LogSoftmax" => PerOutputElement(node, shapes, 5),
                "QuantizeLinear" => PerOutputElement(node, shapes, 3),
                "DequantizeLinear" => PerOutputElement(node, shapes, 2),
                "MaxPool" or "AveragePool" or "LpPool" => Pool(node, shapes),
                var op when Unary.Contains(op) => PerOutputElement(node, shapes, 1),
                var op when Binary.Contains(op) => PerOutputElement(node, shapes, op switch
                {
                    "Sum" or "Max" or "Min" => Math.Max(0, PresentInputs(node) - 1),
                    "Mean" => PresentInputs(node),
                    _ => 1,
                }),
                var op when Reductions.Contains(op) => PerInputElement(node, shapes),
                _ => NodeCost.NotCounted($"no cost rule for {node.OpType}"),
            };
        }
        catch (OverflowException)
        {
            return NodeCost.NotCounted("cost overflows a 64-bit count");
        }
    }

    private static NodeCost Conv(Node node, ShapeResolver shapes, int weightIndex, int biasIndex)
    {
        if (Resolve(shapes, node.Outputs[0], out var y) is { } r1) return r1;
        if (Resolve(shapes, Input(node, weightIndex), out var w) is { } r2) return r2;
        if (w.Length < 2) return NodeCost.NotCounted($"weight of {node.OpType} has rank {w.Length}");
        var outputs = ShapeResolver.Product(y);
        var macs = checked(outputs * ShapeResolver.Product(w.AsSpan(1)));
        var bias = biasIndex >= 0 && Input(node, biasIndex) is not null ? outputs : 0;
        return NodeCost.Of(macs, checked(2 * macs + bias));
    }

    private static NodeCost ConvTranspose(Node node, ShapeResolver shapes)
    {
        if (Resolve(shapes, Input(node, 0), out var x) is { } r1) return r1;
        if (Resolve(shapes, Input(node, 1), out var w) is { } r2) return r2;
        if (w.Length < 2) return NodeCost.NotCounted($"weight of ConvTranspose has rank {w.Length}");
        var macs = checked(ShapeResolver.Product(x) * ShapeResolver.Product(w.AsSpan(1)));
        long bias = 0;
        if (Input(node, 2) is not null)
        {
            if (Resolve(shapes, node.Outputs[0], out var y) is { } r3) return r3;
            bias = ShapeResolver.Product(y);
        }
        return NodeCost.Of(macs, checked(2 * macs + bias));
    }

    private static NodeCost MatMul(Node node, ShapeResolver shapes)
    {
        if (Resolve(shapes, node.Outputs[0], out var y) is { } r1) return r1;
        if (Resolve(shapes, Input(node, 0), out var a) is { } r2) return r2;
        if (a.Length == 0) return NodeCost.NotCounted($"{node.OpType} input A is a scalar");
        // K is A's last dim; the output holds every (batch, M, N) so MACs = outputs·K.
        var macs = checked(ShapeResolver.Product(y) * a[^1]);
        return NodeCost.Of(macs, checked(2 * macs));
    }

    private static NodeCost Gemm(Node node, ShapeResolver shapes)
    {
        if (Resolve(shapes, node.Outputs[0], out var y) is { } r1) return r1;
        if (Resolve(shapes, Input(node, 0), out var a) is { } r2) return r2;
        if (a.Length != 2) return NodeCost.NotCounted($"Gemm input A has rank {a.Length}, expected 2");
        var k = node.Attributes.GetInt("transA", 0) != 0 ? a[0] : a[1];
        var mn = ShapeResolver.Product(y);
        var macs = checked(mn * k);
        return NodeCost.Of(macs, checked(2 * macs + (Input(node, 2) is not null ? mn : 0)));
    }

    private static NodeCost Recurrent(Node node, ShapeResolver shapes)
    {
        if (Resolve(shapes, Input(node, 0), out var x) is { } r1) return r1;
        if (Resolve(shapes, Input(node, 1), out var w) is { } r2) return r2;
        if (Resolve(shapes, Input(node, 2), out var r) is { } r3) return r3;
        if (x.Length != 3) return NodeCost.NotCounted($"{node.OpType} input X has rank {x.Length}, expected 3");
        // X is [seq, batch, input] (layout 0) or [batch, seq, input]; either way seq·batch steps.
        var steps = checked(x[0] * x[1]);
        var macs = checked(steps * (ShapeResolver.Product(w) + ShapeResolver.Product(r)));
        return NodeCost.Of(macs, checked(2 * macs));
    }

    private static NodeCost Pool(Node node, ShapeResolver shapes)
    {
        if (node.Attributes.GetInts("kernel_shape") is not { } kernel) return NodeCost.NotCounted($"{node.OpType} has no kernel_shape");
        if (Resolve(shapes, node.Outputs[0], out var y) is { } r) return r;
        return NodeCost.Of(0, checked(ShapeResolver.Product(y) * ShapeResolver.Product(kernel)));
    }

    private static NodeCost PerOutputElement(Node node, ShapeResolver shapes, long perElement)
    {
        if (Resolve(shapes, node.Outputs[0], out var y) is { } r) return r;
        return NodeCost.Of(0, checked(ShapeResolver.Product(y) * perElement));
    }

    private static NodeCost PerInputElement(Node node, ShapeResolver shapes)
    {
        if (Resolve(shapes, Input(node, 0), out var x) is { } r) return r;
        return NodeCost.Of(0, ShapeResolver.Product(x));
    }

    private static Value? Input(Node node, int index) =>
        index < node.Inputs.Count && node.Inputs[index] is { Name.Length: > 0 } v ? v : null;

    private static int PresentInputs(Node node) => node.Inputs.Count(v => v is { Name.Length: > 0 });

    // Null when resolved; otherwise the "not counted" cost naming what is missing.
    private static NodeCost? Resolve(ShapeResolver shapes, Value? value, out long[] dims)
    {
        var resolved = shapes.Dims(value, out var reason);
        dims = resolved ?? [];
        return resolved is null ? NodeCost.NotCounted(reason!) : null;
    }
}
