namespace EdgeOpt.Onnx.Inference;

/// <summary>Conv, ConvTranspose and their quantized forms: spatial sizes from kernel, strides, dilations and padding.</summary>
internal static class ConvInference
{
    public static void Conv(InferenceContext ctx) => InferConv(ctx, x: 0, w: 1, ctx.ElementType(0));

    /// <summary>ConvInteger: int32 output.</summary>
    public static void ConvInteger(InferenceContext ctx) => InferConv(ctx, x: 0, w: 1, DataType.Int32);

    /// <summary>QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B): y_zero_point's type.</summary>
    public static void QLinearConv(InferenceContext ctx) => InferConv(ctx, x: 0, w: 3, ctx.ElementType(7));

    private static void InferConv(InferenceContext ctx, int x, int w, DataType type)
    {
        var input = ctx.Shape(x);
        if (input.Rank < 3) throw new InferenceFailure($"input '{ctx.Input(x)!.Name}' has rank {input.Rank}; Conv needs [N, C, spatial...]");
        var spatial = input.Rank - 2;
        var weights = ctx.InputType(w).Shape;
        var kernel = Kernel(ctx, weights, spatial);
        var window = new Window(ctx, spatial, kernel);
        var dims = new Dim[input.Rank];
        dims[0] = input[0];
        dims[1] = weights is { Rank: > 0 } ? weights[0] : Dim.Unknown;
        for (var i = 0; i < spatial; i++) dims[2 + i] = window.Output(i, input[2 + i], ceilMode: false);
        ctx.SetOutput(0, type, dims);
    }

    /// <summary>ConvTranspose: out = stride*(in-1) + output_padding + (k-1)*dilation + 1 - pads, or output_shape when given.</summary>
    public static void ConvTranspose(InferenceContext ctx)
    {
        var input = ctx.Shape(0);
        if (input.Rank < 3) throw new InferenceFailure($"input '{ctx.Input(0)!.Name}' has rank {input.Rank}; ConvTranspose needs [N, C, spatial...]");
        var spatial = input.Rank - 2;
        var weights = ctx.InputType(1).Shape;
        var kernel = Kernel(ctx, weights, spatial);
        var strides = ctx.Ints("strides") ?? Filled(spatial, 1);
        var dilations = ctx.Ints("dilations") ?? Filled(spatial, 1);
        var outputPadding = ctx.Ints("output_padding") ?? Filled(spatial, 0);
        var pads = ctx.Ints("pads") ?? Filled(2 * spatial, 0);
        var autoPad = ctx.String("auto_pad") ?? "NOTSET";
        var outputShape = ctx.Ints("output_shape");
        var group = ctx.Int("group", 1);

        var dims = new Dim[input.Rank];
        dims[0] = input[0];
        dims[1] = weights is { Rank: > 1 } ? DimMath.Multiply(weights[1], group) : Dim.Unknown;
        for (var i = 0; i < spatial; i++)
        {
            if (outputShape is not null)
            {
                dims[2 + i] = outputShape[outputShape.Length - spatial + i];
                continue;
            }
            var s = strides[i];
            dims[2 + i] = autoPad is "SAME_UPPER" or "SAME_LOWER"
                ? DimMath.Map(input[2 + i], n => n * s)
                : DimMath.Map(input[2 + i], n => s * (n - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1
                    - (autoPad == "VALID" ? 0 : pads[i] + pads[spatial + i]));
        }
        ctx.SetOutput(0, ctx.ElementType(0), dims);
    }

    /// <summary>kernel_shape attribute, else the weights' spatial dims.</summary>
    internal static long[] Kernel(InferenceContext ctx, TensorShape? weights, int spatial)
    {
        if (ctx.Ints("kernel_shape") is { } k) return k;
        if (weights is { } ws && ws.Rank == spatial + 2 && ws.Skip(2).All(d => d.IsKnown))
            return ws.Skip(2).Select(d => d.Value!.Value).ToArray();
        throw new InferenceFailure("kernel size unknown: no kernel_shape attribute and the weights' spatial dims are not static");
    }

    internal static long[] Filled(int n, long value) => Enumerable.Repeat(value, n).ToArray();

    /// <summary>Strides, dilations and padding of a sliding window (shared with pooling).</summary>
    internal sealed class Window
    {
        private readonly long[] _kernel, _strides, _dilations, _pads;
        private readonly string _autoPad;

        public Window(InferenceContext ctx, int spatial, long[] kernel)
        {
            if (kernel.Length != spatial) throw new InferenceFailure($"kernel_shape has {kernel.Length} dims but the input has {spatial} spatial dims");
            _kernel = kernel;
            _strides = ctx.Ints("strides") ?? Filled(spatial, 1);
            _dilations = ctx.Ints("dilations") ?? Filled(spatial, 1);
            _pads = ctx.Ints("pads") ?? Filled(2 * spatial, 0);
            _autoPad = ctx.String("auto_pad") ?? "NOTSET";
            if (_strides.Length != spatial || _dilations.Length != spatial || _pads.Length != 2 * spatial)
                throw new InferenceFailure($"strides/dilations/pads do not match {spatial} spatial dims");
        }

        public Dim Output(int axis, Dim input, bool ceilMode) => _autoPad switch
        {
            // SAME pads so that out = ceil(in / stride), whatever the kernel.
            "SAME_UPPER" or "SAME_LOWER" => DimMath.CeilDiv(input, _strides[axis]),
            "VALID" => DimMath.Window(input, _kernel[axis], _strides[axis], _dilations[axis], 0, 0, ceilMode),
            _ => DimMath.Window(input, _kernel[axis], _strides[axis], _dilations[axis], _pads[axis], _pads[_kernel.Length + axis], ceilMode),
        };
    }
}
