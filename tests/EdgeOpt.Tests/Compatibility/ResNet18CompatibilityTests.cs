using EdgeOpt.Analysis;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Tests.Cli;
using Compat = EdgeOpt.Analysis.BackendSupport;

namespace EdgeOpt.Tests.Compatibility;

/// <summary>ResNet18 (opset 8, static 1x3x224x224 input; 22 Conv, 22 BatchNormalization, 74 nodes) on every table.</summary>
public sealed class ResNet18CompatibilityTests : IClassFixture<ResNet18CompatibilityTests.Loaded>
{
    public sealed class Loaded : IDisposable
    {
        public Model Model { get; } = Model.Load(Fixtures.ResNet18);
        public void Dispose() => Model.Dispose();
    }

    private readonly Model _model;

    public ResNet18CompatibilityTests(Loaded loaded) => _model = loaded.Model;

    [Theory]
    [InlineData(AccelerationBackend.Nnapi)]
    [InlineData(AccelerationBackend.WebGpu)]
    [InlineData(AccelerationBackend.WebGl)]
    [InlineData(AccelerationBackend.Wasm)]
    public void Runs_whole_on_backends_that_have_all_its_ops(AccelerationBackend backend)
    {
        var report = Compat.Check(_model, backend);
        Assert.Equal(74, report.Nodes.Count);
        Assert.Equal(74, report.SupportedNodes);
        Assert.Equal(1, report.Partitions);
        Assert.Contains("https://github.com/microsoft/onnxruntime/", report.TableSource, StringComparison.Ordinal);
    }

    [Fact]
    public void CoreML_lacks_BatchNormalization_and_suggests_folding_it()
    {
        var report = Compat.Check(_model, AccelerationBackend.CoreMl);
        var unsupported = report.Nodes.Where(n => !n.Supported).ToList();
        Assert.Equal(22, unsupported.Count);
        Assert.All(unsupported, n =>
        {
            Assert.Equal("BatchNormalization", n.OpType);
            Assert.Equal(UnsupportedCause.Operator, n.Cause);
        });
        Assert.True(report.Partitions > 10, $"{report.Partitions} partitions");
        var fold = Assert.Single(report.Suggestions, s => s.Kind == SuggestionKind.ReplaceOp);
        Assert.Equal(22, fold.Nodes.Count);
        Assert.Equal($"edgeopt optimize {Fixtures.ResNet18} -o {Path.ChangeExtension(Fixtures.ResNet18, ".opt.onnx")}", fold.Command);
    }

    [Fact]
    public void The_suggested_optimize_command_makes_ResNet18_one_CoreML_partition()
    {
        using var temp = new TempDir();
        var command = Compat.Check(_model, AccelerationBackend.CoreMl).Suggestions.Single(s => s.Kind == SuggestionKind.ReplaceOp).Command!;
        var args = command.Split(' ')[1..];
        args[^1] = temp.File("resnet18.opt.onnx"); // same command, written to a temp folder instead of beside the fixture
        var (code, _, err) = CliHarness.Run(args);
        Assert.True(code == 0, err);

        using var optimized = Model.Load(temp.File("resnet18.opt.onnx"));
        var report = Compat.Check(optimized, AccelerationBackend.CoreMl);
        Assert.Equal(report.Nodes.Count, report.SupportedNodes);
        Assert.Equal(1, report.Partitions);
    }

    [Fact]
    public void TensorRT_refuses_opset_8_and_suggests_an_opset_upgrade()
    {
        var report = Compat.Check(_model, AccelerationBackend.TensorRt);
        Assert.Equal(0, report.SupportedNodes);
        Assert.Equal(0, report.Partitions);
        Assert.All(report.Nodes, n => Assert.Equal(UnsupportedCause.Opset, n.Cause));
        Assert.Contains("opset 8", report.Nodes[0].Reason, StringComparison.Ordinal);
        var upgrade = Assert.Single(report.Suggestions, s => s.Kind == SuggestionKind.UpgradeOpset);
        Assert.Contains("--target-opset 17", upgrade.Command, StringComparison.Ordinal);
    }

    [Fact]
    public void XNNPACK_takes_the_convolutions_and_pools_but_not_the_batch_norms()
    {
        var report = Compat.Check(_model, AccelerationBackend.Xnnpack);
        var supported = report.Nodes.Where(n => n.Supported).GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(22, supported["Conv"]);
        Assert.Equal(1, supported["MaxPool"]);
        Assert.Equal(1, supported["AveragePool"]);
        Assert.Equal(24, report.SupportedNodes);
        Assert.All(report.Nodes.Where(n => n.OpType == "BatchNormalization"), n => Assert.False(n.Supported));
        // Only the fold is suggested: other CPU-side ops cost no copy next to XNNPACK.
        Assert.Equal([SuggestionKind.ReplaceOp], report.Suggestions.Select(s => s.Kind));
    }

    [Fact]
    public void NNAPI_suggests_int8_for_a_float_model()
    {
        var quantize = Assert.Single(Compat.Check(_model, AccelerationBackend.Nnapi).Suggestions);
        Assert.Equal(SuggestionKind.Quantize, quantize.Kind);
        Assert.StartsWith($"edgeopt quantize {Fixtures.ResNet18} --type int8", quantize.Command, StringComparison.Ordinal);
        Assert.Equal(22, quantize.Nodes.Count);
    }
}
