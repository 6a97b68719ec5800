namespace EdgeOpt.Onnx.Inference;

/// <summary>Shape, Size and Cast: ops whose outputs feed shape arithmetic, so their values are tracked too.</summary>
internal static class ShapeValueInference
{
    /// <summary>Shape (with start/end from opset 15): int64 [n], value = the dims, symbols included.</summary>
    public static void Shape(InferenceContext ctx)
    {
        var x = ctx.InputType(0).Shape;
        if (x is null)
        {
            ctx.SetOutput(0, DataType.Int64, [Dim.Unknown]);
            throw new InferenceFailure($"input '{ctx.Input(0)!.Name}' has unknown rank");
        }
        var start = ctx.Int("start", 0);
        var end = ctx.Int("end", x.Rank);
        start = Math.Clamp(start < 0 ? start + x.Rank : start, 0, x.Rank);
        end = Math.Clamp(end < 0 ? end + x.Rank : end, 0, x.Rank);
        var dims = x.Skip((int)start).Take((int)Math.Max(end - start, 0)).ToArray();
        ctx.SetOutput(0, DataType.Int64, [dims.Length]);
        ctx.SetOutputValues(0, dims);
    }

    /// <summary>Size: int64 scalar, value = element count.</summary>
    public static void Size(InferenceContext ctx)
    {
        ctx.SetOutput(0, DataType.Int64, []);
        if (ctx.InputType(0).Shape is { } s) ctx.SetOutputValues(0, [DimMath.Product(s)]);
    }

    /// <summary>Cast: element type from <c>to</c>; tracked integer values stay tracked (they are exact in any numeric type).</summary>
    public static void Cast(InferenceContext ctx)
    {
        var to = (DataType)ctx.Int("to", 0);
        if (to == DataType.Undefined) throw new InferenceFailure("Cast has no 'to' attribute");
        ctx.SetOutput(0, to, ctx.InputType(0).Shape);
        if (to != DataType.String && ctx.Values(0) is { } v)
            ctx.SetOutputValues(0, to != DataType.Bool ? v : [.. v.Select(d => d.Value is { } x ? Dim.Of(x != 0 ? 1 : 0) : Dim.Unknown)]);
    }

    /// <summary>CastLike: element type of the second input.</summary>
    public static void CastLike(InferenceContext ctx) => ctx.SetOutput(0, ctx.ElementType(1), ctx.InputType(0).Shape);
}
