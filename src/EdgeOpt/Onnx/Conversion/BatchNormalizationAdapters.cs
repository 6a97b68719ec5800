namespace EdgeOpt.Onnx.Conversion;

/// <summary>
/// BatchNormalization's history: <c>is_test</c> dropped at 7 (inference is the only mode until 14), <c>spatial</c>
/// dropped at 9 (spatial=0, per-activation statistics, has no later equivalent unless the input is 2-D), and at 14
/// the training outputs became running mean/variance under <c>training_mode</c>. Inference-only nodes convert both
/// ways; nodes whose training outputs are used are refused.
/// </summary>
internal static class BatchNormalizationAdapters
{
    public static IEnumerable<OpAdapter> All()
    {
        yield return new RemovedAttributeAdapter("BatchNormalization", 7, "is_test");
        yield return new RemovedAttributeAdapter("BatchNormalization", 9, "spatial", (node, a, context) =>
            context.AttributeValue<long>(node, a, AttributeKind.Int) != 0 || context.RankOf(context.Input(node, 0)) == 2 ? null
                : "spatial=0 (statistics per activation) has no equivalent from opset 9 unless the input is 2-D");
        yield return new TrainingOutputs();
    }

    private sealed class TrainingOutputs() : OpAdapter("BatchNormalization", 14)
    {
        public override bool Upgrade(Node node, ConversionContext context)
        {
            if (node.Outputs.Count <= 1) return false;
            context.DropOutputs(node, 1, "from opset 14 BatchNormalization has training outputs only in training_mode");
            return true;
        }

        public override bool Downgrade(Node node, ConversionContext context)
        {
            if (node.Attributes.GetInt("training_mode", 0) != 0)
                context.Refuse(node, "training_mode=1 has no equivalent before opset 14");
            var changed = node.Attributes.Remove("training_mode");
            if (node.Outputs.Count > 1)
            {
                context.DropOutputs(node, 1, "before opset 14 BatchNormalization's extra outputs mean something else");
                changed = true;
            }
            return changed;
        }
    }
}
