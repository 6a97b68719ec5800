namespace EdgeOpt.Onnx.Inference;

/// <summary>If and Loop: outputs from their (already inferred) bodies.</summary>
internal static class ControlFlowInference
{
    /// <summary>If: each output is what both branches agree on (dims that differ become unknown).</summary>
    public static void If(InferenceContext ctx)
    {
        var then = ctx.Node.Attributes["then_branch"]?.Value as Graph ?? throw new InferenceFailure("then_branch is missing");
        var other = ctx.Node.Attributes["else_branch"]?.Value as Graph ?? throw new InferenceFailure("else_branch is missing");
        for (var i = 0; i < ctx.OutputCount && i < then.Outputs.Count && i < other.Outputs.Count; i++)
        {
            if (then.Outputs[i].Type is not TensorType a || other.Outputs[i].Type is not TensorType b) continue;
            TensorShape? shape = a.Shape is { } sa && b.Shape is { } sb && sa.Rank == sb.Rank
                ? new TensorShape(sa.Zip(sb, (x, y) => x == y ? x : Dim.Unknown))
                : null;
            ctx.SetOutput(i, a.ElementType != DataType.Undefined ? a.ElementType : b.ElementType, shape);
        }
    }

    /// <summary>Loop: carried values keep the body's types; scan outputs get a leading iteration dim.</summary>
    public static void Loop(InferenceContext ctx)
    {
        var body = ctx.Node.Attributes["body"]?.Value as Graph ?? throw new InferenceFailure("body is missing");
        var carried = ctx.InputCount - 2;
        for (var i = 0; i < ctx.OutputCount && i + 1 < body.Outputs.Count; i++)
        {
            if (body.Outputs[i + 1].Type is not TensorType t) continue;
            var shape = i < carried ? t.Shape : t.Shape is { } s ? new TensorShape(s.Prepend(Dim.Unknown)) : null;
            ctx.SetOutput(i, t.ElementType, shape);
        }
    }
}
