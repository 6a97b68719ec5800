using EdgeOpt.Onnx;
using EdgeOpt.Runtime;

namespace EdgeOpt.Tests.Runtime;

public class ModelEquivalenceTests
{
    [Fact]
    public void A_clone_is_exactly_equivalent()
    {
        using var model = Model.Load(Fixtures.ResNet18);
        using var clone = model.Clone();

        var report = ModelEquivalence.Compare(model, clone, samples: 2);

        Assert.Equal(2, report.Samples);
        Assert.Equal(0, report.MaxAbsError);
        Assert.True(double.IsPositiveInfinity(report.Outputs[0].SqnrDb));
        Assert.Equal(1, report.Outputs[0].Cosine, 9);
    }

    [Fact]
    public void A_changed_weight_is_measured_relative_to_the_largest_output()
    {
        var model = Scale(2f);
        var changed = Scale(2.002f);

        var report = ModelEquivalence.Compare(model, changed, samples: 4, seed: 7);

        // y = k·x: the relative error is |Δk|/k = 1e-3 whatever the inputs are.
        Assert.InRange(report.MaxRelativeError, 0.99e-3, 1.01e-3);
        Assert.False(report.IsWithin(1e-4));
        Assert.True(report.IsWithin(2e-3));
        Assert.Equal(1, report.Outputs[0].Top1Agreement);
    }

    private static Model Scale(float k)
    {
        var b = new GraphBuilder(opset: 17);
        var x = b.Input("x", DataType.Float, Dim.Symbolic("N"), 5);
        var w = b.Initializer("k", new[] { k }, 1);
        b.Output(b.Op("Mul", [x, w]), "y", new TensorType(DataType.Float, new TensorShape(Dim.Symbolic("N"), 5)));
        return b.Build();
    }
}
