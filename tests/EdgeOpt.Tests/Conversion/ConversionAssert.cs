using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Conversion;
using EdgeOpt.Runtime;

namespace EdgeOpt.Tests.Conversion;

/// <summary>Converts a copy and checks in ONNX Runtime that it computes what the original computes.</summary>
internal static class ConversionAssert
{
    public static (Model Converted, OpsetConversionReport Report) ConvertsEquivalently(Model original, int target, double tolerance = 0)
    {
        var converted = original.Clone();
        var report = OpsetConverter.Convert(converted, target);
        Assert.Equal(target, converted.GetOpset());
        // Through bytes, as a saved model would be read back.
        var reloaded = Model.Parse(converted.ToBytes());
        var equivalence = ModelEquivalence.Compare(original, reloaded, samples: 3, seed: 7);
        Assert.True(equivalence.IsWithin(tolerance),
            $"opset {original.GetOpset()} → {target}: max relative error {equivalence.MaxRelativeError:g3} exceeds {tolerance:g3}");
        return (reloaded, report);
    }

    public static Node Single(Model model, string opType) => Assert.Single(model.Graph.Nodes, n => n.OpType == opType);

    public static UnsupportedOperatorException Refuses(Model model, int target)
    {
        var before = model.ToBytes();
        var e = Assert.Throws<UnsupportedOperatorException>(() => OpsetConverter.Convert(model, target));
        Assert.Equal(before, model.ToBytes()); // all or nothing: the model is untouched
        return e;
    }
}
