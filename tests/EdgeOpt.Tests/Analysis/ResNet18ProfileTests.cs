using EdgeOpt.Analysis;
using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Analysis;

/// <summary>
/// The reference figures on the real ResNet18 (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1, CNTK, opset 8):
/// 15,908,800 parameters are all 110 initializers: 15,885,504 conv weights (no conv has a bias) plus 23,296 elements of
/// the four BatchNormalization vectors (scale, bias, running mean, running variance) of the 22 BN nodes. 2,044,772,352 MACs are the 22
/// convs by N·Cout·Hout·Wout·(Cin/group)·kH·kW.
/// </summary>
public class ResNet18ProfileTests
{
    private static readonly Lazy<ModelProfile> Profile = new(() =>
    {
        using var model = Model.Load(Fixtures.ResNet18);
        return ModelProfile.Analyze(model);
    });

    [Fact]
    public void Parameters_and_weight_bytes()
    {
        var p = Profile.Value;
        Assert.Equal(15_908_800, p.Parameters);
        Assert.Equal(15_908_800L * 4, p.WeightBytes);
        var weights = Assert.Single(p.WeightsByType);
        Assert.Equal((DataType.Float, 110), (weights.DataType, weights.Tensors));
    }

    [Fact]
    public void Conv_macs_and_flops()
    {
        var p = Profile.Value;
        var conv = Assert.Single(p.CostByOp, c => c.OpType == "Conv");
        Assert.Equal(22, conv.Nodes);
        Assert.Equal(2_044_772_352, conv.Macs);
        Assert.Equal(2 * 2_044_772_352L, conv.Flops); // no conv has a bias
        Assert.Equal(conv.Macs, p.Macs);                // nothing else multiplies-accumulates
        Assert.Empty(p.NotCounted);
        Assert.True(p.Flops > conv.Flops, "BN, Relu, Add and pooling add FLOPs");
    }

    [Fact]
    public void Structure_signature_and_opsets()
    {
        var p = Profile.Value;
        Assert.Equal(("CNTK", "2.6", 3L), (p.ProducerName, p.ProducerVersion, p.IrVersion));
        Assert.Equal(8, p.Opsets["ai.onnx"]);
        Assert.Equal(22, p.OpCounts["Conv"]);
        Assert.Equal(22, p.OpCounts["BatchNormalization"]);
        Assert.Equal(74, p.Nodes);
        Assert.Equal(p.Nodes, p.TotalNodes);
        var input = Assert.Single(p.Inputs);
        Assert.Equal([Dim.Of(1), Dim.Of(3), Dim.Of(224), Dim.Of(224)], input.Shape!);
        Assert.Equal(DataType.Float, input.ElementType);
        Assert.Equal([Dim.Of(1), Dim.Of(512), Dim.Of(1), Dim.Of(1)], Assert.Single(p.Outputs).Shape!);
        Assert.Empty(p.FlaggedOps);
        Assert.Equal(0, p.UnresolvedShapes);
    }

    [Fact]
    public void Peak_activation_is_the_first_batch_norm_and_largest_tensors_are_the_512_channel_kernels()
    {
        var p = Profile.Value;
        // The stem conv's output (1·64·112·112 floats) is still live when the first BN writes its own.
        Assert.Equal(2 * 64 * 112 * 112 * 4, p.PeakActivationBytes);
        Assert.EndsWith("(BatchNormalization)", p.PeakActivationNode, StringComparison.Ordinal);
        Assert.Equal(0, p.UnsizedActivations);

        Assert.Equal(10, p.LargestTensors.Count);
        Assert.All(p.LargestTensors.Take(5), t => Assert.Equal((TensorKind.Weight, 512L * 512 * 9 * 4), (t.Kind, t.Bytes)));
        Assert.Contains(p.LargestTensors, t => t.Kind == TensorKind.Activation && t.Bytes == 64 * 112 * 112 * 4);
    }
}
