using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using static EdgeOpt.Tests.Passes.EliminationHarness;
using static EdgeOpt.Tests.Passes.PassHarness;

namespace EdgeOpt.Tests.Passes;

/// <summary>The elimination and clean-up passes on real models: whatever they change, outputs stay bit-for-bit equal.</summary>
public class EliminationSafetyTests
{
    private static IGraphPass[] Eliminations() =>
    [
        new RemoveInitializerInputs(), new EliminateIdentity(), new EliminateDropout(), new EliminateNoOps(),
        new EliminateDuplicateCasts(), new CommonSubexpressionElimination(), new RemoveDeadNodes(), new RemoveUnusedInitializers(),
    ];

    [Fact]
    public void ResNet18_keeps_exactly_equal_outputs()
    {
        using var original = Model.Load(Fixtures.ResNet18);
        using var model = original.Clone();

        var report = new PassManager(Eliminations()).Run(model);

        // The CNTK export is IR 3 yet keeps its weights out of the inputs, which only IR >= 4 allows.
        Assert.Equal(3, original.IrVersion);
        Assert.Equal(4, model.IrVersion);
        Assert.Single(model.Graph.Inputs);
        Assert.True(report.NodesAfter <= report.NodesBefore);
        using var saved = Model.Parse(model.ToBytes());
        AssertExactlyEquivalent(original, saved, samples: 2);
    }

    [Fact]
    public void Demo_model_keeps_exactly_equal_outputs()
    {
        using var original = DemoModel();
        using var model = original.Clone();

        var report = new PassManager(Eliminations()).Run(model);

        Assert.True(report.NodesAfter <= report.NodesBefore);
        using var saved = Model.Parse(model.ToBytes());
        AssertExactlyEquivalent(original, saved, samples: 4);
    }

    [Fact]
    public void A_second_run_changes_nothing()
    {
        using var model = Model.Load(Fixtures.ResNet18);
        new PassManager(Eliminations()).Run(model);

        var second = new PassManager(Eliminations(), maxIterations: 1).Run(model);

        Assert.All(second.Passes, p => Assert.Equal(0, p.Changes));
    }
}
