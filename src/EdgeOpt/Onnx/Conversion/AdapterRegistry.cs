namespace EdgeOpt.Onnx.Conversion;

/// <summary>
/// Every ai.onnx signature change EdgeOpt converts across, from onnx docs/Changelog.md. Changes that only add types
/// need no adapter. Adapters of one operator and version run in this order when upgrading and in reverse when
/// downgrading.
/// </summary>
internal static class AdapterRegistry
{
    private static readonly OpAdapter[] All = [.. Build()];

    private static readonly ILookup<(string, int), OpAdapter> ByOldOp = All.ToLookup(a => (a.OldOp, a.Version));
    private static readonly ILookup<(string, int), OpAdapter> ByNewOp = All.Reverse().ToLookup(a => (a.NewOp, a.Version));

    /// <summary>Adapters taking <paramref name="op"/> from the form before <paramref name="version"/> to its form.</summary>
    public static IEnumerable<OpAdapter> Upgrades(string op, int version) => ByOldOp[(op, version)];

    /// <summary>Adapters taking <paramref name="op"/> from its form at <paramref name="version"/> to the one before.</summary>
    public static IEnumerable<OpAdapter> Downgrades(string op, int version) => ByNewOp[(op, version)];

    private static IEnumerable<OpAdapter> Build()
    {
        // Opset 6 dropped consumed_inputs (a legacy memory-reuse hint) everywhere.
        foreach (var op in "Abs Add BatchNormalization Ceil Clip Div Dropout Elu Exp Floor HardSigmoid InstanceNormalization LeakyRelu Log Max Mean Min Mul Neg PRelu Reciprocal Relu Selu Sigmoid Sqrt Sub Sum Tanh".Split(' '))
            yield return new RemovedAttributeAdapter(op, 6, "consumed_inputs");
        yield return new PadRenameAdapter();
        yield return new ConcatAxisAdapter();
        yield return new AttributeToInputAdapter("Reshape", 5, new AttributeInput("shape", 1, InputForm.Int64s));
        yield return new CastToAdapter();

        // Opset 7: numpy broadcasting; is_test and Gemm's broadcast gone.
        foreach (var op in "Add Sub Mul Div Pow And Or Xor Equal Greater Less".Split(' '))
            yield return new BroadcastAdapter(op);
        yield return new RemovedAttributeAdapter("Gemm", 7, "broadcast");
        yield return new RemovedAttributeAdapter("Dropout", 7, "is_test");
        yield return new PReluSlopeAdapter();
        foreach (var a in BatchNormalizationAdapters.All()) yield return a;
        foreach (var a in ResizeAdapters.All()) yield return a;

        // Pooling grew options whose defaults keep the old behaviour.
        yield return new NewAttributeAdapter("MaxPool", 8, "storage_order", NewAttributeAdapter.Int(0));
        yield return new RefusedIndicesOutput();
        foreach (var op in new[] { "MaxPool", "AveragePool" })
            yield return new NewAttributeAdapter(op, 10, "ceil_mode", NewAttributeAdapter.Int(0));
        yield return new NewAttributeAdapter("MaxPool", 10, "dilations", NewAttributeAdapter.AllOnes);
        yield return new NewAttributeAdapter("AveragePool", 19, "dilations", NewAttributeAdapter.AllOnes);
        yield return new NewAttributeAdapter("LpPool", 18, "ceil_mode", NewAttributeAdapter.Int(0));
        yield return new NewAttributeAdapter("LpPool", 11, "dilations", NewAttributeAdapter.AllOnes);

        // Opset 8/9.
        yield return new RefusedChangeAdapter("Scan", 9, "Scan-8 carries a batch axis and sequence_lens that Scan-9 removed; this rewrite is not supported");

        // Opset 10: Slice and TopK take their parameters as inputs.
        yield return new AttributeToInputAdapter("Slice", 10,
            new AttributeInput("starts", 1, InputForm.Int64s), new AttributeInput("ends", 2, InputForm.Int64s), new AttributeInput("axes", 3, InputForm.Int64s));
        yield return new NewInputAdapter("Slice", 10, 4, "steps", NewInputAdapter.AllOnes);
        yield return new AttributeToInputAdapter("TopK", 10, new AttributeInput("k", 1, InputForm.Int64Vector));

        // Opset 11.
        yield return new AttributeToInputAdapter("Clip", 11,
            new AttributeInput("min", 1, InputForm.DataTypedScalar), new AttributeInput("max", 2, InputForm.DataTypedScalar));
        yield return new AttributeToInputAdapter("Pad", 11,
            new AttributeInput("pads", 1, InputForm.Int64s), new AttributeInput("value", 2, InputForm.DataTypedScalar));
        yield return new RenameAdapter("Scatter", "ScatterElements", 11);
        yield return new GemmBiasAdapter();
        yield return new NewAttributeAdapter("TopK", 11, "largest", NewAttributeAdapter.Int(1));
        yield return new NewAttributeAdapter("TopK", 11, "sorted", NewAttributeAdapter.Int(1));

        // Opset 12.
        yield return new AttributeToInputAdapter("Dropout", 12, new AttributeInput("ratio", 1, InputForm.FloatScalar));
        yield return new NewInputAdapter("Dropout", 12, 2, "training_mode", NewInputAdapter.AllZero);
        foreach (var op in new[] { "ArgMax", "ArgMin" })
            yield return new NewAttributeAdapter(op, 12, "select_last_index", NewAttributeAdapter.Int(0));
        yield return new ConstantValueAdapter();

        // Opset 13: axes and split become inputs; the softmax family changes meaning.
        foreach (var op in new[] { "Squeeze", "Unsqueeze" })
            yield return new AttributeToInputAdapter(op, 13, new AttributeInput("axes", 1, InputForm.Int64s));
        yield return new AttributeToInputAdapter("Split", 13, new AttributeInput("split", 1, InputForm.Int64s));
        yield return new AttributeToInputAdapter("ReduceSum", 13, new AttributeInput("axes", 1, InputForm.Int64s));
        yield return new NewAttributeAdapter("ReduceSum", 13, "noop_with_empty_axes", NewAttributeAdapter.Int(0));
        foreach (var op in new[] { "Softmax", "LogSoftmax", "Hardmax" })
            yield return new SoftmaxAdapter(op);

        // Opset 14-16.
        yield return new NewAttributeAdapter("Reshape", 14, "allowzero", NewAttributeAdapter.Int(0));
        foreach (var op in new[] { "GRU", "LSTM", "RNN" })
            yield return new NewAttributeAdapter(op, 14, "layout", NewAttributeAdapter.Int(0));
        yield return new NewAttributeAdapter("Shape", 15, "start", NewAttributeAdapter.Int(0));
        yield return new NewAttributeAdapter("Shape", 15, "end", _ => false);
        foreach (var op in new[] { "ScatterElements", "ScatterND" })
            yield return new NewAttributeAdapter(op, 16, "reduction", NewAttributeAdapter.Text("none"));

        // Opset 18: the other reductions take axes as an input; Split gets num_outputs; Pad gets axes.
        foreach (var op in "ReduceL1 ReduceL2 ReduceLogSum ReduceLogSumExp ReduceMax ReduceMean ReduceMin ReduceProd ReduceSumSquare".Split(' '))
        {
            yield return new AttributeToInputAdapter(op, 18, new AttributeInput("axes", 1, InputForm.Int64s));
            yield return new NewAttributeAdapter(op, 18, "noop_with_empty_axes", NewAttributeAdapter.Int(0));
        }
        yield return new SplitOutputsAdapter();
        yield return new NewInputAdapter("Pad", 18, 3, "axes");
        yield return new NewModeAdapter("Pad", 19, "mode", "wrap");

        // Opset 20/21.
        yield return new GridSampleModeAdapter();
        yield return new AttributeToInputAdapter("DFT", 20, new AttributeInput("axis", 2, InputForm.Int64Scalar, Default: 1L, DefaultAfter: -2L));
        yield return new RefusedChangeAdapter("GroupNormalization", 21,
            "GroupNormalization-21 takes scale and bias per channel instead of per group; this rewrite is not supported");
    }

    /// <summary>MaxPool's second output (indices) appeared at 8.</summary>
    private sealed class RefusedIndicesOutput() : OpAdapter("MaxPool", 8)
    {
        public override bool Upgrade(Node node, ConversionContext context) => false;

        public override bool Downgrade(Node node, ConversionContext context)
        {
            if (node.Outputs.Count > 1 && node.Outputs[1].Name.Length > 0)
                context.Refuse(node, "output 'Indices' has no equivalent before opset 8");
            return false;
        }
    }

    /// <summary>A string attribute value added at a version (Pad mode 'wrap' at 19).</summary>
    private sealed class NewModeAdapter(string op, int version, string attribute, string value) : OpAdapter(op, version)
    {
        public override bool Upgrade(Node node, ConversionContext context) => false;

        public override bool Downgrade(Node node, ConversionContext context)
        {
            if (node.Attributes.GetString(attribute) == value)
                context.Refuse(node, $"{attribute} '{value}' has no equivalent before opset {Version}");
            return false;
        }
    }
}
