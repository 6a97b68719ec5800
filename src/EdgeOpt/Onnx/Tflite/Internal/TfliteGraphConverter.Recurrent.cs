using EdgeOpt.Onnx.Tflite.Schema;

namespace EdgeOpt.Onnx.Tflite.Internal;

/// <summary>Sequence LSTM and the custom operators real TFLite models carry.</summary>
internal sealed partial class TfliteGraphConverter
{
    /// <summary>
    /// UNIDIRECTIONAL_SEQUENCE_LSTM as one ONNX LSTM: TFLite keeps one weight matrix per gate (input, forget, cell,
    /// output), ONNX one stacked matrix in i, o, f, c order, with peepholes in i, o, f order. Quantized weights are
    /// dequantized into float ones at conversion time. The state tensors start at zero, as on a fresh interpreter.
    /// </summary>
    private void UnidirectionalSequenceLstm(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "input"), y = Out(op);
        if (In(op, 16) >= 0) Unsupported("LSTM with a projection layer is not supported");
        if (Enumerable.Range(20, 4).Any(i => In(op, i) >= 0)) Unsupported("layer-normalized LSTM is not supported");
        if (Options.Float(op, 1) != 0 || Options.Float(op, 2) != 0)
            Unsupported("LSTM cell_clip/proj_clip clip the state in TFLite but the gate inputs in ONNX; this model sets one");
        var activation = Options.Activation(op, 0);
        var cellActivation = activation switch
        {
            FusedActivation.TANH => "Tanh",
            FusedActivation.RELU => "Relu",
            FusedActivation.NONE => Unsupported<string>("LSTM without a cell activation has no ONNX form"),
            _ => Unsupported<string>($"LSTM cell activation {activation} is not supported"),
        };
        var timeMajor = Options.Bool(op, 3);
        var forgetWeights = Tensor(RequireInput(op, 2, "input-to-forget weights"));
        if (forgetWeights.Shape.Length != 2 || Rank(x) != 3) Malformed("LSTM input must be rank 3 and its weights rank 2");
        int hidden = forgetWeights.Shape[0], inputSize = forgetWeights.Shape[1];
        var cifg = In(op, 1) < 0; // coupled input and forget gate: the input gate is 1 − forget

        float[] Gate(int index, int rows, int cols, string what)
        {
            var t = In(op, index);
            if (t < 0) return new float[rows * cols];
            var values = ConstantFloats(t) ?? Unsupported<float[]>($"LSTM {what} (tensor '{Tensor(t).Name}') must be a per-tensor constant");
            if (values.Length != (long)rows * cols) Malformed($"LSTM {what} holds {values.Length} values, expected {rows}×{cols}");
            return values;
        }

        // The sizes come from the shape; zero-filled gates are allocated from them only once two stored matrices
        // (input- and recurrent-to-forget, which TFLite requires) prove they fit in the file.
        RequireInput(op, 6, "recurrent-to-forget weights");
        Gate(2, hidden, inputSize, "input-to-forget weights");
        Gate(6, hidden, hidden, "recurrent-to-forget weights");

        // ONNX order: input, output, forget, cell.
        int[] weightInputs = [1, 4, 2, 3], recurrentInputs = [5, 8, 6, 7], biasInputs = [12, 15, 13, 14];
        var w = weightInputs.SelectMany(i => Gate(i, hidden, inputSize, $"input weights {i}")).ToArray();
        var r = recurrentInputs.SelectMany(i => Gate(i, hidden, hidden, $"recurrent weights {i}")).ToArray();
        var b = biasInputs.SelectMany(i => Gate(i, hidden, 1, $"bias {i}")).Concat(new float[4 * hidden]).ToArray();
        var peephole = In(op, 10) >= 0 || In(op, 11) >= 0 || In(op, 9) >= 0;
        var wValue = Constant(Tensor(y).Name + "_W", w, 1, 4 * hidden, inputSize);
        var rValue = Constant(Tensor(y).Name + "_R", r, 1, 4 * hidden, hidden);
        var bValue = Constant(Tensor(y).Name + "_B", b, 1, 8 * hidden);
        Value? pValue = peephole ? Constant(Tensor(y).Name + "_P", new[] { 9, 11, 10 }.SelectMany(i => Gate(i, hidden, 1, $"peephole {i}")).ToArray(), 1, 3 * hidden) : null;

        Value? initial(int index)
        {
            var t = In(op, index);
            if (t < 0 || !IsConstant(t)) return null; // variable state with no buffer: zeros, ONNX's default
            return Emit("Unsqueeze", Float(t), Int64s(0));
        }

        var sequence = Float(x);
        if (!timeMajor) sequence = Transpose(sequence, [1, 0, 2]);
        var attributes = new List<(string, object)>
        {
            ("hidden_size", (long)hidden),
            ("activations", new[] { "Sigmoid", cellActivation, cellActivation }),
        };
        if (cifg) attributes.Add(("input_forget", 1L));
        var outputs = EmitMany("LSTM", [sequence, wValue, rValue, bValue, null, initial(18), initial(19), pValue], 1, [.. attributes]);
        var result = Emit("Squeeze", outputs[0], Int64s(1)); // [T, 1, B, H] → [T, B, H]
        if (!timeMajor) result = Transpose(result, [1, 0, 2]);
        Bind(y, result);
    }

    /// <summary>
    /// Custom operators with a known meaning. MediaPipe's Convolution2DTransposeBias is TRANSPOSE_CONV with a bias; its
    /// custom options are TfLiteTransposeConvParams as raw bytes (padding enum 1 = SAME, 2 = VALID; stride w, h).
    /// </summary>
    private void Custom(TfliteOperator op)
    {
        switch (op.Code.CustomCode)
        {
            case "Convolution2DTransposeBias":
            {
                int x = RequireInput(op, 0, "input"), w = RequireInput(op, 1, "filter"), b = In(op, 2), y = Out(op);
                var options = op.CustomOptions.Span;
                if (options.Length < 12) Malformed($"custom options hold {options.Length} bytes; TfLiteTransposeConvParams needs 12");
                var padding = BitConverter.ToInt32(options[..4]);
                int strideW = BitConverter.ToInt32(options[4..8]), strideH = BitConverter.ToInt32(options[8..12]);
                if (padding is not (1 or 2)) Malformed($"padding {padding} is neither SAME (1) nor VALID (2)");
                TransposeConvCore(x, w, b, y, padding == 1, strideW, strideH, FusedActivation.NONE);
                break;
            }
            default:
                Unsupported($"custom operator '{op.Code.CustomCode}' is not supported (known custom operators: Convolution2DTransposeBias)");
                break;
        }
    }
}
