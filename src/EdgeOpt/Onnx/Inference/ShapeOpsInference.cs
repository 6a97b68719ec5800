namespace EdgeOpt.Onnx.Inference;

/// <summary>Ops that rearrange dims without computing: Flatten, Reshape, Transpose, Concat, Squeeze, Unsqueeze, Expand, Tile, Pad, Split.</summary>
internal static class ShapeOpsInference
{
    /// <summary>[d0..dn] to [d0*..*d(axis-1), d(axis)*..*dn]; symbolic products stay symbolic (C*H*W).</summary>
    public static void Flatten(InferenceContext ctx)
    {
        var x = ctx.Shape(0);
        var axis = ctx.Int("axis", 1);
        if (axis < 0) axis += x.Rank;
        if (axis < 0 || axis > x.Rank) throw new InferenceFailure($"axis {ctx.Int("axis", 1)} is out of range for rank {x.Rank}");
        ctx.SetOutput(0, ctx.ElementType(0), [DimMath.Product(x.Take((int)axis)), DimMath.Product(x.Skip((int)axis))]);
    }

    /// <summary>Reshape: 0 copies the input dim (unless allowzero), -1 is what is left; shape from input 1 (attribute before opset 5).</summary>
    public static void Reshape(InferenceContext ctx)
    {
        var type = ctx.ElementType(0);
        var target = ctx.Opset < 5 && ctx.Ints("shape") is { } attr ? attr.Select(Dim.Of).ToArray() : ctx.Values(1);
        if (target is null)
        {
            // The target's length still fixes the rank.
            ctx.SetOutput(0, type, ctx.InputType(1).Shape is [{ Value: { } rank }] ? new TensorShape(new Dim[rank]) : null);
            throw new InferenceFailure($"target shape '{ctx.Input(1)!.Name}' is not a constant (or derivable from shapes)");
        }
        var input = ctx.InputType(0).Shape;
        var allowZero = ctx.Int("allowzero", 0) != 0;
        var dims = new Dim[target.Length];
        var inferIndex = -1;
        for (var i = 0; i < target.Length; i++)
        {
            var t = target[i];
            if (t.Value == -1)
            {
                if (inferIndex >= 0) throw new InferenceFailure("target shape has more than one -1");
                inferIndex = i;
            }
            else if (t.Value == 0 && !allowZero)
            {
                dims[i] = input is not null && i < input.Rank ? input[i] : Dim.Unknown;
            }
            else dims[i] = t;
        }
        if (inferIndex >= 0)
        {
            var rest = dims.Where((_, i) => i != inferIndex).ToArray();
            dims[inferIndex] = input is null ? Dim.Unknown : DimMath.Divide(DimMath.Product(input), DimMath.Product(rest));
        }
        ctx.SetOutput(0, type, dims);
        if (ctx.Values(0) is { } values) ctx.SetOutputValues(0, values);
    }

