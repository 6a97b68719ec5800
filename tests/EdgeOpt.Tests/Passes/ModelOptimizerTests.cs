using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Runtime;

namespace EdgeOpt.Tests.Passes;

/// <summary>
/// <see cref="ModelOptimizer"/>: fixed shapes, opset conversion and the registered passes in one call, proven with
/// ONNX Runtime; options checked before anything changes; on failure the model is left exactly as it was.
/// </summary>
public class ModelOptimizerTests
{
    [Fact]
    public void Extended_optimization_keeps_outputs_and_reports_consistent_totals()
    {
        using var original = OptimizerTestModels.SmallCnn(opset: 13);
        using var model = original.Clone();

        var result = ModelOptimizer.Optimize(model, new OptimizationOptions { Level = PassLevel.Extended });

        var equivalence = ModelEquivalence.Compare(original, model, samples: 8, seed: 1);
        Assert.True(equivalence.IsWithin(1e-5), $"max relative error {equivalence.MaxRelativeError:E2}");
        Assert.Equal(PassManager.CountNodes(original), result.NodesBefore);
        Assert.Equal(PassManager.CountNodes(model), result.NodesAfter);
        Assert.Equal(PassManager.InitializerBytes(original), result.InitializerBytesBefore);
        Assert.Equal(PassManager.InitializerBytes(model), result.InitializerBytesAfter);
        Assert.True(result.NodesAfter <= result.NodesBefore);
        Assert.Null(result.Conversion);
        Assert.Equal(13, model.GetOpset());

        // One row per selected pass, in registry order; fix-input-shapes and bind-inputs only run (up front) when shapes or bindings are given.
        var expected = PassRegistry.Select(new OptimizationOptions()).Select(p => p.Name).Where(n => n is not ("fix-input-shapes" or "bind-inputs"));
        Assert.Equal(expected, result.Passes.Passes.Select(p => p.Pass));
        Assert.All(result.Passes.Passes, p =>
        {
            Assert.Equal(result.Passes.Iterations, p.Runs);
            Assert.InRange(p.Changes, 0, p.Runs);
        });
        if (result.Passes.Passes.Count > 0)
        {
            Assert.Equal(result.NodesBefore, result.Passes.Passes[0].NodesBefore);
            Assert.Equal(result.NodesAfter, result.Passes.Passes[^1].NodesAfter);
        }
        // The fixpoint is reached: the last round changed nothing (unless the round limit stopped it).
        Assert.InRange(result.Passes.Iterations, 1, new OptimizationOptions().MaxIterations);
    }

    [Fact]
    public void Basic_level_runs_only_basic_passes_and_keeps_outputs_exactly()
    {
        using var original = OptimizerTestModels.SmallCnn(opset: 13);
        using var model = original.Clone();

        var result = ModelOptimizer.Optimize(model, new OptimizationOptions { Level = PassLevel.Basic });

        var levels = PassRegistry.All.ToDictionary(p => p.Name, p => p.Level);
        Assert.All(result.Passes.Passes, p => Assert.Equal(PassLevel.Basic, levels[p.Pass]));
        // Basic passes never change numerics: only exact rewrites (eliminations, folding evaluated by ORT itself).
        var equivalence = ModelEquivalence.Compare(original, model, samples: 4, seed: 2);
        Assert.True(equivalence.IsWithin(1e-6), $"max relative error {equivalence.MaxRelativeError:E2}");
    }

    [Fact]
    public void Fixed_shapes_make_inputs_static_and_appear_as_the_first_step()
    {
        using var original = OptimizerTestModels.SmallCnn(opset: 13);
        using var model = original.Clone();
        var options = new OptimizationOptions { FixedShapes = new Dictionary<string, long[]> { ["x"] = [2, 3, 8, 8] } };

        var result = ModelOptimizer.Optimize(model, options);

        Assert.Equal(new TensorShape(2, 3, 8, 8), model.Graph.Inputs.Single(v => v.Name == "x").Shape);
        var first = result.Passes.Passes[0];
        Assert.Equal("fix-input-shapes", first.Pass);
        Assert.Equal(1, first.Changes);
        Assert.Equal([2L, 3, 8, 8], result.FixedShapes["x"]);
        var inputs = new Dictionary<string, long> { ["N"] = 2 };
        var equivalence = ModelEquivalence.Compare(original, model, samples: 4, seed: 3, dims: inputs);
        Assert.True(equivalence.IsWithin(1e-5), $"max relative error {equivalence.MaxRelativeError:E2}");
    }

