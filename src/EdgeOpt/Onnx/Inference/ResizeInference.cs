namespace EdgeOpt.Onnx.Inference;

/// <summary>Resize (opset 10+) and Upsample: output dims from constant sizes, or floor(dim * scale).</summary>
internal static class ResizeInference
{
    public static void Resize(InferenceContext ctx)
    {
        var x = ctx.Shape(0);
        // Opset 10: (X, scales). Opset 11+: (X, roi, scales, sizes).
        var scalesInput = ctx.Opset < 11 ? 1 : 2;
        var axes = ctx.Ints("axes")?.Select(a => DimMath.Axis(a, x.Rank)).ToArray() ?? Enumerable.Range(0, x.Rank).ToArray();
        if (ctx.Opset >= 11 && ctx.HasInput(3))
        {
            var sizes = ctx.Values(3) ?? throw Partial(ctx, x, "sizes are not constant");
            if (sizes.Length != axes.Length) throw new InferenceFailure($"{sizes.Length} sizes for {axes.Length} axes");
            var policy = ctx.String("keep_aspect_ratio_policy") ?? "stretch";
            var dims = x.ToArray<Dim>();
            if (policy == "stretch")
            {
                for (var k = 0; k < axes.Length; k++) dims[axes[k]] = sizes[k];
            }
            else
            {
                // not_larger / not_smaller: one scale for all axes, then round.
                var scales = axes.Select((a, k) => x[a].Value is { } d && sizes[k].Value is { } s ? (double)s / d : double.NaN).ToArray();
                var scale = policy == "not_larger" ? scales.Min() : scales.Max();
                foreach (var a in axes) dims[a] = double.IsNaN(scale) ? Dim.Unknown : DimMath.Map(x[a], d => (long)Math.Round(d * scale));
            }
            ctx.SetOutput(0, ctx.ElementType(0), dims);
            return;
        }
        ApplyScales(ctx, x, axes, ctx.ConstantTensor(scalesInput) ?? throw Partial(ctx, x, "scales are not constant"));
    }

    /// <summary>Upsample: scales attribute (opset 7-8) or input (opset 9).</summary>
    public static void Upsample(InferenceContext ctx)
    {
        var x = ctx.Shape(0);
        var axes = Enumerable.Range(0, x.Rank).ToArray();
        if (ctx.Node.Attributes.GetFloats("scales") is { } attr)
            ApplyScales(ctx, x, axes, Tensor.Create("scales", attr, attr.Length));
        else if (ctx.Node.Attributes.GetFloat("height_scale", 0) is var h and > 0)
            ApplyScales(ctx, x, axes, Tensor.Create("scales", [1f, 1f, h, ctx.Float("width_scale", 1)], 4));
        else ApplyScales(ctx, x, axes, ctx.ConstantTensor(1) ?? throw Partial(ctx, x, "scales are not constant"));
    }

    private static void ApplyScales(InferenceContext ctx, TensorShape x, int[] axes, Tensor scalesTensor)
    {
        var scales = scalesTensor.ToSingleArray();
        if (scales.Length == 0) throw Partial(ctx, x, "neither scales nor sizes are given");
        if (scales.Length != axes.Length) throw new InferenceFailure($"{scales.Length} scales for {axes.Length} axes");
        var dims = x.ToArray<Dim>();
        for (var k = 0; k < axes.Length; k++)
        {
            var s = scales[k];
            dims[axes[k]] = s == 1f ? x[axes[k]] : DimMath.Map(x[axes[k]], d => (long)Math.Floor(d * (double)s));
        }
        ctx.SetOutput(0, ctx.ElementType(0), dims);
    }

    private static InferenceFailure Partial(InferenceContext ctx, TensorShape x, string reason)
    {
        ctx.SetOutput(0, ctx.ElementType(0), new Dim[x.Rank]);
        return new InferenceFailure(reason);
    }
}
