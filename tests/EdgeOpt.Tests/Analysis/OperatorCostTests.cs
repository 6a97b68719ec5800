using EdgeOpt.Analysis;
using EdgeOpt.Onnx;
using static EdgeOpt.Tests.Analysis.ProfileTestModels;

namespace EdgeOpt.Tests.Analysis;

/// <summary>MAC/FLOP rules per op, checked against hand-computed figures on single-op models.</summary>
public class OperatorCostTests
{
    private static OperatorCostSummary Op(ModelProfile p, string op) => Assert.Single(p.CostByOp, c => c.OpType == op);

    [Fact]
    public void Grouped_conv_with_bias_counts_macs_per_group_and_one_add_per_output()
    {
        var b = new GraphBuilder("conv");
        var x = b.Input("x", DataType.Float, 1, 8, 10, 10);
        var y = b.Op("Conv", [x, Weights(b, "w", 16, 4, 3, 3), Weights(b, "bias", 16)],
            ("group", 2L), ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }));
        b.Output(y, "y", Float(1, 16, 10, 10));

        var p = ModelProfile.Analyze(b.Build());

        // N·Cout·Hout·Wout·(Cin/group)·kH·kW = 1·16·10·10·4·3·3
        Assert.Equal(57_600, p.Macs);
        Assert.Equal(2 * 57_600 + 1_600, p.Flops);
        Assert.Empty(p.NotCounted);
    }

    [Fact]
    public void Conv_output_shape_comes_from_shape_inference_when_not_declared()
    {
        var b = new GraphBuilder("conv");
        var x = b.Input("x", DataType.Float, 1, 3, 32, 32);
        var y = b.Op("Conv", [x, Weights(b, "w", 8, 3, 3, 3)],
            ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }));
        b.Output(y, "y");

        var p = ModelProfile.Analyze(b.Build());

        // Output [1,8,16,16]: 8·16·16 outputs × 3·3·3 weights each.
        Assert.Equal(55_296, p.Macs);
        Assert.Equal(110_592, p.Flops);
    }

    [Fact]
    public void ConvTranspose_counts_macs_per_input_element()
    {
        var b = new GraphBuilder("deconv");
        var x = b.Input("x", DataType.Float, 1, 4, 5, 5);
        var y = b.Op("ConvTranspose", [x, Weights(b, "w", 4, 2, 3, 3)], ("strides", new long[] { 2, 2 }));
        b.Output(y, "y", Float(1, 2, 11, 11));

        var p = ModelProfile.Analyze(b.Build());

        // N·Cin·Hin·Win·(Cout/group)·kH·kW = 1·4·5·5·2·3·3
        Assert.Equal(1_800, p.Macs);
        Assert.Equal(3_600, p.Flops);
    }

    [Fact]
    public void Gemm_with_transposed_A_and_bias()
    {
        var b = new GraphBuilder("gemm");
        var a = b.Input("a", DataType.Float, 3, 2);
        var y = b.Op("Gemm", [a, Weights(b, "w", 3, 4), Weights(b, "c", 4)], ("transA", 1L));
        b.Output(y, "y", Float(2, 4));

        var p = ModelProfile.Analyze(b.Build());

        Assert.Equal(2 * 4 * 3, p.Macs); // M·N·K
        Assert.Equal(2 * 24 + 8, p.Flops);
    }

    [Fact]
    public void Batched_matmul_counts_every_batch()
    {
        var b = new GraphBuilder("matmul");
        var a = b.Input("a", DataType.Float, 5, 2, 3);
        b.Output(b.Op("MatMul", [a, Weights(b, "w", 3, 4)]), "y", Float(5, 2, 4));

        var p = ModelProfile.Analyze(b.Build());

        Assert.Equal(5 * 2 * 4 * 3, p.Macs);
        Assert.Equal(240, p.Flops);
    }

    [Fact]
    public void Lstm_counts_input_and_recurrent_weights_per_step()
    {
        var b = new GraphBuilder("lstm");
        var x = b.Input("x", DataType.Float, 5, 2, 3); // [seq, batch, input]
        var node = b.AddNode("LSTM", [x, Weights(b, "W", 1, 16, 3), Weights(b, "R", 1, 16, 4)], outputCount: 1, attributes: ("hidden_size", 4L));
        b.Output(node.Outputs[0], "y", Float(5, 1, 2, 4));

        var p = ModelProfile.Analyze(b.Build());

        Assert.Equal(5 * 2 * (16 * 3 + 16 * 4), p.Macs);
        Assert.Equal(2 * p.Macs, p.Flops);
    }

    [Fact]
    public void Normalization_activation_pooling_and_softmax_cost_flops_not_macs()
    {
        var b = new GraphBuilder("chain");
        var x = b.Input("x", DataType.Float, 1, 4, 8, 8);
        var bn = Typed(b.Op("BatchNormalization", [x, Weights(b, "s", 4), Weights(b, "bb", 4), Weights(b, "m", 4), Weights(b, "v", 4)]), Float(1, 4, 8, 8));
        var relu = Typed(b.Op("Relu", [bn]), Float(1, 4, 8, 8));
        var pool = Typed(b.Op("MaxPool", [relu], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 })), Float(1, 4, 4, 4));
        var gap = Typed(b.Op("GlobalAveragePool", [pool]), Float(1, 4, 1, 1));
        var flat = Typed(b.Op("Flatten", [gap]), Float(1, 4));
        b.Output(b.Op("Softmax", [flat]), "y", Float(1, 4));

        var p = ModelProfile.Analyze(b.Build());

        Assert.Equal(0, p.Macs);
        Assert.Equal(2 * 256, Op(p, "BatchNormalization").Flops);
        Assert.Equal(256, Op(p, "Relu").Flops);
        Assert.Equal(64 * 4, Op(p, "MaxPool").Flops); // output elements × kernel
        Assert.Equal(64, Op(p, "GlobalAveragePool").Flops); // input elements
        Assert.Equal(0, Op(p, "Flatten").Flops);
        Assert.Equal(5 * 4, Op(p, "Softmax").Flops);
        Assert.Equal(512 + 256 + 256 + 64 + 20, p.Flops);
        Assert.Empty(p.NotCounted);
    }

    [Fact]
    public void Unbound_symbolic_dim_is_not_counted_until_given_a_size()
    {
        static Model Build()
        {
            var b = new GraphBuilder("sym");
            var x = b.Input("x", DataType.Float, Dim.Symbolic("N"), 4);
            b.Output(b.Op("Relu", [x]), "y", Float(Dim.Symbolic("N"), 4));
            return b.Build();
        }

        var unbound = ModelProfile.Analyze(Build());
        var missing = Assert.Single(unbound.NotCounted);
        Assert.Equal("Relu", missing.OpType);
        Assert.Contains("'N'", missing.Reason, StringComparison.Ordinal);
        Assert.Equal(0, unbound.Flops);
        Assert.Equal(1, Op(unbound, "Relu").NotCounted);

        var bound = ModelProfile.Analyze(Build(), new ProfileOptions { DimensionValues = new Dictionary<string, long> { ["N"] = 3 } });
        Assert.Empty(bound.NotCounted);
        Assert.Equal(12, bound.Flops);
        Assert.Equal(3 * 4 * 4 * 2, bound.PeakActivationBytes); // input and output live together
    }

    [Fact]
    public void Unknown_shapes_and_custom_ops_are_reported_not_zeroed_and_an_If_costs_its_branches()
    {
        var b = new GraphBuilder("mixed");
        var x = b.Input("x", DataType.Float, Dim.Unknown, 4);
        var relu = b.Op("Relu", [x]);
        var custom = b.AddNode("Foo", [relu], domain: "com.acme").Outputs[0];
        var cond = b.Input("cond", DataType.Bool);
        var then = new Graph("then");
        var thenOut = new Value("then_out");
        then.AddNode(new Node("Identity", [custom], [thenOut]));
        then.Outputs.Add(thenOut);
        var otherwise = new Graph("else");
        var elseOut = new Value("else_out");
        otherwise.AddNode(new Node("Identity", [relu], [elseOut]));
        otherwise.Outputs.Add(elseOut);
        b.Output(b.AddNode("If", [cond], attributes: [("then_branch", then), ("else_branch", otherwise)]).Outputs[0], "y");

        var p = ModelProfile.Analyze(b.Opset("com.acme", 1).Build());

        Assert.Equal(2, p.NotCounted.Count);
        Assert.Contains("unknown dim", Assert.Single(p.NotCounted, u => u.OpType == "Relu").Reason, StringComparison.Ordinal);
        Assert.Contains("custom op", Assert.Single(p.NotCounted, u => u.OpType == "com.acme.Foo").Reason, StringComparison.Ordinal);
        // The If is costed through its branches (Identity only: nothing), one row per branch.
        Assert.Equal(["else_branch", "then_branch"], p.Subgraphs.Select(s => s.Body).Order(StringComparer.Ordinal));
        Assert.All(p.Subgraphs, s => Assert.Equal((1, 0L, 0), (s.Nodes, s.Flops, s.NotCounted)));
        Assert.Equal(0, p.Flops);
        Assert.Equal(3, p.Nodes);
        Assert.Equal(5, p.TotalNodes);
        Assert.Equal(2, p.OpCounts["Identity"]);
        Assert.Equal(1, p.OpCounts["com.acme.Foo"]);
    }
}
