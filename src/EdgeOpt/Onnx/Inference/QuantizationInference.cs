namespace EdgeOpt.Onnx.Inference;

/// <summary>QuantizeLinear / DequantizeLinear / DynamicQuantizeLinear: same shape, element type per ONNX rules.</summary>
internal static class QuantizationInference
{
    /// <summary>The zero point's type; else output_dtype (opset 21); else uint8.</summary>
    public static void QuantizeLinear(InferenceContext ctx)
    {
        var type = ctx.HasInput(2) ? ctx.ElementType(2)
            : ctx.Int("output_dtype", 0) is var t and > 0 ? (DataType)t
            : DataType.UInt8;
        ctx.SetOutput(0, type, ctx.InputType(0).Shape);
    }

    /// <summary>The scale's type (float before opset 19 allowed only float).</summary>
    public static void DequantizeLinear(InferenceContext ctx)
    {
        var type = ctx.Int("output_dtype", 0) is var t and > 0 ? (DataType)t : ctx.ElementType(1);
        ctx.SetOutput(0, type, ctx.InputType(0).Shape);
    }

    /// <summary>y uint8 like x, y_scale float scalar, y_zero_point uint8 scalar.</summary>
    public static void DynamicQuantizeLinear(InferenceContext ctx)
    {
        ctx.SetOutput(0, DataType.UInt8, ctx.InputType(0).Shape);
        ctx.SetOutput(1, DataType.Float, []);
        ctx.SetOutput(2, DataType.UInt8, []);
    }
}
