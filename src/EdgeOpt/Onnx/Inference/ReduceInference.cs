namespace EdgeOpt.Onnx.Inference;

/// <summary>Reductions (ReduceMean, ReduceSum, ...), ArgMax/ArgMin and TopK.</summary>
internal static class ReduceInference
{
    /// <summary>Axes from the attribute or, from opset 18 (13 for ReduceSum), the optional input; none means all axes.</summary>
    public static void Reduce(InferenceContext ctx)
    {
        var x = ctx.Shape(0);
        var inputFrom = ctx.Node.OpType == "ReduceSum" ? 13 : 18;
        var axes = ShapeOpsInference.Axes(ctx, "axes", 1, inputFrom);
        var keep = ctx.Int("keepdims", 1) != 0;
        if (axes is { Length: 0 }) axes = null;
        if (axes is null && ctx.Int("noop_with_empty_axes", 0) != 0)
        {
            ctx.PassThrough(0);
            return;
        }
        var reduced = axes?.Select(a => DimMath.Axis(a, x.Rank)).ToHashSet() ?? Enumerable.Range(0, x.Rank).ToHashSet();
        ctx.SetOutput(0, ctx.ElementType(0), Reduced(x, reduced, keep));
    }

    /// <summary>ArgMax, ArgMin: int64 with <c>axis</c> reduced.</summary>
    public static void ArgReduce(InferenceContext ctx)
    {
        var x = ctx.Shape(0);
        var axis = DimMath.Axis(ctx.Int("axis", 0), x.Rank);
        ctx.SetOutput(0, DataType.Int64, Reduced(x, [axis], ctx.Int("keepdims", 1) != 0));
    }

    /// <summary>TopK: values and int64 indices with <c>axis</c> set to K (input from opset 10, attribute before).</summary>
    public static void TopK(InferenceContext ctx)
    {
        var x = ctx.Shape(0);
        var axis = DimMath.Axis(ctx.Int("axis", -1), x.Rank);
        var k = ctx.Opset < 10 ? Dim.Of(ctx.Int("k", 0)) : ctx.Values(1) is [var v] ? v : Dim.Unknown;
        var dims = x.ToArray<Dim>();
        dims[axis] = k;
        ctx.SetOutput(0, ctx.ElementType(0), dims);
        ctx.SetOutput(1, DataType.Int64, dims);
    }

    private static IEnumerable<Dim> Reduced(TensorShape x, HashSet<int> axes, bool keep)
    {
        for (var i = 0; i < x.Rank; i++)
        {
            if (!axes.Contains(i)) yield return x[i];
            else if (keep) yield return 1;
        }
    }
}