    [Fact]
    public void Target_opset_converts_before_the_passes_run()
    {
        using var original = OptimizerTestModels.SmallCnn(opset: 11);
        using var model = original.Clone();

        var result = ModelOptimizer.Optimize(model, new OptimizationOptions { TargetOpset = 13, Level = PassLevel.Basic });

        Assert.Equal(13, model.GetOpset());
        var conversion = Assert.IsType<OpsetChange>(result.Conversion);
        Assert.Equal(11, conversion.Report.SourceOpset);
        Assert.Equal(13, conversion.Report.TargetOpset);
        Assert.Equal(1, conversion.Report.NodesChangedByOp["Squeeze"]); // axes: attribute → input at 13
        Assert.DoesNotContain(model.Graph.AllNodes(), n => n.OpType == "Squeeze" && n.Attributes.Contains("axes"));
        if (result.Passes.Passes.Count > 0) Assert.Equal(conversion.NodesAfter, result.Passes.Passes[0].NodesBefore);
        var equivalence = ModelEquivalence.Compare(original, model, samples: 4, seed: 4);
        Assert.True(equivalence.IsWithin(1e-6), $"max relative error {equivalence.MaxRelativeError:E2}");
    }

    public static TheoryData<string, OptimizationOptions, string[]> Refusals => new()
    {
        { "unknown pass", new OptimizationOptions { Passes = ["no-such-pass"] }, ["'no-such-pass'", "valid passes"] },
        { "unknown skipped pass", new OptimizationOptions { SkipPasses = ["fuse-everything"] }, ["'fuse-everything'"] },
        { "opset too low", new OptimizationOptions { TargetOpset = 6 }, ["target opset 6", "7 to 21"] },
        { "opset too high", new OptimizationOptions { TargetOpset = 22 }, ["target opset 22", "7 to 21"] },
        { "dim contradicts", new OptimizationOptions { FixedShapes = new Dictionary<string, long[]> { ["x"] = [1, 4, 8, 8] } }, ["'x'", "dim 1", "3", "4"] },
        { "rank contradicts", new OptimizationOptions { FixedShapes = new Dictionary<string, long[]> { ["x"] = [1, 3, 8] } }, ["'x'", "rank 4"] },
        { "no such input", new OptimizationOptions { FixedShapes = new Dictionary<string, long[]> { ["image"] = [1, 3, 8, 8] } }, ["'image'", "'x'"] },
        { "no rounds", new OptimizationOptions { MaxIterations = 0 }, ["MaxIterations"] },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Bad_options_throw_usage_errors_and_leave_the_model_unchanged(string _, OptimizationOptions options, string[] expected)
    {
        using var model = OptimizerTestModels.SmallCnn(opset: 13);
        var before = model.ToBytes();

        var e = Assert.ThrowsAny<UsageException>(() => ModelOptimizer.Optimize(model, options)); // InvalidOptionsException for the options' own rules

        foreach (var word in expected) Assert.Contains(word, e.Message, StringComparison.Ordinal);
        Assert.Equal(before, model.ToBytes());
    }

    [Fact]
    public void An_operator_the_converter_refuses_is_named_and_nothing_changes()
    {
        using var model = OptimizerTestModels.GridSample();
        var before = model.ToBytes();
        // Fixed shapes run first; the refusal must undo them too.
        var options = new OptimizationOptions { TargetOpset = 11, FixedShapes = new Dictionary<string, long[]> { ["x"] = [1, 1, 4, 4] } };

        var e = Assert.Throws<UnsupportedOperatorException>(() => ModelOptimizer.Optimize(model, options));

        Assert.Contains("warp", e.Message, StringComparison.Ordinal);
        Assert.Contains("GridSample", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, model.ToBytes());
        Assert.Equal(16, model.GetOpset());
    }

    [Fact]
    public void Cancellation_stops_the_run_and_restores_the_model()
    {
        using var model = OptimizerTestModels.SmallCnn(opset: 11);
        var before = model.ToBytes();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            ModelOptimizer.Optimize(model, new OptimizationOptions { TargetOpset = 13 }, cancelled.Token));

        Assert.Equal(before, model.ToBytes());
    }
}
