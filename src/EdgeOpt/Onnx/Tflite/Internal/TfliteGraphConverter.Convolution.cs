using EdgeOpt.Onnx.Tflite.Schema;

namespace EdgeOpt.Onnx.Tflite.Internal;

/// <summary>Convolutions, pooling and fully connected layers: NHWC/OHWI in TFLite, NCHW/OIHW in ONNX.</summary>
internal sealed partial class TfliteGraphConverter
{
    private static readonly int[] DepthwiseToOnnx = [3, 0, 1, 2]; // [1, KH, KW, C·M] → [C·M, 1, KH, KW]; also OHWI → IOHW

    private void Conv2D(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "input"), w = RequireInput(op, 1, "filter"), b = In(op, 2), y = Out(op);
        var inputChannels = Tensor(x).Shape.ElementAtOrDefault(3);
        var filterChannels = Tensor(w).Shape.ElementAtOrDefault(3);
        if (Rank(x) != 4 || Rank(w) != 4 || filterChannels <= 0 || inputChannels % filterChannels != 0)
            Malformed($"input [{string.Join(",", Tensor(x).Shape)}] and filter [{string.Join(",", Tensor(w).Shape)}] are not NHWC/OHWI with matching channels");
        var weights = Float(w, Layout.ChannelsFirst); // OHWI → OIHW is the NHWC → NCHW permutation
        var attributes = ConvAttributes(op, x, w, paddingSlot: 0, strideW: 1, strideH: 2, dilationW: 4, dilationH: 5, kernelAxes: (1, 2));
        attributes.Add(("group", (long)(inputChannels / filterChannels)));
        var conv = Emit("Conv", [Float(x, Layout.ChannelsFirst), weights, b >= 0 ? Float(b) : null], [.. attributes]);
        Bind(y, Activate(conv, Options.Activation(op, 3)), Layout.ChannelsFirst);
    }

    private void DepthwiseConv2D(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "input"), w = RequireInput(op, 1, "filter"), b = In(op, 2), y = Out(op);
        if (Rank(x) != 4 || Rank(w) != 4) Malformed("input and filter must be rank 4 (NHWC and 1×KH×KW×C·M)");
        var channels = Tensor(x).Shape[3];
        var weights = IsConstant(w) ? ConstantFloat(w, DepthwiseToOnnx, 0) : Transpose(Float(w), DepthwiseToOnnx);
        var attributes = ConvAttributes(op, x, w, paddingSlot: 0, strideW: 1, strideH: 2, dilationW: 5, dilationH: 6, kernelAxes: (1, 2));
        attributes.Add(("group", (long)channels));
        var conv = Emit("Conv", [Float(x, Layout.ChannelsFirst), weights, b >= 0 ? Float(b) : null], [.. attributes]);
        Bind(y, Activate(conv, Options.Activation(op, 4)), Layout.ChannelsFirst);
    }

    private void TransposeConv(TfliteOperator op)
    {
        int w = RequireInput(op, 1, "filter"), x = RequireInput(op, 2, "input"), b = In(op, 3), y = Out(op);
        TransposeConvCore(x, w, b, y, Options.IsSame(op, 0), Options.Int(op, 1, 1), Options.Int(op, 2, 1), Options.Activation(op, 3));
    }

    /// <summary>
    /// TFLite's transpose convolution places input pixel i at output i·stride − pad_before and crops to the output
    /// shape; ONNX ConvTranspose does the same with pads, plus output_padding when the crop is shorter than the kernel.
    /// </summary>
    private void TransposeConvCore(int x, int w, int b, int y, bool same, int strideW, int strideH, FusedActivation activation)
    {
        if (Rank(x) != 4 || Rank(w) != 4 || Rank(y) != 4) Malformed("input, filter and output must be rank 4");
        var inShape = Tensor(x).Shape;
        var outShape = Tensor(y).Shape;
        var kernel = Tensor(w).Shape;
        var pads = new long[4];
        var outputPadding = new long[2];
        int[] strides = [strideH, strideW];
        for (var i = 0; i < 2; i++)
        {
            int input = inShape[1 + i], output = outShape[1 + i], k = kernel[1 + i], s = strides[i];
            if (s <= 0) Malformed($"stride {s} must be positive");
            long before = 0;
            if (same)
            {
                var total = Math.Max(((output + s - 1) / s - 1) * s + k - output, 0);
                before = total / 2;
            }
            var end = (long)(input - 1) * s + k - before - output;
            pads[i] = before;
            if (end >= 0) pads[2 + i] = end;
            else outputPadding[i] = -end;
        }
        var weights = IsConstant(w) ? ConstantFloat(w, DepthwiseToOnnx, 0) : Transpose(Float(w), DepthwiseToOnnx);
        var conv = Emit("ConvTranspose", [Float(x, Layout.ChannelsFirst), weights, b >= 0 ? Float(b) : null],
        [
            ("kernel_shape", new long[] { kernel[1], kernel[2] }),
            ("strides", new long[] { strideH, strideW }),
            ("pads", pads),
            ("output_padding", outputPadding),
        ]);
        Bind(y, Activate(conv, activation), Layout.ChannelsFirst);
    }

    private List<(string, object)> ConvAttributes(TfliteOperator op, int x, int w, int paddingSlot, int strideW, int strideH, int dilationW, int dilationH, (int H, int W) kernelAxes)
    {
        var kernel = Tensor(w).Shape;
        long kh = kernel[kernelAxes.H], kw = kernel[kernelAxes.W];
        long sh = Options.Int(op, strideH, 1), sw = Options.Int(op, strideW, 1);
        long dh = Options.Int(op, dilationH, 1), dw = Options.Int(op, dilationW, 1);
        if (sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0) Malformed($"strides ({sh}, {sw}) and dilations ({dh}, {dw}) must be positive");
        var attributes = new List<(string, object)>
        {
            ("kernel_shape", new[] { kh, kw }),
            ("strides", new[] { sh, sw }),
            ("dilations", new[] { dh, dw }),
        };
        AddPadding(attributes, op, x, paddingSlot, [kh, kw], [sh, sw], [dh, dw]);
        return attributes;
    }

    /// <summary>TensorFlow's SAME padding (the odd pixel at the end) as explicit pads; SAME_UPPER when the size is dynamic.</summary>
    private void AddPadding(List<(string, object)> attributes, TfliteOperator op, int x, int paddingSlot, long[] kernel, long[] strides, long[] dilations)
    {
        if (!Options.IsSame(op, paddingSlot)) return;
        if (IsDynamic(x, 1) || IsDynamic(x, 2))
        {
            attributes.Add(("auto_pad", "SAME_UPPER"));
            return;
        }
        var pads = new long[4];
        for (var i = 0; i < 2; i++)
        {
            long input = Tensor(x).Shape[1 + i];
            var effective = (kernel[i] - 1) * dilations[i] + 1;
            var output = (input + strides[i] - 1) / strides[i];
            var total = Math.Max((output - 1) * strides[i] + effective - input, 0);
            pads[i] = total / 2;
            pads[2 + i] = total - total / 2;
        }
        attributes.Add(("pads", pads));
    }

    private void Pool(TfliteOperator op, string onnxOp)
    {
        int x = RequireInput(op, 0, "input"), y = Out(op);
        if (Rank(x) != 4) Malformed("input must be rank 4 (NHWC)");
        long fh = Options.Int(op, 4), fw = Options.Int(op, 3), sh = Options.Int(op, 2, 1), sw = Options.Int(op, 1, 1);
        if (fh <= 0 || fw <= 0 || sh <= 0 || sw <= 0) Malformed($"filter ({fh}, {fw}) and strides ({sh}, {sw}) must be positive");
        var attributes = new List<(string, object)> { ("kernel_shape", new[] { fh, fw }), ("strides", new[] { sh, sw }) };
        AddPadding(attributes, op, x, 0, [fh, fw], [sh, sw], [1, 1]);
        if (onnxOp == "LpPool") attributes.Add(("p", 2L));
        // TFLite averages over the valid pixels only (count_include_pad = 0, ONNX's default).
        var pooled = Emit(onnxOp, [Float(x, Layout.ChannelsFirst)], [.. attributes]);
        if (onnxOp == "LpPool") pooled = Emit("Div", pooled, Emit("Sqrt", Scalar(fh * fw))); // L2 pool is sqrt(mean(x²))
        Bind(y, Activate(pooled, Options.Activation(op, 5)), Layout.ChannelsFirst);
    }

    private void FullyConnected(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "input"), w = RequireInput(op, 1, "weights"), b = In(op, 2), y = Out(op);
        if (Options.Byte(op, 1) != 0) Unsupported("shuffled 4×16 int8 weights (weights_format SHUFFLED4x16INT8) are not supported");
        if (Rank(w) != 2) Malformed($"weights must be rank 2 [units, depth], not [{string.Join(",", Tensor(w).Shape)}]");
        var depth = Tensor(w).Shape[1];
        Value input;
        if (Rank(x) == 2) input = Float(x);
        else if (IsQuantized(Tensor(x)) && Tensor(x).Type != TfliteTensorType.INT32)
        {
            // Flattened while still quantized, then dequantized: ONNX Runtime would otherwise put its own QDQ pair after
            // a Reshape of a DequantizeLinear, which its int8 → uint8 rewrite (for the Gemm) breaks in opset-21 graphs.
            var (scale, zeroPoint) = QuantParameters(Tensor(x), 0, null, out _);
            input = Emit("DequantizeLinear", Emit("Reshape", Raw(x), Int64s(-1, depth)), scale, zeroPoint);
        }
        else input = Emit("Reshape", Float(x), Int64s(-1, depth));
        var gemm = Emit("Gemm", [input, Float(w), b >= 0 ? Float(b) : null], [("transB", 1L)]);
        var result = Activate(gemm, Options.Activation(op, 0));
        if (Rank(y) != 2)
            result = Emit("Reshape", result, Int64s(OutputShapeForReshape(y)));
        Bind(y, result);
    }

    /// <summary>The output tensor's shape for a Reshape, with a dynamic batch (shape_signature -1) as -1.</summary>
    public long[] OutputShapeForReshape(int tensor)
    {
        var t = Tensor(tensor);
        var dims = t.Shape.Select(d => (long)d).ToArray();
        if (t.ShapeSignature is { } s)
        {
            var dynamic = Enumerable.Range(0, s.Length).Where(i => s[i] == -1).ToArray();
            if (dynamic.Length == 1) dims[dynamic[0]] = -1;
            else if (dynamic.Length > 1) Unsupported($"tensor '{t.Name}' has {dynamic.Length} dynamic dimensions; a reshape to it needs at most one");
        }
        return dims;
    }
}
