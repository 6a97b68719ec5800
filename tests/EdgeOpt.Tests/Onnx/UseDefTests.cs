using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Onnx;

public class UseDefTests
{
    [Fact]
    public void Uses_follow_input_changes_and_replacement_reaches_graph_outputs()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, 4);
        var r = b.Op("Relu", [x]);
        var s = b.Op("Sigmoid", [r]);
        b.Output(r, "r");
        b.Output(s, "s");

        Assert.Single(r.Uses);
        Assert.Equal("Sigmoid", r.Uses[0].Node.OpType);
        Assert.Same(r.Producer, b.Graph.Nodes[0]);

        r.ReplaceAllUsesWith(x);

        Assert.Empty(r.Uses);
        Assert.Equal(2, x.Uses.Count);
        Assert.Same(x, b.Graph.Outputs[0]);
    }

    [Fact]
    public void Removing_a_used_node_is_refused_and_removing_an_unused_one_detaches_its_inputs()
    {
        var b = new GraphBuilder();
        var x = b.Input("x", DataType.Float, 4);
        var r = b.Op("Relu", [x]);
        var s = b.Op("Sigmoid", [r]);
        b.Output(s, "s");

        Assert.Throws<InvalidOperationException>(() => b.Graph.RemoveNode(r.Producer!));

        var dead = b.Op("Tanh", [x]);
        b.Graph.RemoveNode(dead.Producer!);
        Assert.Single(x.Uses);
        Assert.Equal(2, b.Graph.Nodes.Count);
    }

    [Fact]
    public void Topological_order_sorts_out_of_order_nodes_and_names_a_cycle()
    {
        var g = new Graph("g");
        var x = new Value("x", new TensorType(DataType.Float, new TensorShape(2)));
        g.Inputs.Add(x);
        var a = new Value("a");
        var bv = new Value("b");
        var second = new Node("Relu", [a], [bv], name: "second");
        var first = new Node("Relu", [x], [a], name: "first");
        g.AddNode(second);
        g.AddNode(first);
        g.Outputs.Add(bv);

        Assert.Equal(["first", "second"], g.TopologicalOrder().Select(n => n.Name));

        first.SetInput(0, bv);
        var e = Assert.Throws<ModelFormatException>(() => g.TopologicalOrder());
        Assert.Contains("cycle", e.Message, StringComparison.Ordinal);
        Assert.Contains("'first'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Subgraph_captures_count_as_dependencies_of_the_parent_node()
    {
        var b = new GraphBuilder(opset: 17);
        var cond = b.Input("cond", DataType.Bool);
        var x = b.Input("x", DataType.Float, 2);
        var then = new Graph("then");
        var y = new Value("y_then");
        then.AddNode(new Node("Identity", [x], [y]));
        then.Outputs.Add(y);
        var ifNode = b.AddNode("If", [cond], 1, attributes: [("then_branch", then), ("else_branch", then)]);

        Assert.Same(ifNode, then.ParentNode);
        Assert.Contains(x, then.CapturedValues());
        Assert.Contains(x.Uses, u => u.Node.Graph == then);
        Assert.Equal(1, then.Depth);
    }
}
