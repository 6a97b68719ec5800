using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using static EdgeOpt.Tests.Passes.FusionHarness;
using static EdgeOpt.Tests.Passes.PassHarness;

namespace EdgeOpt.Tests.Passes;

public class FuseConvBatchNormTests
{
    private static readonly FuseConvBatchNorm Pass = new();

    /// <summary>x[N,4,6,6] → Conv(8 filters, group) → BatchNormalization → y; options let each test break one condition.</summary>
    private static Model ConvBn(long group = 1, bool bias = false, bool weightAsInput = false, bool convIsOutput = false,
        bool secondReader = false, long opset = 13, (string, object)[]? bnAttributes = null, string op = "Conv")
    {
        var b = new GraphBuilder("conv_bn", opset);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("N"), 4, 6, 6);
        long[] wDims = op == "Conv" ? [8, 4 / group, 3, 3] : [4, 8 / group, 3, 3];
        var w = weightAsInput
            ? b.Input("w", DataType.Float, wDims.Select(d => (Dim)d).ToArray())
            : b.Initializer("conv.w", Values(8 * (int)(4 / group) * 9, 0.5f), wDims);
        Value?[] inputs = bias ? [x, w, b.Initializer("conv.b", Values(8, 0.2f, 0f, 9), 8)] : [x, w];
        var conv = b.Op(op, inputs, ("pads", new long[] { 1, 1, 1, 1 }), ("group", group));
        var bn = b.Op("BatchNormalization", [conv, .. BatchNormParameters(b, 8)], bnAttributes ?? [("epsilon", 1e-3f)]);
        var spatial = op == "Conv" ? 6 : 8;
        b.Output(bn, "y", Float(Dim.Symbolic("N"), 8, spatial, spatial));
        if (convIsOutput) b.Output(conv, "conv_out", Float(Dim.Symbolic("N"), 8, spatial, spatial));
        if (secondReader) b.Output(b.Op("Relu", [conv]), "relu", Float(Dim.Symbolic("N"), 8, spatial, spatial));
        return b.Build();
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(4, false)]
    public void Folds_batchnorm_into_conv_with_and_without_bias_and_groups(long group, bool bias)
    {
        using var model = ConvBn(group, bias);

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal(["Conv"], OpTypes(result));
        var conv = result.Graph.Nodes[0];
        Assert.Equal(3, conv.Inputs.Count);
        Assert.Equal("y", conv.Outputs[0].Name);
        Assert.Equal(2, result.Graph.Initializers.Count); // old weight, bias and BN parameters are gone
        AssertEquivalent(model, result, dims: new Dictionary<string, long> { ["N"] = 2 });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Folds_batchnorm_into_conv_transpose_with_groups(long group)
    {
        using var model = ConvBn(group, bias: true, op: "ConvTranspose");

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal(["ConvTranspose"], OpTypes(result));
        AssertEquivalent(model, result, dims: new Dictionary<string, long> { ["N"] = 2 });
    }

    [Fact]
    public void Folds_opset_8_batchnorm_with_spatial()
    {
        using var model = ConvBn(opset: 8, bnAttributes: [("epsilon", 1e-5f), ("spatial", 1L), ("momentum", 0.9f)]);

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal(["Conv"], OpTypes(result));
        AssertEquivalent(model, result);
    }

    [Fact]
    public void Leaves_non_constant_weights_alone() => AssertUnchanged(Pass, ConvBn(weightAsInput: true));

    [Fact]
    public void Leaves_a_conv_output_with_another_reader_alone() => AssertUnchanged(Pass, ConvBn(secondReader: true));

    [Fact]
    public void Leaves_a_conv_output_that_is_a_graph_output_alone() => AssertUnchanged(Pass, ConvBn(convIsOutput: true));

    [Fact]
    public void Leaves_per_activation_batchnorm_alone() =>
        AssertUnchanged(Pass, ConvBn(opset: 8, bnAttributes: [("spatial", 0L)]));

    [Fact]
    public void Leaves_training_mode_batchnorm_alone() =>
        AssertUnchanged(Pass, ConvBn(opset: 15, bnAttributes: [("training_mode", 1L)]));

    [Fact]
    public void ResNet18_loses_all_22_batchnorms_and_keeps_its_outputs()
    {
        using var model = Model.Load(Fixtures.ResNet18);
        Assert.Equal(74, model.Graph.Nodes.Count);

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.DoesNotContain("BatchNormalization", OpTypes(result));
        Assert.Equal(74 - 22, result.Graph.Nodes.Count);
        Assert.All(result.Graph.Nodes.Where(n => n.OpType == "Conv"), c => Assert.Equal(3, c.Inputs.Count));
        var report = AssertEquivalent(model, result, tolerance: 1e-4, samples: 4);
        Assert.Equal(1, report.Outputs[0].Top1Agreement);
    }

    [Fact]
    public void Demo_model_loses_its_3_batchnorms_and_keeps_its_outputs()
    {
        using var model = Model.Parse(EdgeOpt.Cli.DemoAssets.ModelBytes());
        var before = model.Graph.Nodes.Count;

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.DoesNotContain("BatchNormalization", OpTypes(result));
        Assert.Equal(before - 3, result.Graph.Nodes.Count);
        AssertEquivalent(model, result, tolerance: 1e-4, samples: 4, dims: new Dictionary<string, long> { ["N"] = 8 });
    }
}
