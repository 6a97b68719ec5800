using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using static EdgeOpt.Tests.Passes.EliminationHarness;
using static EdgeOpt.Tests.Passes.PassHarness;

namespace EdgeOpt.Tests.Passes;

public class EliminateIdentityTests
{
    [Fact]
    public void An_inner_Identity_is_bypassed()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 2, 3);
        var id = b.Op("Identity", [b.Op("Relu", [x])]);
        b.Output(b.Op("Sigmoid", [id]), "y", Float(2, 3));
        using var original = b.Build();

        var (model, changed) = Apply(new EliminateIdentity(), original);

        Assert.True(changed);
        Assert.Equal(["Relu", "Sigmoid"], OpTypes(model));
        AssertExactlyEquivalent(original, model);
    }

    [Fact]
    public void An_Identity_feeding_a_graph_output_hands_its_name_to_its_input()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 4);
        var relu = b.Op("Relu", [x]);
        b.Output(b.Op("Identity", [relu]), "y", Float(4));
        b.Output(b.Op("Neg", [relu]), "z", Float(4));
        using var original = b.Build();

        var (model, changed) = Apply(new EliminateIdentity(), original);

        Assert.True(changed);
        Assert.Equal(["Relu", "Neg"], OpTypes(model));
        Assert.Equal(["y", "z"], model.Graph.Outputs.Select(o => o.Name));
        Assert.Equal("y", model.Graph.Nodes[0].Outputs[0].Name);
        AssertExactlyEquivalent(original, model);
    }

    [Fact]
    public void An_input_passed_straight_to_an_output_keeps_its_Identity()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 4);
        b.Output(b.Op("Identity", [x]), "y", Float(4));
        using var model = b.Build();

        Assert.False(new EliminateIdentity().Run(model, new PassContext()).Changed);
        Assert.Equal(["Identity"], OpTypes(model));
    }

    [Fact]
    public void Two_outputs_that_need_both_names_keep_the_Identity()
    {
        var b = new GraphBuilder(opset: 17);
        var relu = b.Output(b.Op("Relu", [b.Input("x", DataType.Float, 4)]), "a", Float(4));
        b.Output(b.Op("Identity", [relu]), "b", Float(4));
        using var model = b.Build();

        Assert.False(new EliminateIdentity().Run(model, new PassContext()).Changed);
        Assert.Equal(["a", "b"], model.Graph.Outputs.Select(o => o.Name));
    }

    [Fact]
    public void Identities_inside_an_If_branch_are_removed()
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, 3);
        var cond = b.Input("c", DataType.Bool);
        var relu = b.Op("Relu", [x]);
        var then = new Graph("then");
        var inner = new Value("then_id");
        then.AddNode(new Node("Identity", [relu], [inner]));
        var thenOut = new Value("then_out", Float(3));
        then.AddNode(new Node("Neg", [inner], [thenOut]));
        then.Outputs.Add(thenOut);
        var otherwise = new Graph("else");
        var elseOut = new Value("else_out", Float(3));
        otherwise.AddNode(new Node("Abs", [relu], [elseOut]));
        otherwise.Outputs.Add(elseOut);
        b.Output(b.AddNode("If", [cond], attributes: [("then_branch", then), ("else_branch", otherwise)]).Outputs[0], "y", Float(3));
        using var original = b.Build();

        var (model, changed) = Apply(new EliminateIdentity(), original);

        Assert.True(changed);
        Assert.DoesNotContain(model.Graph.AllNodes(), n => n.OpType == "Identity");
        AssertExactlyEquivalent(original, model, samples: 4);
    }
}
