using EdgeOpt.Onnx.Tflite.Schema;

namespace EdgeOpt.Onnx.Tflite.Internal;

/// <summary>Elementwise and activation operators: they run in whatever layout their input already has.</summary>
internal sealed partial class TfliteGraphConverter
{
    /// <summary>
    /// The layout for an operator over <paramref name="tensors"/>: channels-first when every computed operand is rank 4
    /// and one of them is already channels-first, else TFLite's own.
    /// </summary>
    public Layout Pick(params int[] tensors)
    {
        var computed = tensors.Where(t => t >= 0 && !IsConstant(t)).ToArray();
        if (computed.Length == 0 || computed.Any(t => Rank(t) != 4)) return Layout.Native;
        if (tensors.Any(t => t >= 0 && IsConstant(t) && Rank(t) > 4)) return Layout.Native;
        return computed.Any(t => CurrentLayout(t) == Layout.ChannelsFirst) ? Layout.ChannelsFirst : Layout.Native;
    }

    /// <summary>An operand in <paramref name="layout"/>; constants are reshaped and permuted at conversion time.</summary>
    public Value Operand(int tensor, Layout layout) =>
        IsConstant(tensor) ? ConstantAligned(tensor, 4, layout) : Float(tensor, layout);

    private void Binary(TfliteOperator op, string onnxOp, FusedActivation activation)
    {
        int a = RequireInput(op, 0, "x"), b = RequireInput(op, 1, "y"), y = Out(op);
        var layout = Pick(a, b);
        var result = Emit(onnxOp, Operand(a, layout), Operand(b, layout));
        Bind(y, Activate(result, activation), layout);
    }

    private void Unary(TfliteOperator op, string onnxOp)
    {
        int x = RequireInput(op, 0, "x"), y = Out(op);
        var layout = Pick(x);
        Bind(y, Emit(onnxOp, Float(x, layout)), layout);
    }

    private void Clip(TfliteOperator op, float min, float max)
    {
        int x = RequireInput(op, 0, "x"), y = Out(op);
        var layout = Pick(x);
        Bind(y, Emit("Clip", Float(x, layout), Scalar(min), Scalar(max)), layout);
    }

