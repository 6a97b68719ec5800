namespace EdgeOpt.Onnx.Inference;

/// <summary>BatchNormalization and LayerNormalization with their optional statistics outputs.</summary>
internal static class NormalizationInference
{
    /// <summary>Y like X; running/saved mean and variance (training outputs) like the scale, i.e. [C].</summary>
    public static void BatchNormalization(InferenceContext ctx)
    {
        ctx.PassThrough(0);
        var x = ctx.InputType(0);
        var channels = ctx.HasInput(1) && ctx.Input(1)!.Shape is { Rank: 1 } s ? s
            : x.Shape is { Rank: > 1 } xs ? new TensorShape(xs[1]) : null;
        for (var i = 1; i < ctx.OutputCount; i++)
            ctx.SetOutput(i, ctx.HasInput(i <= 2 ? 3 : 1) ? ctx.ElementType(i <= 2 ? 3 : 1) : x.ElementType, channels);
    }

    /// <summary>Y like X; Mean and InvStdDev keep X's dims before <c>axis</c> and are 1 from there (stash_type float).</summary>
    public static void LayerNormalization(InferenceContext ctx)
    {
        ctx.PassThrough(0);
        if (!ctx.HasOutput(1) && !ctx.HasOutput(2)) return;
        var x = ctx.Shape(0);
        var axis = DimMath.Axis(ctx.Int("axis", -1), x.Rank);
        var stats = x.Select((d, i) => i < axis ? d : Dim.Of(1)).ToArray();
        var stash = (DataType)ctx.Int("stash_type", (long)DataType.Float);
        ctx.SetOutput(1, stash, stats);
        ctx.SetOutput(2, stash, stats);
    }
}
