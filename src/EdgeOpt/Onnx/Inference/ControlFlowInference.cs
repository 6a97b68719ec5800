namespace EdgeOpt.Onnx.Inference;

/// <summary>
/// If, Loop and Scan: body inputs seeded from the parent before the bodies are inferred (outer-scope values need
/// nothing: bodies read the very same <see cref="Value"/>s), and outputs from the inferred bodies.
/// </summary>
internal static class ControlFlowInference
{
    /// <summary>
    /// If: with a condition shape arithmetic knows (e.g. "dim 1 of x is 1" where that dim is known), the taken branch's
    /// types; otherwise what both branches agree on (dims that differ become unknown).
    /// </summary>
    public static void If(InferenceContext ctx)
    {
        var then = ctx.Node.Attributes["then_branch"]?.Value as Graph ?? throw new InferenceFailure("then_branch is missing");
        var other = ctx.Node.Attributes["else_branch"]?.Value as Graph ?? throw new InferenceFailure("else_branch is missing");
        if (ctx.Values(0) is [{ Value: { } taken }])
        {
            var branch = taken != 0 ? then : other;
            for (var i = 0; i < ctx.OutputCount && i < branch.Outputs.Count; i++)
                if (branch.Outputs[i].Type is TensorType t) ctx.SetOutput(i, t.ElementType, t.Shape);
            return;
        }
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

    /// <summary>
    /// Scan: final states keep the body's types; each scan output is the body's per-iteration output with the scanned
    /// length inserted at its <c>scan_output_axes</c> entry (default 0). Opset 8's batched form (inputs after an
    /// optional sequence_lens, every one with a leading batch dim) puts [batch] before states and [batch, length]
    /// before scan outputs.
    /// </summary>
    public static void Scan(InferenceContext ctx)
    {
        var body = ctx.Node.Attributes["body"]?.Value as Graph ?? throw new InferenceFailure("body is missing");
        var batched = ctx.Opset < 9;
        var scanInputs = (int)ctx.Int("num_scan_inputs", 0);
        var first = batched ? 1 : 0;
        var states = ctx.InputCount - first - scanInputs;
        if (states < 0 || scanInputs < 1) throw new InferenceFailure("num_scan_inputs does not fit the inputs");
        var scanned = ctx.Input(first + states)?.Shape;
        var length = batched ? (scanned is { Rank: >= 2 } ? scanned[1] : Dim.Unknown) : ScannedLength(ctx.Node, states, scanInputs);
        var batch = batched ? (ctx.Input(first)?.Shape is { Rank: >= 1 } b ? b[0] : Dim.Unknown) : Dim.Unknown;
        var outputAxes = batched ? null : ctx.Ints("scan_output_axes");
        for (var i = 0; i < ctx.OutputCount && i < body.Outputs.Count; i++)
        {
            if (body.Outputs[i].Type is not TensorType t) continue;
            if (t.Shape is not { } s)
            {
                ctx.SetOutput(i, t.ElementType, (TensorShape?)null);
                continue;
            }
            var dims = s.ToList();
            if (i >= states)
            {
                var k = i - states;
                var axis = outputAxes is not null && k < outputAxes.Length ? outputAxes[k] : 0;
                if (axis < 0) axis += s.Rank + 1;
                dims.Insert((int)Math.Clamp(axis, 0, s.Rank), length);
            }
            if (batched) dims.Insert(0, batch);
            ctx.SetOutput(i, t.ElementType, dims);
        }
    }

    /// <summary>The number of Scan iterations (opset 9+): the first scan input's dim on its scan axis (unknown when its shape is).</summary>
    internal static Dim ScannedLength(Node scan, int states, int scanInputs)
    {
        if (scanInputs < 1 || states >= scan.Inputs.Count || scan.Inputs[states]?.Shape is not { } shape) return Dim.Unknown;
        var axes = scan.Attributes.GetInts("scan_input_axes");
        var axis = axes is { Length: > 0 } ? axes[0] : 0;
        if (axis < 0) axis += shape.Rank;
        return axis >= 0 && axis < shape.Rank ? shape[(int)axis] : Dim.Unknown;
    }

    /// <summary>
    /// Types for a Loop or Scan body's inputs from the parent: Loop's iteration number and condition, then its carried
    /// values as the Loop's initial values; Scan's states as their initial values and each scan input without its scan
    /// axis. Carried values and states may change shape from one iteration to the next, so each seed says which body
    /// output carries it on; the engine keeps only the dims both agree on.
    /// </summary>
    internal static IReadOnlyList<BodySeed> Seeds(Node node, long opset)
    {
        if (!node.IsOnnxDomain || node.Attributes["body"]?.Value is not Graph body) return [];
        var seeds = new List<BodySeed>();
        if (node.OpType == "Loop")
        {
            if (body.Inputs.Count >= 1) seeds.Add(new(body.Inputs[0], new TensorType(DataType.Int64, new TensorShape()), null));
            if (body.Inputs.Count >= 2) seeds.Add(new(body.Inputs[1], new TensorType(DataType.Bool, new TensorShape()), null));
            for (var i = 2; i < node.Inputs.Count && i < body.Inputs.Count; i++)
                if (TypeOf(node.Inputs[i]) is { } t) seeds.Add(new(body.Inputs[i], t, i - 1));
        }
        else if (node.OpType == "Scan")
        {
            // Opset 8: an optional sequence_lens first, and a leading batch dim on every input that the body never sees.
            var batched = opset < 9;
            var first = batched ? 1 : 0;
            var scanInputs = (int)node.Attributes.GetInt("num_scan_inputs", 0);
            var states = node.Inputs.Count - first - scanInputs;
            var axes = batched ? null : node.Attributes.GetInts("scan_input_axes");
            for (var i = 0; i + first < node.Inputs.Count && i < body.Inputs.Count; i++)
            {
                if (TypeOf(node.Inputs[i + first]) is not { } t) continue;
                if (batched) t = t with { Shape = t.Shape is { Rank: >= 1 } full ? new TensorShape(full.Skip(1)) : null };
                if (i < states)
                {
                    seeds.Add(new(body.Inputs[i], t, i));
                    continue;
                }
                var k = i - states;
                var axis = axes is not null && k < axes.Length ? axes[k] : 0;
                TensorShape? slice = null;
                if (t.Shape is { } s)
                {
                    if (axis < 0) axis += s.Rank;
                    if (axis >= 0 && axis < s.Rank) slice = new TensorShape(s.Where((_, d) => d != axis));
                }
                seeds.Add(new(body.Inputs[i], t with { Shape = slice }, null));
            }
        }
        return seeds;

        static TensorType? TypeOf(Value? v) => v?.Type switch
        {
            TensorType { ElementType: not DataType.Undefined } t => t,
            null or TensorType when v?.Initializer is { } init => new TensorType(init.DataType, init.Shape),
            _ => null,
        };
    }
}

/// <summary>A type for a body input, and which body output carries it into the next iteration (null: none).</summary>
internal sealed record BodySeed(Value Input, TensorType Type, int? CarriedBy);
