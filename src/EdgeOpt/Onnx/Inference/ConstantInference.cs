namespace EdgeOpt.Onnx.Inference;

/// <summary>Constant, ConstantOfShape and Range: outputs (and tracked values) from constant data.</summary>
internal static class ConstantInference
{
    public static void Constant(InferenceContext ctx)
    {
        if (TensorOf(ctx.Node) is { } t)
        {
            ctx.SetOutput(0, t.DataType, t.Shape);
            return;
        }
        if (ctx.Node.Attributes["sparse_value"]?.Value is SparseTensor s)
        {
            ctx.SetOutput(0, s.Values.DataType, TensorShape.FromDims(s.Dims));
            return;
        }
        throw new InferenceFailure("Constant has none of the value attributes");
    }

    /// <summary>The tensor a Constant node holds (value, value_float(s), value_int(s), value_string(s)); null if sparse or missing.</summary>
    public static Tensor? TensorOf(Node constant)
    {
        foreach (var a in constant.Attributes)
        {
            switch (a.Name, a.Value)
            {
                case ("value", Tensor t): return t;
                case ("value_float", float f): return Tensor.Scalar(constant.Outputs[0].Name, f);
                case ("value_floats", float[] fs): return Tensor.Create(constant.Outputs[0].Name, fs, fs.Length);
                case ("value_int", long l): return Tensor.Scalar(constant.Outputs[0].Name, l);
                case ("value_ints", long[] ls): return Tensor.Create(constant.Outputs[0].Name, ls, ls.Length);
                case ("value_string", byte[] s): return Tensor.FromStrings(constant.Outputs[0].Name, [], [s]);
                case ("value_strings", byte[][] ss): return Tensor.FromStrings(constant.Outputs[0].Name, [ss.Length], ss);
            }
        }
        return null;
    }

    /// <summary>ConstantOfShape: dims from the shape input's values; element type from the value attribute (float by default).</summary>
    public static void ConstantOfShape(InferenceContext ctx)
    {
        var fill = ctx.Node.Attributes["value"]?.Value as Tensor;
        var type = fill?.DataType ?? DataType.Float;
        if (ctx.Values(0) is { } dims)
        {
            ctx.SetOutput(0, type, dims);
            // A small int vector of one repeated value (e.g. ones for a shape suffix) stays tracked.
            var count = dims.Length == 0 ? 1 : dims.Length == 1 ? dims[0].Value ?? -1 : -1;
            if (fill is not null && type is DataType.Int64 or DataType.Int32 && count is >= 0 and <= 64)
                ctx.SetOutputValues(0, Enumerable.Repeat(Dim.Of(fill.ToInt64Array()[0]), (int)count).ToArray());
            return;
        }
        // Rank is known from the length of the shape vector even when its values are not.
        var shapeOfShape = ctx.Shape(0);
        ctx.SetOutput(0, type, shapeOfShape is [{ Value: { } rank }] ? new TensorShape(new Dim[rank]) : null);
    }

    /// <summary>Range(start, limit, delta): max(ceil((limit - start) / delta), 0) elements.</summary>
    public static void Range(InferenceContext ctx)
    {
        var type = ctx.ElementType(0);
        var args = new double[3];
        for (var i = 0; i < 3; i++)
        {
            if (ctx.Values(i) is [{ Value: { } v }]) args[i] = v;
            else if (ctx.ConstantTensor(i) is { ElementCount: 1 } t) args[i] = t.DataType.IsFloatingPoint() ? t.ToSingleArray()[0] : t.ToInt64Array()[0];
            else
            {
                ctx.SetOutput(0, type, [Dim.Unknown]);
                return;
            }
        }
        if (args[2] == 0) throw new InferenceFailure("Range delta is 0");
        var count = (long)Math.Max(Math.Ceiling((args[1] - args[0]) / args[2]), 0);
        ctx.SetOutput(0, type, [count]);
        if (!type.IsFloatingPoint() && count <= 64)
            ctx.SetOutputValues(0, Enumerable.Range(0, (int)count).Select(i => Dim.Of((long)(args[0] + i * args[2]))).ToArray());
    }
}