    private void Rsqrt(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "x"), y = Out(op);
        var layout = Pick(x);
        Bind(y, Emit("Reciprocal", Emit("Sqrt", Float(x, layout))), layout);
    }

    private void Square(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "x"), y = Out(op);
        var layout = Pick(x);
        var v = Float(x, layout);
        Bind(y, Emit("Mul", v, v), layout);
    }

    private void SquaredDifference(TfliteOperator op)
    {
        int a = RequireInput(op, 0, "x"), b = RequireInput(op, 1, "y"), y = Out(op);
        var layout = Pick(a, b);
        var d = Emit("Sub", Operand(a, layout), Operand(b, layout));
        Bind(y, Emit("Mul", d, d), layout);
    }

    private void FloorDiv(TfliteOperator op)
    {
        int a = RequireInput(op, 0, "x"), b = RequireInput(op, 1, "y"), y = Out(op);
        var layout = Pick(a, b);
        var type = OnnxDataType(Tensor(y));
        if (type.IsFloatingPoint())
        {
            Bind(y, Emit("Floor", Emit("Div", Operand(a, layout), Operand(b, layout))), layout);
            return;
        }
        // Integer division floors in TensorFlow (ONNX Div truncates): divide in double, floor, cast back.
        var quotient = Emit("Div", Emit("Cast", [Operand(a, layout)], [("to", (long)DataType.Double)]), Emit("Cast", [Operand(b, layout)], [("to", (long)DataType.Double)]));
        Bind(y, Emit("Cast", [Emit("Floor", quotient)], [("to", (long)type)]), layout);
    }

    private void NotEqual(TfliteOperator op)
    {
        int a = RequireInput(op, 0, "x"), b = RequireInput(op, 1, "y"), y = Out(op);
        var layout = Pick(a, b);
        Bind(y, Emit("Not", Emit("Equal", Operand(a, layout), Operand(b, layout))), layout);
    }

    private void Select(TfliteOperator op)
    {
        int c = RequireInput(op, 0, "condition"), a = RequireInput(op, 1, "x"), b = RequireInput(op, 2, "y"), y = Out(op);
        var layout = Pick(c, a, b);
        Bind(y, Emit("Where", Operand(c, layout), Operand(a, layout), Operand(b, layout)), layout);
    }

    private void LeakyRelu(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "x"), y = Out(op);
        var layout = Pick(x);
        Bind(y, Emit("LeakyRelu", [Float(x, layout)], [("alpha", Options.Float(op, 0))]), layout);
    }

    private void PRelu(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "x"), alpha = RequireInput(op, 1, "alpha"), y = Out(op);
        var layout = Pick(x, alpha);
        Bind(y, Emit("PRelu", Float(x, layout), Operand(alpha, layout)), layout);
    }

    /// <summary>GELU from its definition (ONNX Gelu arrives only in opset 20): erf form, or the tanh approximation.</summary>
    private void Gelu(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "x"), y = Out(op);
        var layout = Pick(x);
        var v = Float(x, layout);
        Value inner;
        if (Options.Bool(op, 0))
        {
            var cube = Emit("Mul", Emit("Mul", v, v), v);
            var poly = Emit("Add", v, Emit("Mul", cube, Scalar(0.044715f)));
            inner = Emit("Tanh", Emit("Mul", poly, Scalar(MathF.Sqrt(2f / MathF.PI))));
        }
        else inner = Emit("Erf", Emit("Mul", v, Scalar(1f / MathF.Sqrt(2f))));
        var half = Emit("Mul", v, Scalar(0.5f));
        Bind(y, Emit("Mul", half, Emit("Add", inner, Scalar(1f))), layout);
    }

    private void Softmax(TfliteOperator op, bool log)
    {
        int x = RequireInput(op, 0, "x"), y = Out(op);
        var layout = Pick(x);
        var v = Float(x, layout);
        if (!log && Options.Float(op, 0, 1f) is var beta && beta != 1f) v = Emit("Mul", v, Scalar(beta));
        var axis = layout == Layout.ChannelsFirst ? 1L : -1L; // TFLite's softmax runs over the last (channel) axis
        Bind(y, Emit(log ? "LogSoftmax" : "Softmax", [v], [("axis", axis)]), layout);
    }

    private void Cast(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "x"), y = Out(op);
        var layout = Pick(x);
        BindRaw(y, Emit("Cast", [Raw(x, layout)], [("to", (long)OnnxDataType(Tensor(y)))]), layout);
    }

    private void L2Normalization(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "x"), y = Out(op);
        var v = Float(x);
        var sum = ReduceOverAxes("ReduceSum", Emit("Mul", v, v), [-1], keepDims: true);
        var norm = Emit("Sqrt", Emit("Max", sum, Scalar(1e-6f))); // TFLite's kernel floors the squared norm at 1e-6
        Bind(y, Activate(Emit("Div", v, norm), Options.Activation(op, 0)));
    }

    private void Quantize(TfliteOperator op)
    {
        // Float in, quantized out (or int8 → int8 with new parameters): Bind adds the QuantizeLinear.
        int x = RequireInput(op, 0, "input"), y = Out(op);
        var layout = Pick(x);
        if (Tensor(y).Type == TfliteTensorType.INT32 && IsQuantized(Tensor(y)) && IsQuantized(Tensor(x)) && Tensor(x).Quantization is { PerAxis: false } from)
        {
            // Requantizing into int32 needs more than float32's 24 bits: (q − zp) · s_in / s_out + zp_out in double.
            var to = Tensor(y).Quantization!;
            var wide = Emit("Sub", Emit("Cast", [Raw(x, layout)], [("to", (long)DataType.Double)]), Constant("const_f64", [(double)from.ZeroPoint[0]]));
            var scaled = Emit("Round", Emit("Mul", wide, Constant("const_f64", [from.Scale[0] / (double)to.Scale[0]])));
            var shifted = Emit("Add", scaled, Constant("const_f64", [(double)to.ZeroPoint[0]]));
            var clipped = Emit("Clip", shifted, Constant("const_f64", [(double)int.MinValue]), Constant("const_f64", [(double)int.MaxValue]));
            BindRaw(y, Emit("Cast", [clipped], [("to", (long)DataType.Int32)]), layout);
            return;
        }
        Bind(y, Float(x, layout), layout);
    }

    private void Dequantize(TfliteOperator op)
    {
        // The float view of a quantized (or float16) tensor is already its DequantizeLinear (or Cast / folded constant).
        int x = RequireInput(op, 0, "input"), y = Out(op);
        if (IsConstant(x))
        {
            // float16 or int8 weights: the output stays a constant (folded, or DequantizeLinear on the stored weights), so
            // the convolution that reads it still gets its weights permuted at conversion time.
            AliasConstant(y, x);
            return;
        }
        var layout = Pick(x);
        Bind(y, Float(x, layout), layout);
    }

    private void Densify(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "input"), y = Out(op);
        if (!IsConstant(x)) Unsupported("DENSIFY of a computed tensor is not supported (TFLite only densifies constants)");
        AliasConstant(y, x);
    }
}
