namespace EdgeOpt.Onnx.Inference;

/// <summary>Slice, Gather and friends: shapes from constant indices, and tracked values through shape subgraphs.</summary>
internal static class IndexingInference
{
    /// <summary>Slice: starts/ends/axes/steps as inputs (opset 10+) or attributes (before), clamped as ONNX defines.</summary>
    public static void Slice(InferenceContext ctx)
    {
        var x = ctx.Shape(0);
        long[]? starts, ends, axes, steps;
        if (ctx.Opset < 10)
        {
            starts = ctx.Ints("starts");
            ends = ctx.Ints("ends");
            axes = ctx.Ints("axes");
            steps = null;
        }
        else
        {
            starts = ctx.ConstantInts(1);
            ends = ctx.ConstantInts(2);
            axes = ctx.HasInput(3) ? ctx.ConstantInts(3) ?? throw new InferenceFailure("axes are not constant") : null;
            steps = ctx.HasInput(4) ? ctx.ConstantInts(4) ?? throw new InferenceFailure("steps are not constant") : null;
        }
        if (starts is null || ends is null)
        {
            ctx.SetOutput(0, ctx.ElementType(0), new Dim[x.Rank]);
            throw new InferenceFailure("starts/ends are not constant");
        }
        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        steps ??= ConvInference.Filled(starts.Length, 1);
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            throw new InferenceFailure("starts, ends, axes and steps differ in length");
        var dims = x.ToArray<Dim>();
        var ranges = new (long Start, long Step, long Count)?[x.Rank];
        for (var k = 0; k < starts.Length; k++)
        {
            var axis = DimMath.Axis(axes[k], x.Rank);
            if (steps[k] == 0) throw new InferenceFailure("a Slice step is 0");
            if (x[axis].Value is { } d)
            {
                var r = Range(starts[k], ends[k], steps[k], d);
                ranges[axis] = r;
                dims[axis] = r.Count;
            }
            else if (!(starts[k] == 0 && steps[k] == 1 && ends[k] >= int.MaxValue)) dims[axis] = Dim.Unknown;
        }
        ctx.SetOutput(0, ctx.ElementType(0), dims);
        if (x.Rank == 1 && ctx.Values(0) is { } values)
        {
            var (start, step, count) = ranges[0] ?? (0, 1, values.Length);
            ctx.SetOutputValues(0, Enumerable.Range(0, (int)count).Select(i => values[start + i * step]).ToArray());
        }
    }

    internal static (long Start, long Step, long Count) Range(long start, long end, long step, long dim)
    {
        if (start < 0) start += dim;
        if (end < 0) end += dim;
        long count;
        if (step > 0)
        {
            start = Math.Clamp(start, 0, dim);
            end = Math.Clamp(end, 0, dim);
            count = end > start ? (end - start + step - 1) / step : 0;
        }
        else
        {
            start = Math.Clamp(start, 0, dim - 1);
            end = Math.Clamp(end, -1, dim - 1);
            count = start > end ? (start - end - step - 1) / -step : 0;
        }
        return (start, step, count);
    }

    /// <summary>Gather: data[:axis] + indices.shape + data[axis+1:].</summary>
    public static void Gather(InferenceContext ctx)
    {
        var data = ctx.Shape(0);
        var indices = ctx.Shape(1);
        var axis = DimMath.Axis(ctx.Int("axis", 0), data.Rank);
        ctx.SetOutput(0, ctx.ElementType(0), data.Take(axis).Concat(indices).Concat(data.Skip(axis + 1)));
        if (data.Rank == 1 && ctx.Values(0) is { } values && ctx.ConstantInts(1) is { } idx)
            ctx.SetOutputValues(0, idx.Select(i => i < 0 ? values[i + values.Length] : i < values.Length ? values[i] : throw new InferenceFailure($"index {i} is out of range")).ToArray());
    }

    /// <summary>GatherElements: the indices' shape.</summary>
    public static void GatherElements(InferenceContext ctx) => ctx.SetOutput(0, ctx.ElementType(0), ctx.Shape(1));

    /// <summary>GatherND: batch dims + indices[:-1] + data[batch + indices[-1]:].</summary>
    public static void GatherND(InferenceContext ctx)
    {
        var data = ctx.Shape(0);
        var indices = ctx.Shape(1);
        var batch = (int)ctx.Int("batch_dims", 0);
        if (indices[^1].Value is not { } last) throw new InferenceFailure("the last dim of indices is not known");
        ctx.SetOutput(0, ctx.ElementType(0), indices.Take(indices.Rank - 1).Concat(data.Skip(batch + (int)last)));
    }

    /// <summary>ScatterND, ScatterElements: data's shape.</summary>
    public static void Scatter(InferenceContext ctx) => ctx.PassThrough(0);

    /// <summary>OneHot(indices, depth, values): indices' shape with depth inserted at axis.</summary>
    public static void OneHot(InferenceContext ctx)
    {
        var indices = ctx.Shape(0);
        var depth = ctx.ConstantTensor(1) is { } t ? (t.DataType.IsFloatingPoint() ? Dim.Of((long)t.ToSingleArray()[0]) : Dim.Of(t.ToInt64Array()[0])) : Dim.Unknown;
        var dims = indices.ToList();
        dims.Insert(DimMath.Axis(ctx.Int("axis", -1), indices.Rank + 1), depth);
        ctx.SetOutput(0, ctx.ElementType(2), dims);
    }

    /// <summary>NonZero: [rank, number of non-zeros], the latter only known at run time.</summary>
    public static void NonZero(InferenceContext ctx)
    {
        ctx.SetOutput(0, DataType.Int64, [ctx.Rank(0), Dim.Unknown]);
        throw new InferenceFailure("the number of non-zero elements is data-dependent");
    }
}
