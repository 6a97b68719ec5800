using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using static EdgeOpt.Tests.Passes.EliminationHarness;
using static EdgeOpt.Tests.Passes.PassHarness;

namespace EdgeOpt.Tests.Passes;

public class CommonSubexpressionEliminationTests
{
    [Fact]
    public void Identical_chains_collapse_into_one()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 2, 4);
        var a1 = b.Op("Sigmoid", [b.Op("Relu", [x])]);
        var a2 = b.Op("Sigmoid", [b.Op("Relu", [x])]);
        b.Output(b.Op("Add", [a1, a2]), "y", Float(2, 4));
        using var original = b.Build();

        var (model, changed) = Apply(new CommonSubexpressionElimination(), original);

        Assert.True(changed);
        Assert.Equal(["Relu", "Sigmoid", "Add"], OpTypes(model));
        var add = model.Graph.Nodes[2];
        Assert.Same(add.Inputs[0], add.Inputs[1]);
        AssertExactlyEquivalent(original, model);
    }

    [Fact]
    public void Equal_constants_merge_and_a_duplicate_at_a_graph_output_keeps_the_output_name()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 3);
        var c1 = b.Op("Constant", [], ("value", Tensor.Create("c1", new[] { 1f, 2f, 3f }, 3)));
        var c2 = b.Op("Constant", [], ("value", Tensor.Create("c2", new[] { 1f, 2f, 3f }, 3)));
        var m1 = b.Op("Mul", [x, c1]);
        b.Output(b.Op("Neg", [m1]), "y", Float(3));
        b.Output(b.Op("Mul", [x, c2]), "z", Float(3));
        using var original = b.Build();

        var (model, changed) = Apply(new CommonSubexpressionElimination(), original);

        Assert.True(changed);
        Assert.Equal(["Constant", "Mul", "Neg"], OpTypes(model));
        Assert.Equal(["y", "z"], model.Graph.Outputs.Select(o => o.Name));
        Assert.Equal("z", model.Graph.Nodes[1].Outputs[0].Name);
        AssertExactlyEquivalent(original, model);
    }

    [Fact]
    public void Different_attributes_or_inputs_are_not_merged()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 4);
        var a = b.Op("LeakyRelu", [x], ("alpha", 0.1f));
        var c = b.Op("LeakyRelu", [x], ("alpha", 0.2f));
        var d = b.Op("Relu", [a]);
        var e = b.Op("Relu", [c]);
        b.Output(b.Op("Sum", [d, e]), "y", Float(4));
        using var model = b.Build();

        Assert.False(new CommonSubexpressionElimination().Run(model, new PassContext()).Changed);
        Assert.Equal(5, model.Graph.Nodes.Count);
    }

    [Fact]
    public void Random_ops_are_never_merged()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 4);
        var r1 = b.Op("RandomUniformLike", [x]);
        var r2 = b.Op("RandomUniformLike", [x]);
        b.Output(b.Op("Sub", [r1, r2]), "y", Float(4));
        using var model = b.Build();

        Assert.False(new CommonSubexpressionElimination().Run(model, new PassContext()).Changed);
        Assert.Equal(3, model.Graph.Nodes.Count);
    }

    [Fact]
    public void Two_duplicates_that_are_both_graph_outputs_stay_apart()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 4);
        b.Output(b.Op("Relu", [x]), "a", Float(4));
        b.Output(b.Op("Relu", [x]), "b", Float(4));
        using var model = b.Build();

        Assert.False(new CommonSubexpressionElimination().Run(model, new PassContext()).Changed);
        Assert.Equal(["a", "b"], model.Graph.Outputs.Select(o => o.Name));
    }
}
