using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using static EdgeOpt.Tests.Passes.EliminationHarness;
using static EdgeOpt.Tests.Passes.PassHarness;

namespace EdgeOpt.Tests.Passes;

public class EliminateDropoutTests
{
    [Theory]
    [InlineData(7)]
    [InlineData(10)]
    public void Opset_7_to_11_Dropout_is_a_copy_and_goes(int opset)
    {
        var b = new GraphBuilder(opset: opset, irVersion: 5);
        var x = b.Input("x", DataType.Float, 2, 5);
        var dropout = b.AddNode("Dropout", [b.Op("Relu", [x])], outputCount: 2, attributes: [("ratio", 0.3f)]);
        b.Output(b.Op("Sigmoid", [dropout.Outputs[0]]), "y", Float(2, 5));
        using var original = b.Build();

        var (model, changed) = Apply(new EliminateDropout(), original);

        Assert.True(changed);
        Assert.Equal(["Relu", "Sigmoid"], OpTypes(model));
        AssertExactlyEquivalent(original, model);
    }

    [Fact]
    public void Opset_13_Dropout_without_training_mode_goes_even_at_a_graph_output()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 2, 5);
        var ratio = b.Initializer(Tensor.Scalar("ratio", 0.5f));
        b.Output(b.Op("Dropout", [b.Op("Relu", [x]), ratio]), "y", Float(2, 5));
        using var original = b.Build();

        var (model, changed) = Apply(new EliminateDropout(), original);

        Assert.True(changed);
        Assert.Equal(["Relu"], OpTypes(model));
        Assert.Equal("y", model.Graph.Outputs[0].Name);
        AssertExactlyEquivalent(original, model);
    }

    [Fact]
    public void A_constant_false_training_mode_is_inference()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 6);
        var training = b.Initializer(Tensor.Scalar("training", false));
        b.Output(b.Op("Neg", [b.Op("Dropout", [x, null, training])]), "y", Float(6));
        using var original = b.Build();

        var (model, changed) = Apply(new EliminateDropout(), original);

        Assert.True(changed);
        Assert.Equal(["Neg"], OpTypes(model));
        AssertExactlyEquivalent(original, model);
    }

    [Fact]
    public void A_used_mask_becomes_all_true_computed_from_the_input_shape()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("N"), 4);
        var dropout = b.AddNode("Dropout", [x], outputCount: 2);
        b.Output(b.Op("Neg", [dropout.Outputs[0]]), "y", Float(Dim.Symbolic("N"), 4));
        b.Output(b.Op("Cast", [dropout.Outputs[1]], ("to", (long)DataType.Float)), "mask", Float(Dim.Symbolic("N"), 4));
        using var original = b.Build();

        var (model, changed) = Apply(new EliminateDropout(), original);

        Assert.True(changed);
        Assert.DoesNotContain("Dropout", OpTypes(model));
        Assert.Contains("ConstantOfShape", OpTypes(model));
        AssertExactlyEquivalent(original, model, dims: new Dictionary<string, long> { ["N"] = 3 });
    }

    [Fact]
    public void A_training_mode_fed_at_run_time_keeps_the_Dropout()
    {
        var b = new GraphBuilder(opset: 13);
        var x = b.Input("x", DataType.Float, 6);
        var training = b.Input("training", DataType.Bool);
        b.Output(b.Op("Dropout", [x, null, training]), "y", Float(6));
        using var model = b.Build();

        Assert.False(new EliminateDropout().Run(model, new PassContext()).Changed);
        Assert.Equal(["Dropout"], OpTypes(model));
    }

    [Fact]
    public void Opset_6_Dropout_in_training_mode_stays_and_in_test_mode_goes()
    {
        static Model Build(long isTest)
        {
            var b = new GraphBuilder(opset: 6, irVersion: 3);
            var x = b.Input("x", DataType.Float, 6);
            b.Output(b.Op("Neg", [b.Op("Dropout", [x], ("is_test", isTest))]), "y", Float(6));
            return b.Build();
        }
        using var training = Build(0);
        using var test = Build(1);

        Assert.False(new EliminateDropout().Run(training, new PassContext()).Changed);
        Assert.True(new EliminateDropout().Run(test, new PassContext()).Changed);
        Assert.Equal(["Neg"], OpTypes(test));
    }
}
