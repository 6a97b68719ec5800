namespace EdgeOpt.Onnx.Inference;

/// <summary>MaxPool, AveragePool, LpPool (windowed) and the global pools.</summary>
internal static class PoolInference
{
    public static void Pool(InferenceContext ctx)
    {
        var input = ctx.Shape(0);
        if (input.Rank < 3) throw new InferenceFailure($"input '{ctx.Input(0)!.Name}' has rank {input.Rank}; pooling needs [N, C, spatial...]");
        var spatial = input.Rank - 2;
        var kernel = ctx.Ints("kernel_shape") ?? throw new InferenceFailure("kernel_shape attribute is missing");
        var window = new ConvInference.Window(ctx, spatial, kernel);
        var ceil = ctx.Int("ceil_mode", 0) != 0;
        var dims = new Dim[input.Rank];
        dims[0] = input[0];
        dims[1] = input[1];
        for (var i = 0; i < spatial; i++) dims[2 + i] = window.Output(i, input[2 + i], ceil);
        ctx.SetOutput(0, ctx.ElementType(0), dims);
        if (ctx.HasOutput(1)) ctx.SetOutput(1, DataType.Int64, dims); // MaxPool indices
    }

    /// <summary>GlobalAveragePool, GlobalMaxPool, GlobalLpPool: [N, C, 1, ...].</summary>
    public static void Global(InferenceContext ctx)
    {
        var input = ctx.Shape(0);
        if (input.Rank < 2) throw new InferenceFailure($"input '{ctx.Input(0)!.Name}' has rank {input.Rank}; global pooling needs [N, C, ...]");
        ctx.SetOutput(0, ctx.ElementType(0), input.Select((d, i) => i < 2 ? d : Dim.Of(1)));
    }
}
