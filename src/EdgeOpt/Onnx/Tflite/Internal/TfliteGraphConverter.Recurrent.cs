using EdgeOpt.Onnx.Tflite.Schema;

namespace EdgeOpt.Onnx.Tflite.Internal;

/// <summary>Sequence LSTM and the custom operators real TFLite models carry.</summary>
internal sealed partial class TfliteGraphConverter
{
    /// <summary>
    /// UNIDIRECTIONAL_SEQUENCE_LSTM. TFLite's kernel (lstm_eval.cc), per time step: gate pre-activations
    /// x·Wᵀ + h·Rᵀ (+ peephole ⊙ c for the input and forget gates) + b, in the order input, forget, cell, output;
    /// i = σ(·) (or 1 − f under CIFG, when the input gate's weights are absent), f = σ(·), g = act(·);
    /// c = f ⊙ c + i ⊙ g, clipped to ±cell_clip when that is positive; o = σ(· + peephole ⊙ c) with the new c;
    /// h = o ⊙ act(c), projected (and clipped to ±proj_clip) when there is a projection layer.
    /// ONNX's LSTM computes the same except for the clips (its <c>clip</c> bounds the gate inputs, not the cell state)
    /// and the projection, so a plain LSTM becomes one ONNX LSTM and the others are unrolled over their (static)
    /// sequence length. Both start from zero states: the state inputs are variable tensors, which a fresh TFLite
    /// interpreter zeroes (int8 ones to their zero point), so the converted graph is one invocation of a new
    /// interpreter; a streaming caller that keeps the state between calls gets different results from the second call.
    /// </summary>
    private void UnidirectionalSequenceLstm(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "input"), y = Out(op);
        if (Enumerable.Range(20, 4).Any(i => In(op, i) >= 0)) Unsupported("layer-normalized LSTM is not supported");
        if (Options.Bool(op, 5)) Unsupported("LSTM with diagonal recurrent weights (diagonal_recurrent_tensors) is not supported");
        var forgetWeights = Tensor(RequireInput(op, 2, "input-to-forget weights"));
        if (forgetWeights.Shape.Length != 2 || Rank(x) != 3) Malformed("LSTM input must be rank 3 and its weights rank 2");
        // The sizes come from a shape; zero-filled gates are allocated from them only once two stored matrices
        // (input- and recurrent-to-forget, which TFLite requires) prove they fit in the file.
        int hidden = forgetWeights.Shape[0], inputSize = forgetWeights.Shape[1];
        RequireInput(op, 6, "recurrent-to-forget weights");
        LstmConstant(op, 2, hidden, inputSize, "input-to-forget weights");
        LstmConstant(op, 6, hidden, hidden, "recurrent-to-forget weights");
        // TFLite clips only for positive values (lstm_eval.cc tests cell_clip > 0); zero and negative mean no clip.
        float cellClip = Math.Max(Options.Float(op, 1), 0), projectionClip = Math.Max(Options.Float(op, 2), 0);
        if (cellClip > 0 || In(op, 16) >= 0) UnrolledLstm(op, x, y, cellClip, projectionClip);
        else LstmNode(op, x, y);
    }

    /// <summary>The LSTM as one ONNX LSTM node: stacked weights in ONNX's gate order i, o, f, c (peepholes i, o, f).</summary>
    private void LstmNode(TfliteOperator op, int x, int y)
    {
        var activation = Options.Activation(op, 0);
        var cellActivation = activation switch
        {
            FusedActivation.TANH => "Tanh",
            FusedActivation.RELU => "Relu",
            FusedActivation.NONE => Unsupported<string>("LSTM without a cell activation has no ONNX form"),
            _ => Unsupported<string>($"LSTM cell activation {activation} is not supported"),
        };
        var timeMajor = Options.Bool(op, 3);
        var forgetWeights = Tensor(In(op, 2));
        int hidden = forgetWeights.Shape[0], inputSize = forgetWeights.Shape[1];
        var cifg = In(op, 1) < 0; // coupled input and forget gate: the input gate is 1 − forget

        // ONNX order: input, output, forget, cell.
        int[] weightInputs = [1, 4, 2, 3], recurrentInputs = [5, 8, 6, 7], biasInputs = [12, 15, 13, 14];
        var w = weightInputs.SelectMany(i => LstmConstant(op, i, hidden, inputSize, $"input weights {i}")).ToArray();
        var r = recurrentInputs.SelectMany(i => LstmConstant(op, i, hidden, hidden, $"recurrent weights {i}")).ToArray();
        var b = biasInputs.SelectMany(i => LstmConstant(op, i, hidden, 1, $"bias {i}")).Concat(new float[4 * hidden]).ToArray();
        var peephole = In(op, 10) >= 0 || In(op, 11) >= 0 || In(op, 9) >= 0;
        var wValue = Constant(Tensor(y).Name + "_W", w, 1, 4 * hidden, inputSize);
        var rValue = Constant(Tensor(y).Name + "_R", r, 1, 4 * hidden, hidden);
        var bValue = Constant(Tensor(y).Name + "_B", b, 1, 8 * hidden);
        Value? pValue = peephole ? Constant(Tensor(y).Name + "_P", new[] { 9, 11, 10 }.SelectMany(i => LstmConstant(op, i, hidden, 1, $"peephole {i}")).ToArray(), 1, 3 * hidden) : null;

        Value? Initial(int index) => InitialState(op, index) is { } state ? Emit("Unsqueeze", state, Int64s(0)) : null;

        var sequence = Float(x);
        if (!timeMajor) sequence = Transpose(sequence, [1, 0, 2]);
        var attributes = new List<(string, object)>
        {
            ("hidden_size", (long)hidden),
            ("activations", new[] { "Sigmoid", cellActivation, cellActivation }),
        };
        if (cifg) attributes.Add(("input_forget", 1L));
        var outputs = EmitMany("LSTM", [sequence, wValue, rValue, bValue, null, Initial(18), Initial(19), pValue], 1, [.. attributes]);
        var result = Emit("Squeeze", outputs[0], Int64s(1)); // [T, 1, B, H] → [T, B, H]
        if (!timeMajor) result = Transpose(result, [1, 0, 2]);
        Bind(y, result);
    }

    /// <summary>Time steps an LSTM is unrolled into at most: each is about twenty nodes (real TFLite LSTMs have tens to hundreds).</summary>
    public const int MaxUnrolledSteps = 4096;

    /// <summary>
    /// The LSTM unrolled over its time steps, for what ONNX's LSTM cannot say: the cell clip, the projection layer and
    /// its clip. The input part of every step is one MatMul over the whole sequence; each step then adds h·Rᵀ and runs
    /// the gates. Quantized state tensors (the integer kernel's int8 h and int16 c) get a QuantizeLinear →
    /// DequantizeLinear per step, so the state saturates and rounds where TFLite's does; the gates themselves run in
    /// float (TFLite's integer kernel computes them in 16-bit fixed point).
    /// </summary>
    private void UnrolledLstm(TfliteOperator op, int x, int y, float cellClip, float projectionClip)
    {
        var activation = Options.Activation(op, 0);
        var timeMajor = Options.Bool(op, 3);
        var timeAxis = timeMajor ? 0 : 1;
        if (IsDynamic(x, timeAxis))
            Unsupported("LSTM with cell_clip or a projection is unrolled per time step and needs a static sequence length; this input's is dynamic");
        var steps = Tensor(x).Shape[timeAxis];
        var forgetWeights = Tensor(In(op, 2));
        int hidden = forgetWeights.Shape[0], inputSize = forgetWeights.Shape[1];
        var projection = In(op, 16);
        if (projection >= 0 && (Rank(projection) != 2 || Tensor(projection).Shape[1] != hidden))
            Malformed($"projection weights must be [output size, {hidden}], not [{string.Join(",", Tensor(projection).Shape)}]");
        var outputSize = projection >= 0 ? Tensor(projection).Shape[0] : hidden;
        var cifg = In(op, 1) < 0;
        if (steps <= 0) Malformed($"sequence length {steps} must be positive");
        if (steps > MaxUnrolledSteps)
            Unsupported($"LSTM with cell_clip or a projection is unrolled per time step; its {steps} steps exceed the {MaxUnrolledSteps} EdgeOpt unrolls");

        // Stacked in TFLite's gate order (input, forget, cell, output), the input gate left out under CIFG, and stored
        // transposed for MatMul: x·Wᵀ is x [.., I] × Wᵀ [I, gates·H].
        int[] weightInputs = cifg ? [2, 3, 4] : [1, 2, 3, 4], recurrentInputs = cifg ? [6, 7, 8] : [5, 6, 7, 8], biasInputs = cifg ? [13, 14, 15] : [12, 13, 14, 15];
        var gates = weightInputs.Length;
        var name = Tensor(y).Name;
        var w = Transposed(weightInputs.Select(i => LstmConstant(op, i, hidden, inputSize, $"input weights {i}")).ToArray(), hidden, inputSize);
        var r = Transposed(recurrentInputs.Select(i => LstmConstant(op, i, hidden, outputSize, $"recurrent weights {i}")).ToArray(), hidden, outputSize);
        var b = biasInputs.SelectMany(i => LstmConstant(op, i, hidden, 1, $"bias {i}")).ToArray();
        var wValue = Constant(name + "_W", w, inputSize, gates * hidden);
        var rValue = Constant(name + "_R", r, outputSize, gates * hidden);
        var bValue = Constant(name + "_B", b, gates * hidden);
        Value? Peephole(int index) => In(op, index) >= 0 ? Constant(name + $"_P{index}", LstmConstant(op, index, hidden, 1, $"peephole {index}"), hidden) : null;
        Value? inputPeephole = cifg ? null : Peephole(9), forgetPeephole = Peephole(10), outputPeephole = Peephole(11);
        Value? projectionWeights = null, projectionBias = null;
        if (projection >= 0)
        {
            projectionWeights = Constant(name + "_projection", Transposed([LstmConstant(op, 16, outputSize, hidden, "projection weights")], outputSize, hidden), hidden, outputSize);
            if (In(op, 17) >= 0) projectionBias = Constant(name + "_projection_bias", LstmConstant(op, 17, outputSize, 1, "projection bias"), outputSize);
        }

        // Every step's input part at once: [B, T, gates·H] (or [T, B, ..]), split into steps. The bias is added per step:
        // ONNX Runtime would fuse a rank-3 MatMul + Add into Reshape → Gemm, and in an opset-21 graph the QDQ pair it
        // then moves across that Reshape fails its own type check (output_dtype against the zero point's type).
        var inputPart = Emit("MatMul", Float(x), wValue);
        var parts = steps == 1 ? [inputPart] : EmitMany("Split", [inputPart, Int64s(Enumerable.Repeat(1L, steps).ToArray())], steps, ("axis", (long)timeAxis));
        var gateSizes = Int64s(Enumerable.Repeat((long)hidden, gates).ToArray());
        int h = In(op, 18), c = In(op, 19);
        Value? output = InitialState(op, 18), cell = InitialState(op, 19); // null: zero, and the terms it feeds vanish
        var stepOutputs = new Value?[steps];
        for (var t = 0; t < steps; t++)
        {
            var z = Emit("Add", Emit("Squeeze", parts[t], Int64s(timeAxis)), bValue);
            if (output is not null) z = Emit("Add", z, Emit("MatMul", output, rValue));
            var split = EmitMany("Split", [z, gateSizes], gates, ("axis", 1L));
            Value inputGate = split[0], forgetGate = split[cifg ? 0 : 1], cellGate = split[cifg ? 1 : 2], outputGate = split[cifg ? 2 : 3];
            if (cell is not null)
            {
                if (inputPeephole is not null) inputGate = Emit("Add", inputGate, Emit("Mul", cell, inputPeephole));
                if (forgetPeephole is not null) forgetGate = Emit("Add", forgetGate, Emit("Mul", cell, forgetPeephole));
            }
            var f = Emit("Sigmoid", forgetGate);
            var i = cifg ? Emit("Sub", Scalar(1), f) : Emit("Sigmoid", inputGate);
            var update = Emit("Mul", i, Activate(cellGate, activation));
            var newCell = cell is null ? update : Emit("Add", Emit("Mul", f, cell), update);
            if (cellClip > 0) newCell = Emit("Clip", newCell, Scalar(-cellClip), Scalar(cellClip));
            newCell = QuantizeLike(c, newCell);
            if (outputPeephole is not null) outputGate = Emit("Add", outputGate, Emit("Mul", newCell, outputPeephole));
            var step = Emit("Mul", Emit("Sigmoid", outputGate), Activate(newCell, activation));
            if (projectionWeights is not null)
            {
                step = Emit("MatMul", step, projectionWeights);
                if (projectionBias is not null) step = Emit("Add", step, projectionBias);
                if (projectionClip > 0) step = Emit("Clip", step, Scalar(-projectionClip), Scalar(projectionClip));
            }
            output = QuantizeLike(h, step);
            cell = newCell;
            // The sequence output takes h before its rounding (Bind rounds it the same way): an Unsqueeze straight after a
            // DequantizeLinear is where ONNX Runtime inserts its own QDQ pair, which its int8 → uint8 rewrite of an
            // opset-21 graph then breaks ("output_dtype INT8 does not match y_zero_point type UINT8", ORT 1.31).
            stepOutputs[t] = Emit("Unsqueeze", step, Int64s(timeAxis));
        }
        Bind(y, steps == 1 ? stepOutputs[0]! : Emit("Concat", stepOutputs, [("axis", (long)timeAxis)]));
    }

    /// <summary>An LSTM weight, bias or peephole as floats (zeros when the optional input is absent).</summary>
    private float[] LstmConstant(TfliteOperator op, int index, int rows, int cols, string what)
    {
        var t = In(op, index);
        if (t < 0) return new float[rows * cols];
        var values = ConstantFloats(t) ?? Unsupported<float[]>($"LSTM {what} (tensor '{Tensor(t).Name}') must be a per-tensor constant");
        if (values.Length != (long)rows * cols) Malformed($"LSTM {what} holds {values.Length} values, expected {rows}×{cols}");
        return values;
    }

    /// <summary>Row-major [rows, cols] blocks stacked along the rows, then transposed: [cols, blocks·rows].</summary>
    private static float[] Transposed(float[][] blocks, int rows, int cols)
    {
        var width = blocks.Length * rows;
        var result = new float[cols * width];
        for (var k = 0; k < blocks.Length; k++)
            for (var row = 0; row < rows; row++)
                for (var col = 0; col < cols; col++)
                    result[(col * width) + (k * rows) + row] = blocks[k][(row * cols) + col];
        return result;
    }

    /// <summary>
    /// A recurrent operator's initial state: null for zeros (absent, or a variable tensor, which a fresh TFLite
    /// interpreter zeroes and never initializes from a buffer), else the tensor's value (a constant or a graph input).
    /// </summary>
    private Value? InitialState(TfliteOperator op, int index)
    {
        var t = In(op, index);
        if (t < 0 || Tensor(t).IsVariable) return null;
        return Float(t);
    }

    /// <summary>
    /// <paramref name="value"/> rounded and saturated as <paramref name="tensor"/>'s quantization stores it
    /// (QuantizeLinear → DequantizeLinear), for values a kernel keeps in that tensor between steps; unchanged when the
    /// tensor is absent or float.
    /// </summary>
    private Value QuantizeLike(int tensor, Value value)
    {
        if (tensor < 0) return value;
        var t = Tensor(tensor);
        if (!IsQuantized(t) || t.Type == TfliteTensorType.INT32) return value;
        var (scale, zeroPoint) = QuantParameters(t, 0, null, out var axis);
        if (axis is not null) Unsupported($"state tensor '{t.Name}' is quantized per axis, which a recurrent state cannot be");
        var q = Emit("QuantizeLinear", value, scale, zeroPoint);
        return Emit("DequantizeLinear", q, scale, zeroPoint);
    }

    /// <summary>
    /// SVDF (svdf.cc; TFLite Micro's svdf_common.cc for int8 state): a rank-r factorized layer over time. Each call
    /// shifts the state [B, F·M] (F = filters, M = memory) one step left, writes feature = x·W_featureᵀ into the
    /// newest column (requantized into the state's type for integer models), then out[u] = act(bias[u] +
    /// Σ over the rank's r filters of u of Σ_m state[f, m]·W_time[f, m]). The state is a variable tensor that a fresh
    /// interpreter zeroes, so on the first call only the newest column is non-zero: out = act(bias + Σ_r
    /// feature[f]·W_time[f, M−1]). The converted graph is that first call; later calls of a streaming caller, whose
    /// state holds history, are not reproduced.
    /// </summary>
    private void Svdf(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "input"), featureWeights = RequireInput(op, 1, "feature weights"), timeWeights = RequireInput(op, 2, "time weights");
        int bias = In(op, 3), state = RequireInput(op, 4, "state"), y = Out(op);
        var rank = Options.Int(op, 0);
        if (Rank(x) != 2 || Rank(featureWeights) != 2 || Rank(timeWeights) != 2) Malformed("input, feature weights and time weights must be rank 2");
        int filters = Tensor(featureWeights).Shape[0], memory = Tensor(timeWeights).Shape[1];
        if (rank <= 0 || filters % rank != 0) Malformed($"rank {rank} must be positive and divide the {filters} filters");
        if (Tensor(timeWeights).Shape[0] != filters) Malformed($"time weights have {Tensor(timeWeights).Shape[0]} rows for {filters} filters");
        if (!Tensor(state).IsVariable) Malformed($"state '{Tensor(state).Name}' must be a variable tensor");
        var time = ConstantFloats(timeWeights) ?? Unsupported<float[]>($"SVDF time weights (tensor '{Tensor(timeWeights).Name}') must be a per-tensor constant");
        var newest = Enumerable.Range(0, filters).Select(f => time[(f * memory) + memory - 1]).ToArray();
        var units = filters / rank;

        var feature = Emit("Gemm", [Float(x), Float(featureWeights)], [("transB", 1L)]);
        // The integer kernels keep the feature in the state's own type (int8 or int16): rounded and saturated there.
        feature = QuantizeLike(state, feature);
        var result = Emit("Mul", feature, Constant(Tensor(y).Name + "_time", newest, filters));
        if (rank > 1)
            result = ReduceOverAxes("ReduceSum", Emit("Reshape", result, Int64s(-1, units, rank)), [2], keepDims: false);
        if (bias >= 0) result = Emit("Add", result, Float(bias));
        Bind(y, Activate(result, Options.Activation(op, 1)));
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
            case { } code when code.StartsWith("Signal", StringComparison.Ordinal):
                // TFLite Micro's signal library (tensorflow/lite/micro/signal): fixed-point audio front-end stages, some
                // with state (noise estimates, PCAN gain), that no ONNX operator or short composition reproduces.
                Unsupported($"custom operator '{code}' is one of TFLite Micro's signal-processing operators (audio front end), which have no ONNX form");
                break;
            default:
                Unsupported($"custom operator '{op.Code.CustomCode}' is not supported (known custom operators: Convolution2DTransposeBias)");
                break;
        }
    }
}
