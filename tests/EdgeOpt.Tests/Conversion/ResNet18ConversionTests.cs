using EdgeOpt.Onnx;
using EdgeOpt.Runtime;
using Xunit.Abstractions;

namespace EdgeOpt.Tests.Conversion;

/// <summary>The real ResNet18 (opset 8, CNTK export) converted to 17: same outputs, no legacy attributes, valid for the ONNX checker.</summary>
public sealed class ResNet18ConversionTests(ITestOutputHelper output)
{
    [Fact]
    public void ResNet18_converts_to_opset_17_runs_the_same_and_passes_the_onnx_checker()
    {
        using var original = Model.Load(Fixtures.ResNet18);
        var converted = original.Clone();
        var report = OpsetConverter.Convert(converted, 17);
        output.WriteLine(report.ToString());

        Assert.Equal(8, report.SourceOpset);
        Assert.Equal(17, converted.GetOpset());
        Assert.True(converted.IrVersion >= 8, $"opset 17 needs IR 8, got {converted.IrVersion}");
        Assert.Equal(22, report.NodesChangedByOp["BatchNormalization"]);
        Assert.All(converted.Graph.Nodes.Where(n => n.OpType == "BatchNormalization"), n => Assert.False(n.Attributes.Contains("spatial")));

        var equivalence = ModelEquivalence.Compare(original, converted, samples: 4, seed: 3);
        output.WriteLine($"max relative error {equivalence.MaxRelativeError:g3}");
        Assert.True(equivalence.IsWithin(1e-5), $"max relative error {equivalence.MaxRelativeError:g3} exceeds 1e-5");

        using var dir = new TempDir();
        var path = dir.File("resnet18-opset17.onnx");
        converted.Save(path);
        var complaint = OnnxChecker.Check(path);
        Assert.True(complaint is null, $"onnx.checker.check_model(full_check=True) failed: {complaint}");
    }
}
