using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using static EdgeOpt.Tests.Passes.EliminationHarness;
using static EdgeOpt.Tests.Passes.PassHarness;

namespace EdgeOpt.Tests.Passes;

public class RemoveDeadNodesTests
{
    [Fact]
    public void A_branch_that_reaches_no_output_is_removed()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 4);
        var relu = b.Op("Relu", [x]);
        _ = b.Op("Exp", [b.Op("Neg", [relu])]); // dead chain
        b.Output(b.Op("Sigmoid", [relu]), "y", Float(4));
        using var original = b.Build();

        var (model, changed) = Apply(new RemoveDeadNodes(), original);

        Assert.True(changed);
        Assert.Equal(["Relu", "Sigmoid"], OpTypes(model));
        Assert.Single(model.Graph.Nodes[0].Outputs[0].Uses);
        AssertExactlyEquivalent(original, model);
    }

    [Fact]
    public void Values_captured_by_a_live_If_branch_stay_alive()
    {
        using var original = WithIf(out _, ifIsLive: true);

        var (model, changed) = Apply(new RemoveDeadNodes(), original);

        Assert.True(changed); // only the dead Neg inside the then-branch goes
        Assert.Equal(["Relu", "Exp", "If"], OpTypes(model));
        var then = model.Graph.Nodes[2].Attributes["then_branch"]!.AsGraph();
        Assert.Equal(["Abs"], then.Nodes.Select(n => n.OpType));
        AssertExactlyEquivalent(original, model, samples: 4);
    }

    [Fact]
    public void A_dead_If_goes_with_its_body_and_releases_what_it_captured()
    {
        using var model = WithIf(out var captured, ifIsLive: false);

        Assert.True(new RemoveDeadNodes().Run(model, new PassContext()).Changed);

        Assert.Equal(["Relu"], OpTypes(model));
        // The removed branches no longer count as readers of the outer values.
        Assert.Empty(model.Graph.Nodes[0].Outputs[0].Uses);
        Assert.Empty(captured.Uses);
    }

    [Fact]
    public void A_graph_with_nothing_dead_is_unchanged()
    {
        var b = new GraphBuilder(opset: 17);
        b.Output(b.Op("Relu", [b.Input("x", DataType.Float, 4)]), "y", Float(4));
        using var model = b.Build();

        Assert.False(new RemoveDeadNodes().Run(model, new PassContext()).Changed);
        Assert.Single(model.Graph.Nodes);
    }

    /// <summary>relu = Relu(x); e = Exp(x); If(c) then Abs(e) (plus a dead Neg) else Sigmoid(relu).</summary>
    private static Model WithIf(out Value captured, bool ifIsLive)
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 3);
        var cond = b.Input("c", DataType.Bool);
        var relu = b.Op("Relu", [x]);
        captured = b.Op("Exp", [x]);
        var then = new Graph("then");
        var thenOut = new Value("then_out", Float(3));
        then.AddNode(new Node("Abs", [captured], [thenOut]));
        then.AddNode(new Node("Neg", [captured], [new Value("then_dead")]));
        then.Outputs.Add(thenOut);
        var otherwise = new Graph("else");
        var elseOut = new Value("else_out", Float(3));
        otherwise.AddNode(new Node("Sigmoid", [relu], [elseOut]));
        otherwise.Outputs.Add(elseOut);
        var ifOut = b.AddNode("If", [cond], attributes: [("then_branch", then), ("else_branch", otherwise)]).Outputs[0];
        b.Output(ifIsLive ? ifOut : relu, "y", Float(3));
        return b.Build();
    }
}
