using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Passes;

/// <summary>
/// Rule: an inference-mode <c>y, mask = Dropout(x, ...)</c> → readers of <c>y</c> read <c>x</c>.
/// Inference mode means: opset &lt; 7 with <c>is_test=1</c> (or <c>ratio=0</c>); opset 7–11 always (the op is a copy
/// outside training); opset ≥ 12 when <c>training_mode</c> is absent or a constant false (or <c>ratio</c> a constant 0).
/// A used <c>mask</c> is replaced by <c>ConstantOfShape(Shape(x), true)</c> (opset ≥ 10, where the mask is bool);
/// with a used mask in older opsets the node stays. Graph-output names are kept as in <see cref="EliminateIdentity"/>.
/// </summary>
public sealed class EliminateDropout : IGraphPass
{
    public string Name => "eliminate-dropout";
    public string Description => "Removes inference-mode Dropout (a used mask becomes all-true).";
    public PassLevel Level => PassLevel.Basic;

    public PassResult Run(Model model, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(model);
        var opset = model.GetOpset() ?? 0;
        NameGenerator? names = null;
        var removed = 0;
        foreach (var graph in model.Graph.AllGraphs().ToList())
        {
            foreach (var node in graph.Nodes.ToList())
            {
                if (node is not { OpType: "Dropout", IsOnnxDomain: true } || node.Inputs.Count == 0 || node.Inputs[0] is not { } x) continue;
                if (!IsInferenceMode(node, opset)) continue;
                var output = node.Outputs[0];
                if (!GraphQueries.CanReplaceValue(output, x)) continue;
                var mask = node.Outputs.Count > 1 && node.Outputs[1].Name.Length > 0 ? node.Outputs[1] : null;
                if (mask is not null && !GraphQueries.IsUnused(mask))
                {
                    if (opset < 10) continue;
                    names ??= new NameGenerator(model);
                    ReplaceMaskWithAllTrue(graph, node, x, mask, names);
                }
                GraphQueries.RemoveNodeAndRewire(node, x);
                removed++;
            }
        }
        return PassResult.Of(removed);
    }

    private static bool IsInferenceMode(Node node, long opset)
    {
        if (opset < 7)
            return node.Attributes.GetInt("is_test", 0) != 0 || node.Attributes.GetFloat("ratio", 0.5f) == 0f;
        if (opset < 12) return true;
        if (IsConstantZero(node.Inputs.Count > 1 ? node.Inputs[1] : null)) return true;
        var trainingMode = node.Inputs.Count > 2 ? node.Inputs[2] : null;
        if (trainingMode is null) return true;
        return GraphQueries.TryGetConstant(trainingMode) is { DataType: DataType.Bool, ElementCount: 1 } t && t.RawBytes[0] == 0;
    }

    private static bool IsConstantZero(Value? ratio) =>
        GraphQueries.TryGetConstant(ratio) is { ElementCount: 1, DataType: DataType.Float or DataType.Double or DataType.Float16 } t
        && t.ToSingleArray()[0] == 0f;

    /// <summary>Inserts mask' = ConstantOfShape(Shape(x), value=true) before the Dropout and moves the mask's readers to it.</summary>
    private static void ReplaceMaskWithAllTrue(Graph graph, Node dropout, Value x, Value mask, NameGenerator names)
    {
        var shape = names.NewValue(mask.Name + "_shape", new TensorType(DataType.Int64, x.Shape is { } s ? TensorShape.FromDims([s.Rank]) : null));
        var allTrue = names.NewValue(mask.Name + "_all_true", new TensorType(DataType.Bool, x.Shape));
        graph.InsertBefore(dropout, new Node("Shape", [x], [shape], name: names.Fresh(mask.Name + "_Shape")));
        var fill = new Node("ConstantOfShape", [shape], [allTrue], name: names.Fresh(mask.Name + "_ConstantOfShape"));
        fill.Attributes.Set(OnnxAttribute.FromTensor("value", Tensor.Create("value", new[] { true }, 1)));
        graph.InsertBefore(dropout, fill);
        // The new value is a node output of the same graph, so it can take a graph-output name if needed.
        GraphQueries.TryReplaceValue(mask, allTrue);
    }
}