    public static void Transpose(InferenceContext ctx)
    {
        var x = ctx.Shape(0);
        var perm = ctx.Ints("perm") ?? Enumerable.Range(0, x.Rank).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != x.Rank) throw new InferenceFailure($"perm has {perm.Length} entries for rank {x.Rank}");
        ctx.SetOutput(0, ctx.ElementType(0), perm.Select(p => x[DimMath.Axis(p, x.Rank, "perm entry")]));
    }

    /// <summary>Concat: dims along <c>axis</c> add up; the others agree (known beats symbolic).</summary>
    public static void Concat(InferenceContext ctx)
    {
        var shapes = Enumerable.Range(0, ctx.InputCount).Where(ctx.HasInput).Select(ctx.Shape).ToList();
        var rank = shapes[0].Rank;
        if (shapes.Any(s => s.Rank != rank)) throw new InferenceFailure($"inputs have different ranks: {string.Join(" ", shapes)}");
        var axis = DimMath.Axis(ctx.Int("axis", ctx.Opset < 4 ? 1 : 0), rank);
        var dims = new Dim[rank];
        for (var i = 0; i < rank; i++)
        {
            if (i == axis) dims[i] = shapes.Select(s => s[i]).Aggregate(DimMath.Add);
            else dims[i] = shapes.Select(s => s[i]).FirstOrDefault(d => d.IsKnown, shapes.Select(s => s[i]).FirstOrDefault(d => d.IsSymbolic));
        }
        ctx.SetOutput(0, ctx.ElementType(0), dims);
        if (rank <= 1)
        {
            var parts = Enumerable.Range(0, ctx.InputCount).Where(ctx.HasInput).Select(ctx.Values).ToList();
            if (parts.All(p => p is not null)) ctx.SetOutputValues(0, parts.SelectMany(p => p!).ToArray());
        }
    }

    /// <summary>Squeeze: listed axes (attribute before opset 13, input after) or every dim that is 1.</summary>
    public static void Squeeze(InferenceContext ctx)
    {
        var x = ctx.Shape(0);
        var axes = Axes(ctx, "axes", 1, 13);
        HashSet<int> drop;
        if (axes is null)
        {
            if (x.Any(d => !d.IsKnown)) throw new InferenceFailure($"no axes given and input shape {x} has dims that may or may not be 1");
            drop = Enumerable.Range(0, x.Rank).Where(i => x[i].Value == 1).ToHashSet();
        }
        else drop = axes.Select(a => DimMath.Axis(a, x.Rank)).ToHashSet();
        ctx.SetOutput(0, ctx.ElementType(0), x.Where((_, i) => !drop.Contains(i)));
        if (ctx.Values(0) is { } v) ctx.SetOutputValues(0, v);
    }

    /// <summary>Unsqueeze: inserts 1s at axes of the output (attribute before opset 13, input after).</summary>
    public static void Unsqueeze(InferenceContext ctx)
    {
        var x = ctx.Shape(0);
        var axes = Axes(ctx, "axes", 1, 13) ?? throw new InferenceFailure("axes are not constant");
        var rank = x.Rank + axes.Length;
        var inserted = axes.Select(a => DimMath.Axis(a, rank)).ToHashSet();
        var dims = new Dim[rank];
        var j = 0;
        for (var i = 0; i < rank; i++) dims[i] = inserted.Contains(i) ? 1 : x[j++];
        ctx.SetOutput(0, ctx.ElementType(0), dims);
        if (ctx.Values(0) is { } v) ctx.SetOutputValues(0, v);
    }

    /// <summary>Expand: broadcast of the input shape with the constant target shape.</summary>
    public static void Expand(InferenceContext ctx)
    {
        var x = ctx.Shape(0);
        if (ctx.Values(1) is not { } target)
        {
            ctx.SetOutput(0, ctx.ElementType(0), ctx.InputType(1).Shape is [{ Value: { } n }] ? new TensorShape(new Dim[Math.Max(n, x.Rank)]) : null);
            throw new InferenceFailure($"target shape '{ctx.Input(1)!.Name}' is not constant");
        }
        ctx.SetOutput(0, ctx.ElementType(0), DimMath.Broadcast([x, new TensorShape(target)]));
    }

    public static void Tile(InferenceContext ctx)
    {
        var x = ctx.Shape(0);
        var repeats = ctx.Values(1);
        ctx.SetOutput(0, ctx.ElementType(0), repeats is null ? new Dim[x.Rank] : x.Select((d, i) => DimMath.Multiply(d, repeats[i])));
    }

    /// <summary>Pad: each padded axis grows by begin + end pads (input from opset 11, attribute before; axes input from 18).</summary>
    public static void Pad(InferenceContext ctx)
    {
        var x = ctx.Shape(0);
        var pads = ctx.Opset < 11 ? ctx.Ints("pads") ?? ctx.Ints("paddings") : ctx.ConstantInts(1);
        if (pads is null)
        {
            ctx.SetOutput(0, ctx.ElementType(0), new Dim[x.Rank]);
            throw new InferenceFailure("pads are not constant");
        }
        var axes = ctx.Opset >= 18 && ctx.HasInput(3)
            ? ctx.ConstantInts(3)?.Select(a => DimMath.Axis(a, x.Rank)).ToArray() ?? throw new InferenceFailure("axes are not constant")
            : Enumerable.Range(0, x.Rank).ToArray();
        if (pads.Length != 2 * axes.Length) throw new InferenceFailure($"{pads.Length} pads for {axes.Length} axes");
        var dims = x.ToArray<Dim>();
        for (var k = 0; k < axes.Length; k++) dims[axes[k]] = DimMath.Add(dims[axes[k]], pads[k] + pads[axes.Length + k]);
        ctx.SetOutput(0, ctx.ElementType(0), dims);
    }

    /// <summary>Split along axis: explicit sizes (attribute before 13, input after), num_outputs (18) or equal parts.</summary>
    public static void Split(InferenceContext ctx)
    {
        var x = ctx.Shape(0);
        var axis = DimMath.Axis(ctx.Int("axis", 0), x.Rank);
        var parts = ctx.OutputCount;
        var sizes = ctx.Opset < 13 ? ctx.Ints("split") : ctx.HasInput(1) ? ctx.ConstantInts(1) ?? throw new InferenceFailure("split sizes are not constant") : null;
        Dim[] lengths;
        if (sizes is not null) lengths = sizes.Select(Dim.Of).ToArray();
        else if (x[axis].Value is { } total)
        {
            var chunk = (total + parts - 1) / parts; // opset 18: the last chunk may be smaller
            if (ctx.Opset < 18 && total % parts != 0) throw new InferenceFailure($"dim {total} does not split evenly into {parts}");
            lengths = Enumerable.Range(0, parts).Select(i => Dim.Of(Math.Min(chunk, total - i * chunk))).ToArray();
        }
        else lengths = new Dim[parts];
        for (var i = 0; i < parts && i < lengths.Length; i++)
        {
            var dims = x.ToArray<Dim>();
            dims[axis] = lengths[i];
            ctx.SetOutput(i, ctx.ElementType(0), dims);
        }
    }

    /// <summary>Axes from an attribute (before <paramref name="inputFromOpset"/>) or a constant input; null when absent.</summary>
    internal static long[]? Axes(InferenceContext ctx, string attribute, int input, int inputFromOpset)
    {
        if (ctx.Opset < inputFromOpset) return ctx.Ints(attribute);
        if (!ctx.HasInput(input)) return null;
        return ctx.ConstantInts(input) ?? throw new InferenceFailure($"axes input '{ctx.Input(input)!.Name}' is not constant");
    }
}
