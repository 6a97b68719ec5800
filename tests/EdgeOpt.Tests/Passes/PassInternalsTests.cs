using EdgeOpt.Onnx;
using EdgeOpt.Passes.Internal;

namespace EdgeOpt.Tests.Passes;

/// <summary>The helpers every pass uses: unique names and constant lookup / rewiring rules.</summary>
public class PassInternalsTests
{
    [Fact]
    public void Fresh_names_avoid_every_name_in_the_model_including_subgraphs()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 1);
        var cond = b.Input("c", DataType.Bool);
        var then = new Graph("then");
        var inner = new Value("x_1");
        then.AddNode(new Node("Neg", [x], [inner]));
        then.Outputs.Add(inner);
        b.AddNode("If", [cond], name: "x_2", attributes: [("then_branch", then), ("else_branch", then)]);
        using var model = b.Build();

        var names = new NameGenerator(model);

        Assert.Equal("x_3", names.Fresh("x"));
        Assert.Equal("x_4", names.Fresh("x"));
        Assert.Equal("y", names.Fresh("y"));
        Assert.Equal("y_1", names.Fresh("y"));
    }

    [Fact]
    public void Constants_are_initializers_that_are_not_inputs_and_Constant_node_outputs()
    {
        var b = new GraphBuilder(opset: 8, irVersion: 3);
        var w = b.Initializer("w", new[] { 2f }, 1);
        var overridable = b.Input("o", DataType.Float, 1);
        b.Graph.Initializers.Attach(overridable, Tensor.Create("o", new[] { 3f }, 1));
        var c = b.Op("Constant", [], ("value_ints", new long[] { 4, 5 }));
        var relu = b.Op("Relu", [w]);

        Assert.Equal([2f], GraphQueries.TryGetConstant(w)!.ToSingleArray());
        Assert.Null(GraphQueries.TryGetConstant(overridable));
        Assert.Equal([4L, 5L], GraphQueries.TryGetConstant(c)!.ToInt64Array());
        Assert.False(GraphQueries.IsConstant(relu));
        Assert.Null(GraphQueries.TryGetConstant(null));
    }

    [Fact]
    public void Replacing_a_graph_output_swaps_names_and_refuses_inputs()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 1);
        var relu = b.Op("Relu", [x]);
        var id = b.Output(b.Op("Identity", [relu]), "y");

        Assert.False(GraphQueries.CanReplaceValue(id, x));
        Assert.True(GraphQueries.TryRemoveNodeAndRewire(id.Producer!, relu));
        Assert.Equal("y", relu.Name);
        Assert.Same(relu, b.Graph.Outputs[0]);
        Assert.Single(b.Graph.Nodes);
        Assert.Throws<InvalidOperationException>(() => GraphQueries.RemoveNodeAndRewire(relu.Producer!, x));
    }
}
