using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using static EdgeOpt.Tests.Passes.FusionHarness;
using static EdgeOpt.Tests.Passes.PassHarness;

namespace EdgeOpt.Tests.Passes;

public class DecomposeBatchNormTests
{
    private static readonly DecomposeBatchNorm Pass = new();

    /// <summary>x → Relu → BatchNormalization → y, with x of <paramref name="dims"/> (channels on axis 1).</summary>
    private static Model ReluBn(Dim[] dims, (string, object)[]? attributes = null, bool typedRelu = true)
    {
        var b = new GraphBuilder("relu_bn", 15);
        var x = b.Input("x", DataType.Float, dims);
        var relu = b.Op("Relu", [x]);
        if (typedRelu) relu.Type = Float(dims);
        b.Output(b.Op("BatchNormalization", [relu, .. BatchNormParameters(b, (int)dims[1].Value!.Value)], attributes ?? [("epsilon", 1e-4f)]), "y", Float(dims));
        return b.Build();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // rank inferred: nothing declares the Relu output's shape
    public void Turns_a_standalone_batchnorm_into_mul_and_add(bool typedRelu)
    {
        using var model = ReluBn([Dim.Symbolic("N"), 5, 4, 4], typedRelu: typedRelu);

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal(["Relu", "Mul", "Add"], OpTypes(result));
        Assert.Equal([5L, 1, 1], result.Graph.Nodes[1].Inputs[1]!.Initializer!.Dims);
        Assert.Equal("y", result.Graph.Nodes[2].Outputs[0].Name);
        AssertEquivalent(model, result, dims: new Dictionary<string, long> { ["N"] = 2 });
    }

    [Fact]
    public void Uses_channel_vectors_for_rank_2_inputs()
    {
        using var model = ReluBn([Dim.Symbolic("N"), 7]);

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal([7L], result.Graph.Nodes[1].Inputs[1]!.Initializer!.Dims);
        AssertEquivalent(model, result, dims: new Dictionary<string, long> { ["N"] = 3 });
    }

    [Fact]
    public void Leaves_a_batchnorm_a_conv_fusion_will_absorb_alone()
    {
        var b = new GraphBuilder("conv_bn", 13);
        var x = b.Input("x", DataType.Float, 1, 2, 4, 4);
        var conv = b.Op("Conv", [x, b.Initializer("w", Values(3 * 2 * 9), 3, 2, 3, 3)]);
        b.Output(b.Op("BatchNormalization", [conv, .. BatchNormParameters(b, 3)]), "y", Float(1, 3, 2, 2));
        AssertUnchanged(Pass, b.Build());
    }

    [Fact]
    public void Decomposes_after_a_conv_whose_output_has_another_reader()
    {
        var b = new GraphBuilder("conv_bn_shared", 13);
        var x = b.Input("x", DataType.Float, 1, 2, 4, 4);
        var conv = b.Op("Conv", [x, b.Initializer("w", Values(3 * 2 * 9), 3, 2, 3, 3)]);
        conv.Type = Float(1, 3, 2, 2);
        b.Output(b.Op("BatchNormalization", [conv, .. BatchNormParameters(b, 3)]), "y", Float(1, 3, 2, 2));
        b.Output(conv, "conv_out");
        using var model = b.Build();

        var (result, changed) = Apply(Pass, model);

        Assert.True(changed);
        Assert.Equal(["Conv", "Mul", "Add"], OpTypes(result));
        AssertEquivalent(model, result);
    }

    [Fact]
    public void Leaves_training_mode_alone() =>
        AssertUnchanged(Pass, ReluBn([Dim.Symbolic("N"), 5, 4, 4], [("training_mode", 1L)]));
}
