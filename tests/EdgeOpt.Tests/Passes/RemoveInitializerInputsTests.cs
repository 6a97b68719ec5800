using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using static EdgeOpt.Tests.Passes.EliminationHarness;
using static EdgeOpt.Tests.Passes.PassHarness;

namespace EdgeOpt.Tests.Passes;

public class RemoveInitializerInputsTests
{
    [Fact]
    public void Ir3_weights_leave_the_inputs_and_ir_version_becomes_4()
    {
        var b = new GraphBuilder(opset: 8, irVersion: 3);
        var x = b.Input("x", DataType.Float, 2, 3);
        var w = b.Input("w", DataType.Float, 3);
        b.Graph.Initializers.Attach(w, Tensor.Create("w", new[] { 0.5f, -2f, 4f }, 3));
        b.Output(b.Op("Mul", [x, w]), "y", Float(2, 3));
        using var original = b.Build();

        var (model, changed) = Apply(new RemoveInitializerInputs(), original);

        Assert.True(changed);
        Assert.Equal(4, model.IrVersion);
        Assert.Equal(["x"], model.Graph.Inputs.Select(v => v.Name));
        Assert.Equal(["w"], model.Graph.Initializers.Select(v => v.Name));
        AssertExactlyEquivalent(original, model);
    }

    [Fact]
    public void A_model_without_initializer_inputs_is_unchanged()
    {
        var b = new GraphBuilder(opset: 17);
        b.Output(b.Op("Mul", [b.Input("x", DataType.Float, 3), b.Initializer("w", new[] { 1f, 2f, 3f }, 3)]), "y", Float(3));
        using var model = b.Build();

        Assert.False(new RemoveInitializerInputs().Run(model, new PassContext()).Changed);
        Assert.Equal(8, model.IrVersion);
    }

    [Fact]
    public void An_ir3_model_with_weights_outside_the_inputs_is_raised_to_ir4()
    {
        var b = new GraphBuilder(opset: 8, irVersion: 3);
        b.Output(b.Op("Mul", [b.Input("x", DataType.Float, 3), b.Initializer("w", new[] { 1f, 2f, 3f }, 3)]), "y", Float(3));
        using var model = b.Build();

        Assert.True(new RemoveInitializerInputs().Run(model, new PassContext()).Changed);
        Assert.Equal(4, model.IrVersion);
        Assert.False(new RemoveInitializerInputs().Run(model, new PassContext()).Changed);
    }
}
