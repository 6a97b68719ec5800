using EdgeOpt.Onnx.Tflite.Schema;

namespace EdgeOpt.Onnx.Tflite.Internal;

/// <summary>Shape, slicing, reduction and data-movement operators; axes move with the layout where the op allows it.</summary>
internal sealed partial class TfliteGraphConverter
{
    private long _opset = 17;

    /// <summary>The ONNX opset the graph is written for (21 when int16 quantization needs it, else 17).</summary>
    public long Opset => _opset;

    private void Reshape(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "input"), shape = In(op, 1), y = Out(op);
        Value target;
        var dynamicDims = Tensor(y).ShapeSignature?.Count(d => d == -1) ?? 0;
        if (dynamicDims <= 1) target = Int64s(OutputShapeForReshape(y));
        else if (shape >= 0 && !IsConstant(shape)) target = Emit("Cast", [Raw(shape)], [("to", (long)DataType.Int64)]);
        else target = Int64s(RequireIntegers(shape, "the new shape"));
        Bind(y, Emit("Reshape", Float(x), target));
    }

    private void Concatenation(TfliteOperator op)
    {
        var y = Out(op);
        var inputs = op.Inputs.Where(i => i >= 0).ToArray();
        if (inputs.Length == 0) Malformed("has no inputs");
        var rank = Rank(inputs[0]);
        var layout = Pick(inputs);
        var axis = NormalizeAxis(Options.Int(op, 0), rank);
        if (axis < 0 || axis >= rank) Malformed($"axis {Options.Int(op, 0)} is outside rank {rank}");
        if (layout == Layout.ChannelsFirst) axis = ChannelsFirstAxis(axis);
        var concat = Emit("Concat", inputs.Select(i => (Value?)(IsConstant(i) ? ConstantAligned(i, 4, layout) : Float(i, layout))).ToArray(), [("axis", (long)axis)]);
        Bind(y, Activate(concat, Options.Activation(op, 1)), layout);
    }

    private void Pack(TfliteOperator op)
    {
        var y = Out(op);
        var inputs = op.Inputs.Where(i => i >= 0).ToArray();
        var axis = NormalizeAxis(Options.Int(op, 1), Rank(y));
        var axes = Int64s(axis);
        var parts = inputs.Select(i => (Value?)Emit("Unsqueeze", Float(i), axes)).ToArray();
        Bind(y, parts.Length == 1 ? parts[0]! : Emit("Concat", parts, [("axis", (long)axis)]));
    }

    private void Unpack(TfliteOperator op)
    {
        var x = RequireInput(op, 0, "input");
        var axis = NormalizeAxis(Options.Int(op, 1), Rank(x));
        var count = op.Outputs.Length;
        var parts = EmitMany("Split", [Float(x), Int64s(Enumerable.Repeat(1L, count).ToArray())], count, ("axis", (long)axis));
        var axes = Int64s(axis);
        for (var i = 0; i < count; i++) Bind(op.Outputs[i], Emit("Squeeze", parts[i], axes));
    }

    private void Pad(TfliteOperator op, string mode)
    {
        int x = RequireInput(op, 0, "input"), paddings = RequireInput(op, 1, "paddings"), y = Out(op);
        var rank = Rank(x);
        var pads = RequireIntegers(paddings, "paddings");
        if (pads.Length != 2 * rank) Malformed($"paddings hold {pads.Length} values for a rank-{rank} input (expected {2 * rank})");
        var layout = Pick(x);
        var onnxPads = new long[2 * rank];
        for (var axis = 0; axis < rank; axis++)
        {
            var target = layout == Layout.ChannelsFirst ? ChannelsFirstAxis(axis) : axis;
            onnxPads[target] = pads[2 * axis];
            onnxPads[rank + target] = pads[2 * axis + 1];
        }
        Value? constant = null;
        if (mode == "constant" && In(op, 2) is var c and >= 0)
            constant = ConstantFloats(c) is { Length: 1 } value ? Scalar(value[0]) : Emit("Reshape", Float(c), Int64s([]));
        var inputs = new List<Value?> { Float(x, layout), Int64s(onnxPads) };
        if (constant is not null) inputs.Add(constant);
        Bind(y, Emit("Pad", [.. inputs], [("mode", mode)]), layout);
    }

    private void MirrorPad(TfliteOperator op)
    {
        // REFLECT (0) leaves the border out, like ONNX reflect; SYMMETRIC (1) repeats it, which ONNX Pad has no mode for.
        if (Options.Byte(op, 0) != 0) Unsupported("MIRROR_PAD in SYMMETRIC mode has no ONNX Pad mode (only REFLECT is supported)");
        Pad(op, "reflect");
    }

    private void StridedSlice(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "input"), y = Out(op);
        var begin = RequireIntegers(RequireInput(op, 1, "begin"), "begin");
        var end = RequireIntegers(RequireInput(op, 2, "end"), "end");
        var strides = In(op, 3) >= 0 ? RequireIntegers(In(op, 3), "strides") : Enumerable.Repeat(1L, begin.Length).ToArray();
        int beginMask = Options.Int(op, 0), endMask = Options.Int(op, 1), ellipsisMask = Options.Int(op, 2), newAxisMask = Options.Int(op, 3), shrinkMask = Options.Int(op, 4);
        var offset = Options.Bool(op, 5);
        if (ellipsisMask != 0 || newAxisMask != 0) Unsupported("STRIDED_SLICE with ellipsis_mask or new_axis_mask is not supported");
        var rank = Rank(x);
        if (begin.Length != end.Length || begin.Length != strides.Length || begin.Length > rank)
            Malformed($"begin ({begin.Length}), end ({end.Length}) and strides ({strides.Length}) must have one entry per sliced axis of the rank-{rank} input");
        var layout = shrinkMask == 0 ? Pick(x) : Layout.Native;
        var starts = new List<long>();
        var ends = new List<long>();
        var axes = new List<long>();
        var steps = new List<long>();
        var squeeze = new List<long>();
        for (var i = 0; i < begin.Length; i++)
        {
            var step = strides[i];
            if (step == 0) Malformed($"stride {i} is 0");
            var start = (beginMask >> i & 1) != 0 ? (step > 0 ? 0 : long.MaxValue) : begin[i];
            var stop = offset ? begin[i] + end[i] : end[i];
            if ((endMask >> i & 1) != 0) stop = step > 0 ? long.MaxValue : long.MinValue;
            if ((shrinkMask >> i & 1) != 0)
            {
                start = begin[i];
                stop = start == -1 ? long.MaxValue : start + 1;
                step = 1;
                squeeze.Add(i);
            }
            starts.Add(start);
            ends.Add(stop);
            axes.Add(layout == Layout.ChannelsFirst ? ChannelsFirstAxis(i) : i);
            steps.Add(step);
        }
        var sliced = Emit("Slice", Float(x, layout), Int64s([.. starts]), Int64s([.. ends]), Int64s([.. axes]), Int64s([.. steps]));
        if (squeeze.Count > 0) sliced = Emit("Squeeze", sliced, Int64s([.. squeeze]));
        Bind(y, sliced, layout);
    }

    private void Slice(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "input"), y = Out(op);
        var begin = RequireIntegers(RequireInput(op, 1, "begin"), "begin");
        var size = RequireIntegers(RequireInput(op, 2, "size"), "size");
        if (begin.Length != size.Length || begin.Length != Rank(x)) Malformed($"begin and size must have {Rank(x)} entries");
        var layout = Pick(x);
        var ends = begin.Zip(size, (b, s) => s == -1 ? long.MaxValue : b + s).ToArray();
        var axes = Enumerable.Range(0, begin.Length).Select(i => (long)(layout == Layout.ChannelsFirst ? ChannelsFirstAxis(i) : i)).ToArray();
        Bind(y, Emit("Slice", Float(x, layout), Int64s(begin), Int64s(ends), Int64s(axes)), layout);
    }

    private void Gather(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "params"), indices = RequireInput(op, 1, "indices"), y = Out(op);
        if (Options.Int(op, 1) != 0) Unsupported("GATHER with batch_dims is not supported");
        var axis = NormalizeAxis(Options.Int(op, 0), Rank(x));
        Bind(y, Emit("Gather", [Float(x), Raw(indices)], [("axis", (long)axis)]));
    }

    private void GatherNd(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "params"), indices = RequireInput(op, 1, "indices"), y = Out(op);
        Bind(y, Emit("GatherND", Float(x), Emit("Cast", [Raw(indices)], [("to", (long)DataType.Int64)])));
    }

    private void Split(TfliteOperator op, int axisInput, int dataInput, int sizesInput)
    {
        var x = RequireInput(op, dataInput, "input");
        var axisValues = RequireIntegers(RequireInput(op, axisInput, "axis"), "axis");
        if (axisValues.Length != 1) Malformed("axis must hold one value");
        var rank = Rank(x);
        var axis = NormalizeAxis(axisValues[0], rank);
        if (axis < 0 || axis >= rank) Malformed($"axis {axisValues[0]} is outside rank {rank}");
        // The sizes of the pieces are the output tensors' own: exact for SPLIT, and SPLIT_V's -1 resolved.
        var sizes = op.Outputs.Select(o => (long)Tensor(o).Shape.ElementAtOrDefault(axis)).ToArray();
        if (sizesInput >= 0 && ConstantIntegers(In(op, sizesInput)) is { } given && given.All(s => s >= 0)) sizes = given;
        var layout = Pick(x);
        var onnxAxis = layout == Layout.ChannelsFirst ? ChannelsFirstAxis(axis) : axis;
        var parts = EmitMany("Split", [Float(x, layout), Int64s(sizes)], op.Outputs.Length, ("axis", (long)onnxAxis));
        for (var i = 0; i < parts.Count; i++) Bind(op.Outputs[i], parts[i], layout);
    }

    private void TransposeOp(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "input"), y = Out(op);
        var perm = RequireIntegers(RequireInput(op, 1, "perm"), "perm").Select(p => NormalizeAxis(p, Rank(x))).ToArray();
        if (perm.Length != Rank(x) || perm.Order().Where((p, i) => p != i).Any()) Malformed($"perm [{string.Join(",", perm)}] is not a permutation of the input's {Rank(x)} axes");
        // Reading a channels-first input directly folds the layout change into this transpose.
        if (Rank(x) == 4 && CurrentLayout(x) == Layout.ChannelsFirst && !IsConstant(x))
        {
            var composed = perm.Select(p => ToNative[p]).ToArray();
            Bind(y, composed.SequenceEqual([0, 1, 2, 3]) ? Float(x, Layout.ChannelsFirst) : Transpose(Float(x, Layout.ChannelsFirst), composed));
            return;
        }
        Bind(y, Transpose(Float(x), perm));
    }

    private void Tile(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "input"), multiples = RequireInput(op, 1, "multiples"), y = Out(op);
        var repeats = ConstantIntegers(multiples) is { } m ? Int64s(m) : Emit("Cast", [Raw(multiples)], [("to", (long)DataType.Int64)]);
        Bind(y, Emit("Tile", Float(x), repeats));
    }

    private void BroadcastTo(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "input"), shape = RequireInput(op, 1, "shape"), y = Out(op);
        var target = ConstantIntegers(shape) is { } s ? Int64s(s) : Emit("Cast", [Raw(shape)], [("to", (long)DataType.Int64)]);
        Bind(y, Emit("Expand", Float(x), target));
    }

    private void ShapeOp(TfliteOperator op)
    {
        int x = RequireInput(op, 0, "input"), y = Out(op);
        var shape = Emit("Shape", Raw(x));
        BindRaw(y, OnnxDataType(Tensor(y)) == DataType.Int64 ? shape : Emit("Cast", [shape], [("to", (long)OnnxDataType(Tensor(y)))]));
    }

    private void DepthSpace(TfliteOperator op, string onnxOp)
    {
        int x = RequireInput(op, 0, "input"), y = Out(op);
        var block = Options.Int(op, 0);
        if (block <= 0) Malformed($"block_size {block} must be positive");
        var attributes = new List<(string, object)> { ("blocksize", (long)block) };
        if (onnxOp == "DepthToSpace") attributes.Add(("mode", "DCR")); // TensorFlow's channel order
        Bind(y, Emit(onnxOp, [Float(x, Layout.ChannelsFirst)], [.. attributes]), Layout.ChannelsFirst);
    }

    /// <summary>
    /// TensorFlow's resize coordinate rules in ONNX terms: align_corners, half-pixel (for nearest: TF's own
    /// tf_half_pixel_for_nn with floor), or asymmetric (floor for nearest, as TF's legacy behaviour).
    /// </summary>
    private void Resize(TfliteOperator op, bool nearest)
    {
        int x = RequireInput(op, 0, "input"), size = RequireInput(op, 1, "size"), y = Out(op);
        if (Rank(x) != 4) Malformed("input must be rank 4 (NHWC)");
        var alignCorners = Options.Bool(op, nearest ? 0 : 2);
        var halfPixel = Options.Bool(op, nearest ? 1 : 3);
        var hw = ConstantIntegers(size);
        var attributes = new List<(string, object)> { ("mode", nearest ? "nearest" : "linear") };
        if (alignCorners)
        {
            attributes.Add(("coordinate_transformation_mode", "align_corners"));
            if (nearest) attributes.Add(("nearest_mode", "round_prefer_ceil"));
        }
        else if (halfPixel)
        {
            attributes.Add(("coordinate_transformation_mode", nearest ? "tf_half_pixel_for_nn" : "half_pixel"));
            if (nearest) attributes.Add(("nearest_mode", "floor"));
        }
        else
        {
            attributes.Add(("coordinate_transformation_mode", "asymmetric"));
            if (nearest) attributes.Add(("nearest_mode", "floor"));
        }
        var inShape = Tensor(x).Shape;
        Value sizes;
        if (hw is { Length: 2 } && !IsDynamic(x, 0))
            sizes = Int64s(inShape[0], inShape[3], hw[0], hw[1]);
        else
        {
            // Dynamic batch or computed size: take N and C from the input at run time.
            var nc = Emit("Slice", Emit("Shape", Float(x, Layout.ChannelsFirst)), Int64s(0), Int64s(2), Int64s(0));
            var target = hw is { Length: 2 } ? Int64s(hw) : Emit("Cast", [Raw(size)], [("to", (long)DataType.Int64)]);
            sizes = Emit("Concat", [nc, target], [("axis", 0L)]);
        }
        var resized = Emit("Resize", [Float(x, Layout.ChannelsFirst), null, null, sizes], [.. attributes]);
        Bind(y, resized, Layout.ChannelsFirst);
    }

    private void BatchMatMul(TfliteOperator op)
    {
        int a = RequireInput(op, 0, "x"), b = RequireInput(op, 1, "y"), y = Out(op);
        Value Operand(int t, bool adjoint)
        {
            var v = Float(t);
            if (!adjoint) return v;
            var rank = Rank(t);
            if (rank < 2) Malformed($"adjoint of tensor '{Tensor(t).Name}' needs rank 2 or more, not rank {rank}");
            var perm = Enumerable.Range(0, rank).ToArray();
            (perm[rank - 1], perm[rank - 2]) = (perm[rank - 2], perm[rank - 1]);
            return Transpose(v, perm);
        }
        Bind(y, Emit("MatMul", Operand(a, Options.Bool(op, 0)), Operand(b, Options.Bool(op, 1))));
    }

    private void Reduce(TfliteOperator op, string onnxOp)
    {
        int x = RequireInput(op, 0, "input"), y = Out(op);
        var rank = Rank(x);
        var axes = RequireIntegers(RequireInput(op, 1, "axes"), "axes").Select(a => NormalizeAxis(a, rank)).Distinct().Order().ToArray();
        if (axes.Any(a => a < 0 || a >= rank)) Malformed($"axes [{string.Join(",", axes)}] are outside rank {rank}");
        var keepDims = Options.Bool(op, 0);
        // Channels-first works when the result keeps rank 4, or when the dropped axes leave the rest in the same order
        // (the channel dropped, or both H and W: a global pool).
        var layout = Pick(x);
        var sameOrder = keepDims || axes.Contains(3) || axes.Contains(1) && axes.Contains(2);
        if (layout == Layout.ChannelsFirst && !sameOrder) layout = Layout.Native;
        var mapped = axes.Select(a => (long)(layout == Layout.ChannelsFirst ? ChannelsFirstAxis(a) : a)).Order().ToArray();
        var reduced = ReduceOverAxes(onnxOp, Float(x, layout), mapped, keepDims);
        Bind(y, reduced, keepDims ? layout : Layout.Native);
    }

    /// <summary>A Reduce* node; axes are an attribute before opset 18 (ReduceSum: 13), an input from then on.</summary>
    public Value ReduceOverAxes(string onnxOp, Value x, long[] axes, bool keepDims)
    {
        var axesAsInput = onnxOp == "ReduceSum" ? _opset >= 13 : _opset >= 18;
        return axesAsInput
            ? Emit(onnxOp, [x, Int64s(axes)], [("keepdims", keepDims ? 1L : 0L)])
            : Emit(onnxOp, [x], [("axes", axes), ("keepdims", keepDims ? 1L : 0L)]);
    }

    private void ArgMinMax(TfliteOperator op, string onnxOp)
    {
        int x = RequireInput(op, 0, "input"), y = Out(op);
        var axis = RequireIntegers(RequireInput(op, 1, "axis"), "axis");
        if (axis.Length != 1) Malformed("axis must hold one value");
        var index = Emit(onnxOp, [Float(x)], [("axis", (long)NormalizeAxis(axis[0], Rank(x))), ("keepdims", 0L)]);
        var type = OnnxDataType(Tensor(y));
        BindRaw(y, type == DataType.Int64 ? index : Emit("Cast", [index], [("to", (long)type)]));
    }
}
