namespace EdgeOpt.Onnx.Inference;

/// <summary>Same-shape unary ops and multidirectionally broadcasting binary/variadic ops, with int value tracking for shape math.</summary>
internal static class ElementwiseInference
{
    /// <summary>Output 0 has input 0's type and shape (activations, Softmax, normalizations...).</summary>
    public static void SameAsInput(InferenceContext ctx) => ctx.PassThrough(0);

    /// <summary>Neg: same shape; negates tracked values (LayerNormalization's expansion computes axes this way).</summary>
    public static void Neg(InferenceContext ctx)
    {
        ctx.PassThrough(0);
        if (ctx.Values(0) is { } v) ctx.SetOutputValues(0, v.Select(d => DimMath.Map(d, x => -x)).ToArray());
    }

    /// <summary>Same shape, bool elements (Not, IsNaN, IsInf).</summary>
    public static void SameShapeBool(InferenceContext ctx)
    {
        ctx.SetOutput(0, DataType.Bool, ctx.InputType(0).Shape);
        // Not of a tracked condition stays tracked (an If on it then knows its branch).
        if (ctx.Node.OpType == "Not" && ctx.Values(0) is { } v && v.All(d => d.Value is 0 or 1))
            ctx.SetOutputValues(0, [.. v.Select(d => Dim.Of(1 - d.Value!.Value))]);
    }

    /// <summary>Identity also forwards tracked values, so shape subgraphs survive it.</summary>
    public static void Identity(InferenceContext ctx)
    {
        ctx.PassThrough(0);
        if (ctx.Values(0) is { } v) ctx.SetOutputValues(0, v);
    }

    /// <summary>Add, Mul, Pow, Max, Sum, ...: the type of the first input, broadcast shape of all inputs.</summary>
    public static void Broadcast(InferenceContext ctx)
    {
        ctx.SetOutput(0, FirstKnownType(ctx, 0), BroadcastShape(ctx, 0));
        TrackArithmetic(ctx);
    }

    /// <summary>Equal, Less, And, ...: bool output, broadcast shape.</summary>
    public static void Comparison(InferenceContext ctx)
    {
        ctx.SetOutput(0, DataType.Bool, BroadcastShape(ctx, 0));
        TrackComparison(ctx);
    }

    /// <summary>Equal/Less/Greater/...(OrEqual) of tracked values, as 1/0: e.g. "is this dim 1", the exporters' If condition.</summary>
    private static void TrackComparison(InferenceContext ctx)
    {
        if (ctx.InputCount != 2 || ctx.Values(0) is not { } a || ctx.Values(1) is not { } b) return;
        if (a.Length != b.Length && a.Length != 1 && b.Length != 1) return;
        Func<long, long, bool>? test = ctx.Node.OpType switch
        {
            "Equal" => (x, y) => x == y,
            "Less" => (x, y) => x < y,
            "Greater" => (x, y) => x > y,
            "LessOrEqual" => (x, y) => x <= y,
            "GreaterOrEqual" => (x, y) => x >= y,
            _ => null,
        };
        if (test is null) return;
        var n = Math.Max(a.Length, b.Length);
        var result = new Dim[n];
        for (var i = 0; i < n; i++)
        {
            var (x, y) = (a[a.Length == 1 ? 0 : i], b[b.Length == 1 ? 0 : i]);
            result[i] = x.Value is { } p && y.Value is { } q ? (test(p, q) ? 1 : 0)
                // The same symbol is the same size.
                : ctx.Node.OpType == "Equal" && x.Symbol is { } sx && sx == y.Symbol ? 1
                : Dim.Unknown;
        }
        ctx.SetOutputValues(0, result);
    }

    /// <summary>Where(cond, x, y): x's type, broadcast of all three.</summary>
    public static void Where(InferenceContext ctx) => ctx.SetOutput(0, FirstKnownType(ctx, 1), BroadcastShape(ctx, 0));

    /// <summary>PRelu: x's type and shape (the slope broadcasts to x).</summary>
    public static void PRelu(InferenceContext ctx) => ctx.PassThrough(0);

    /// <summary>Dropout: output 0 like the input; the optional mask has the same shape, bool from opset 10 (the input type before).</summary>
    public static void Dropout(InferenceContext ctx)
    {
        ctx.PassThrough(0);
        if (ctx.HasOutput(1)) ctx.SetOutput(1, ctx.Opset >= 10 ? DataType.Bool : ctx.ElementType(0), ctx.InputType(0).Shape);
    }

    private static DataType FirstKnownType(InferenceContext ctx, int from)
    {
        for (var i = from; i < ctx.InputCount; i++)
            if (ctx.HasInput(i) && ctx.Input(i)!.ElementType is { } t && t != DataType.Undefined) return t;
        return ctx.ElementType(from);
    }

    private static TensorShape BroadcastShape(InferenceContext ctx, int from)
    {
        var shapes = new List<TensorShape>();
        for (var i = from; i < ctx.InputCount; i++)
            if (ctx.HasInput(i)) shapes.Add(ctx.Shape(i));
        if (shapes.Count == 0) throw new InferenceFailure("no inputs");
        return DimMath.Broadcast(shapes);
    }

    /// <summary>Add/Sub/Mul/Div on tracked shape vectors (e.g. batch * seq, or H / 2) so Reshape targets resolve.</summary>
    private static void TrackArithmetic(InferenceContext ctx)
    {
        if (ctx.InputCount != 2 || ctx.Values(0) is not { } a || ctx.Values(1) is not { } b) return;
        if (a.Length != b.Length && a.Length != 1 && b.Length != 1) return;
        var integer = !ctx.ElementType(0).IsFloatingPoint();
        Func<Dim, Dim, Dim>? op = ctx.Node.OpType switch
        {
            "Add" => DimMath.Add,
            "Mul" => DimMath.Multiply,
            "Sub" => (x, y) => Known(x, y, (p, q) => p - q),
            "Max" => (x, y) => Known(x, y, Math.Max),
            "Min" => (x, y) => Known(x, y, Math.Min),
            // Integer division truncates; a float quotient of tracked integers is only tracked when exact.
            "Div" when integer => (x, y) => y.Value is { } q && q != 0 ? (x.Value is { } p ? p / q : DimMath.Divide(x, y)) : Dim.Unknown,
            "Div" => (x, y) => x.Value is { } p && y.Value is { } q && q != 0 && p % q == 0 ? p / q : Dim.Unknown,
            _ => null,
        };
        if (op is null) return;
        var n = Math.Max(a.Length, b.Length);
        var result = new Dim[n];
        for (var i = 0; i < n; i++) result[i] = op(a[a.Length == 1 ? 0 : i], b[b.Length == 1 ? 0 : i]);
        ctx.SetOutputValues(0, result);

        static Dim Known(Dim x, Dim y, Func<long, long, long> f) => x.Value is { } p && y.Value is { } q ? f(p, q) : Dim.Unknown;
    }
}
