using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Onnx;

/// <summary>
/// <see cref="InferredTypes"/>, the one clone-and-infer helper of passes and the opset converter: types come from a
/// copy (the model keeps its own), and an inference failure is handed to the caller instead of being swallowed.
/// </summary>
public class InferredTypesTests
{
    [Fact]
    public void Types_are_inferred_on_a_copy_and_the_model_keeps_its_own()
    {
        var b = new GraphBuilder("chain");
        var x = b.Input("x", DataType.Float, 2, 4);
        var a = b.AddNode("Neg", [x], outputNames: ["a"]).Outputs[0];
        b.Output(b.AddNode("Relu", [a], outputNames: ["y"]).Outputs[0]);
        using var model = b.Build();
        var before = model.ToBytes();

        var types = InferredTypes.Of(model);

        Assert.Null(types.Failure);
        Assert.Equal(new TensorType(DataType.Float, new TensorShape(2, 4)), types["a"]);
        Assert.Null(types["no-such-value"]);
        Assert.Null(model.Graph.Nodes[0].Outputs[0].Type);
        Assert.Equal(before, model.ToBytes());
    }

    [Fact]
    public void An_inference_failure_is_handed_to_the_caller_with_the_types_already_known()
    {
        // Neg reads what Relu makes from Neg's output: a cycle, which inference refuses.
        var b = new GraphBuilder("cycle");
        b.Input("x", DataType.Float, 3);
        var back = new Value("back");
        var neg = new Node("Neg", [back], [new Value("a")], name: "neg");
        b.Graph.AddNode(neg);
        b.Graph.AddNode(new Node("Relu", [neg.Outputs[0]], [back], name: "relu"));
        b.Output(neg.Outputs[0]);
        using var model = b.Build();

        var types = InferredTypes.Of(model);

        Assert.NotNull(types.Failure);
        Assert.Contains("cycle", types.Failure, StringComparison.Ordinal);
        Assert.Equal(new TensorType(DataType.Float, new TensorShape(3)), types["x"]);
        Assert.Null(types["a"]);
    }
}
