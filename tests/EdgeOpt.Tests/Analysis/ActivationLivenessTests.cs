using EdgeOpt.Analysis;
using EdgeOpt.Onnx;
using static EdgeOpt.Tests.Analysis.ProfileTestModels;

namespace EdgeOpt.Tests.Analysis;

/// <summary>Peak activation memory: values live from producer to last consumer; inputs count, initializers do not.</summary>
public class ActivationLivenessTests
{
    [Fact]
    public void Peak_is_where_the_most_values_overlap()
    {
        var b = new GraphBuilder("live");
        var x = b.Input("x", DataType.Float, 1000);                       // 4,000 B
        var r1 = Typed(b.Op("Relu", [x]), Float(1000));                   // step 0: x + r1
        var r2 = Typed(b.Op("Neg", [r1]), Float(1000));                   // step 1: r1 + r2 (x is dead)
        var sum = Typed(b.AddNode("Add", [r1, r2], name: "the_add").Outputs[0], Float(1000)); // step 2: r1 + r2 + sum
        b.Output(b.Op("Mul", [sum, b.Initializer("w", new float[1000], 1000)]), "y", Float(1000)); // step 3: sum + y

        var p = ModelProfile.Analyze(b.Build());

        Assert.Equal(12_000, p.PeakActivationBytes);
        Assert.Equal("'the_add' (Add)", p.PeakActivationNode);
        Assert.Equal(0, p.UnsizedActivations);
    }

    [Fact]
    public void A_value_captured_by_a_subgraph_stays_live_until_the_owning_node()
    {
        var b = new GraphBuilder("capture");
        var x = b.Input("x", DataType.Float, 1000);                       // 4,000 B
        var cond = b.Input("cond", DataType.Bool);                        // 1 B
        var a = Typed(b.Op("Relu", [x]), Float(1000));                    // used only inside the If below
        var c = Typed(b.AddNode("Neg", [x], name: "neg").Outputs[0], Float(1000));
        var then = new Graph("then");
        var thenOut = new Value("then_out", Float(1000));
        then.AddNode(new Node("Identity", [a], [thenOut]));
        then.Outputs.Add(thenOut);
        var otherwise = new Graph("else");
        var elseOut = new Value("else_out", Float(1000));
        otherwise.AddNode(new Node("Identity", [c], [elseOut]));
        otherwise.Outputs.Add(elseOut);
        b.Output(b.AddNode("If", [cond], attributes: [("then_branch", then), ("else_branch", otherwise)]).Outputs[0], "y");

        var p = ModelProfile.Analyze(b.Build());

        // At Neg: x, cond, a (kept for the If) and c.
        Assert.Equal(4_000 * 3 + 1, p.PeakActivationBytes);
        Assert.Equal("'neg' (Neg)", p.PeakActivationNode);
    }

    [Fact]
    public void Activations_of_unknown_size_are_left_out_and_counted()
    {
        var b = new GraphBuilder("unsized");
        var x = b.Input("x", DataType.Float, 10);
        b.Output(b.AddNode("Mystery", [x], domain: "com.acme").Outputs[0], "y");

        var p = ModelProfile.Analyze(b.Opset("com.acme", 1).Build());

        Assert.Equal(40, p.PeakActivationBytes);
        Assert.Equal(1, p.UnsizedActivations);
    }
}
