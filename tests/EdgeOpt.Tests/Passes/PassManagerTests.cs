using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Runtime;

namespace EdgeOpt.Tests.Passes;

/// <summary>
/// The pass contract as the <see cref="PassManager"/> enforces it: declared requirements skip a pass with the
/// reason, results are summed into the statistics, a pass that breaks a graph invariant is undone and named, errors
/// keep their type, run-once steps run once, and <see cref="PassManager.FromOptions"/> builds the optimizer's pipeline.
/// </summary>
public class PassManagerTests
{
    [Fact]
    public void The_four_broadcasting_passes_are_skipped_below_opset_7_with_the_reason()
    {
        using var model = OptimizerTestModels.MatMulAddBatchNorm(opset: 6);
        var before = model.ToBytes();
        IGraphPass[] passes = [new FuseMatMulAdd(), new FuseGemmBatchNorm(), new FuseConvScaleBias(), new DecomposeBatchNorm()];

        var report = new PassManager(passes).Run(model);

        Assert.All(report.Passes, p =>
        {
            Assert.Equal("requires opset ≥ 7 (the model has 6)", p.Skipped);
            Assert.Equal(0, p.Runs);
            Assert.Empty(p.Results);
        });
        Assert.Equal(before, model.ToBytes());
        Assert.All(passes, p => Assert.Equal(7, p.Requirements.MinOpset));
    }

    [Fact]
    public void The_same_passes_run_at_opset_7_and_keep_the_outputs()
    {
        using var original = OptimizerTestModels.MatMulAddBatchNorm(opset: 7);
        using var model = original.Clone();

        var report = new PassManager([new FuseMatMulAdd(), new FuseGemmBatchNorm()]).Run(model);

        Assert.All(report.Passes, p => Assert.Null(p.Skipped));
        Assert.Equal(1, report.Passes[0].Rewrites); // MatMul + Add → Gemm
        Assert.Equal(1, report.Passes[1].Rewrites); // BatchNormalization folded into the Gemm
        Assert.Equal(["Gemm", "Relu"], PassHarness.OpTypes(model));
        FusionHarness.AssertEquivalent(original, model);
    }

    [Fact]
    public void Optimize_reports_the_skipped_passes_of_an_opset_6_model()
    {
        using var model = OptimizerTestModels.MatMulAddBatchNorm(opset: 6);

        var result = ModelOptimizer.Optimize(model, new OptimizationOptions());

        var skipped = result.Passes.Passes.Where(p => p.Skipped is not null).Select(p => p.Pass).Order(StringComparer.Ordinal);
        Assert.Equal(["decompose-batchnorm", "fuse-conv-scale-bias", "fuse-gemm-batchnorm", "fuse-matmul-add"], skipped);
    }

    [Fact]
    public void Opset_ranges_and_subgraphs_are_checked_as_declared()
    {
        using var cnn = OptimizerTestModels.SmallCnn(opset: 13);
        using var silero = Model.Load(Fixtures.SileroVadV5);
        var upTo12 = new RecordingPass("up-to-12") { Needs = new PassRequirements { MaxOpset = 12 } };
        var flat = new RecordingPass("flat-only") { Needs = new PassRequirements { NoSubgraphs = true } };

        var onCnn = new PassManager([upTo12, flat]).Run(cnn);
        var onSilero = new PassManager([flat]).Run(silero);

        Assert.Equal("requires opset ≤ 12 (the model has 13)", onCnn.Passes[0].Skipped);
        Assert.Null(onCnn.Passes[1].Skipped);
        Assert.Equal(1, onCnn.Passes[1].Runs);
        Assert.StartsWith("requires no subgraphs (", onSilero.Passes[0].Skipped, StringComparison.Ordinal);
        Assert.Contains("(If) holds one)", onSilero.Passes[0].Skipped, StringComparison.Ordinal);
        Assert.Equal("opset ≤ 12", upTo12.Requirements.ToString());
    }

    [Fact]
    public void Results_are_kept_per_run_and_summed()
    {
        using var model = OptimizerTestModels.SmallCnn(opset: 13);
        // Changes twice (3, then 2 rewrites), then reports nothing: three rounds to the fixpoint.
        var counting = new RecordingPass("counting") { Rewrites = [3, 2] };

        var report = new PassManager([counting]).Run(model);

        var stats = Assert.Single(report.Passes);
        Assert.Equal(3, report.Iterations);
        Assert.Equal(3, stats.Runs);
        Assert.Equal(2, stats.Changes);
        Assert.Equal(5, stats.Rewrites);
        Assert.Equal([3, 2, 0], stats.Results.Select(r => r.Rewrites));
        Assert.False(stats.Results[^1].Changed);
    }

    [Fact]
    public void Optimizer_results_count_what_each_pass_did()
    {
        using var model = OptimizerTestModels.SmallCnn(opset: 13);

        var result = ModelOptimizer.Optimize(model, new OptimizationOptions());

        var byName = result.Passes.Passes.ToDictionary(p => p.Pass);
        Assert.Equal(1, byName["eliminate-identity"].Rewrites);
        Assert.Equal(1, byName["fuse-conv-batchnorm"].Rewrites);
        Assert.All(result.Passes.Passes, p =>
        {
            Assert.Equal(p.Runs, p.Results.Count);
            Assert.Equal(p.Results.Sum(r => r.Rewrites), p.Rewrites);
            Assert.Equal(p.Results.Count(r => r.Changed), p.Changes);
        });
    }

    [Fact]
    public void Run_once_steps_run_in_the_first_round_only()
    {
        using var model = OptimizerTestModels.SmallCnn(opset: 13);
        var once = new RecordingPass("once") { Once = true, Rewrites = [1, 1, 1] };
        var twice = new RecordingPass("twice") { Rewrites = [1] };

        var report = new PassManager([once, twice]).Run(model);

        Assert.Equal(2, report.Iterations); // the once-step's change does not ask for another round
        Assert.Equal(1, report.Passes[0].Runs);
        Assert.Equal(2, report.Passes[1].Runs);
    }

    [Fact]
    public void A_pass_that_breaks_an_invariant_is_undone_and_named()
    {
        using var model = OptimizerTestModels.SmallCnn(opset: 13);
        var before = model.ToBytes();
        var breaker = new RecordingPass("drop-producer")
        {
            Rewrites = [1],
            Edit = m => m.Graph.RemoveNode(m.Graph.Nodes.Single(n => n.OpType == "Relu"), force: true),
        };

        var e = Assert.Throws<PassFailedException>(() => new PassManager([breaker]) { CheckInvariants = true }.Run(model));

        Assert.Equal("drop-producer", e.Pass);
        Assert.StartsWith("pass 'drop-producer' broke a graph invariant and was undone: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("was removed", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, model.ToBytes());
    }

    [Fact]
    public void Invariant_checks_can_be_turned_off_and_a_flaw_the_model_arrived_with_is_not_blamed_on_a_pass()
    {
        using var model = OptimizerTestModels.SmallCnn(opset: 13);
        var relu = model.Graph.Nodes.Single(n => n.OpType == "Relu");
        // The model arrives broken: Relu is moved behind the node that reads it.
        model.Graph.DetachNode(relu);
        model.Graph.AddNode(relu);
        Assert.NotEmpty(GraphInvariants.Find(model));

        var checkedRun = new PassManager([new RecordingPass("no-op")]) { CheckInvariants = true }.Run(model);
        var breaker = new RecordingPass("breaker") { Rewrites = [1], Edit = m => m.Graph.Nodes[1].SetInput(0, new Value("ghost")) };
        var unchecked_ = new PassManager([breaker]) { CheckInvariants = false }.Run(model);

        Assert.Equal(1, checkedRun.Passes[0].Runs);
        Assert.Equal(1, unchecked_.Passes[0].Changes);
        Assert.True(new PassManager([]).CheckInvariants); // the suite turns the checks on for every manager
    }

    [Fact]
    public void A_pass_that_promises_no_unused_initializers_is_held_to_it()
    {
        using var model = OptimizerTestModels.SmallCnn(opset: 13);
        model.Graph.Initializers.Add(Tensor.Create("unused", new[] { 1f }, 1));
        var liar = new RecordingPass("remove-nothing") { Promise = PassPostconditions.NoUnusedInitializers };

        var e = Assert.Throws<PassFailedException>(() => new PassManager([liar]) { CheckInvariants = true }.Run(model));
        var honest = new PassManager([new RemoveUnusedInitializers()]) { CheckInvariants = true }.Run(model);

        Assert.Contains("initializer 'unused' is unused", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, honest.Passes[0].Rewrites);
    }

    public static TheoryData<Exception> TypedErrors => new()
    {
        new UsageException("bad request"),
        new UnsupportedOperatorException("no such op"),
        new ConstraintException("too big"),
        new ModelFormatException("broken file"),
        new DataFormatException("broken data"),
    };

    [Theory]
    [MemberData(nameof(TypedErrors))]
    public void Typed_errors_keep_their_type_and_name_the_pass(Exception error)
    {
        using var model = OptimizerTestModels.SmallCnn(opset: 13);
        var before = model.ToBytes();
        var failing = new RecordingPass("failing") { Edit = m => { m.Graph.Outputs.Clear(); throw error; } };

        var e = Assert.Throws(error.GetType(), () => new PassManager([failing]).Run(model));

        Assert.Equal($"pass 'failing' failed and was undone: {error.Message}", e.Message);
        Assert.Same(error, e.InnerException);
        Assert.Equal(before, model.ToBytes());
    }

    [Fact]
    public void A_subclass_of_a_typed_error_is_rethrown_itself_so_what_it_carries_survives()
    {
        using var model = OptimizerTestModels.SmallCnn(opset: 13);
        var before = model.ToBytes();
        var problems = new OptimizationOptions { MaxIterations = 0 }.Validate();
        var error = new InvalidOptionsException(problems);
        var failing = new RecordingPass("strict") { Edit = m => { m.Graph.Outputs.Clear(); throw error; } };

        var e = Assert.Throws<InvalidOptionsException>(() => new PassManager([failing]).Run(model));

        Assert.Same(error, e);
        Assert.Equal(problems, e.Problems);
        Assert.Equal("strict", e.Data["pass"]);
        Assert.Equal(before, model.ToBytes());
    }

    [Fact]
    public void An_unexpected_exception_becomes_a_pass_failure_holding_it()
    {
        using var model = OptimizerTestModels.SmallCnn(opset: 13);
        var failing = new RecordingPass("buggy") { Edit = _ => throw new InvalidOperationException("index out of step") };

        var e = Assert.Throws<PassFailedException>(() => new PassManager([failing]).Run(model));

        Assert.Equal("buggy", e.Pass);
        Assert.Equal("pass 'buggy' failed and was undone: index out of step", e.Message);
        Assert.IsType<InvalidOperationException>(e.InnerException);
    }

    [Fact]
    public void Optimizer_errors_keep_their_type_through_the_pipeline()
    {
        using var model = OptimizerTestModels.SmallCnn(opset: 13);
        var options = new OptimizationOptions { Bindings = new Dictionary<string, string> { ["nope"] = "1" } };

        var e = Assert.Throws<UsageException>(() => ModelOptimizer.Optimize(model, options));

        Assert.StartsWith("pass 'bind-inputs' failed and was undone: --bind names input 'nope'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromOptions_puts_the_requested_steps_first_and_only_when_given()
    {
        var plain = PassManager.FromOptions(new OptimizationOptions());
        var full = PassManager.FromOptions(new OptimizationOptions
        {
            FixedShapes = new Dictionary<string, long[]> { ["x"] = [1, 3, 8, 8] },
            Bindings = new Dictionary<string, string> { ["sr"] = "16000" },
            TargetOpset = 13,
            Passes = ["fold-constants"],
            MaxIterations = 3,
        });

        Assert.DoesNotContain(plain.Passes, p => p.RunsOnce);
        Assert.Equal(["fix-input-shapes", "bind-inputs", "convert-opset", "fold-constants"], full.Passes.Select(p => p.Name));
        Assert.All(full.Passes.Take(3), p => Assert.True(p.RunsOnce));
        Assert.Equal(3, full.MaxIterations);
        Assert.Equal([2L, 3], ((FixInputShapes)PassManager.FromOptions(new OptimizationOptions { FixedShapes = new Dictionary<string, long[]> { ["x"] = [2, 3] } }).Passes[0]).Shapes["x"]);
    }

    [Fact]
    public void Each_pass_is_built_with_its_own_settings()
    {
        var options = new OptimizationOptions { FoldSizeLimitBytes = 64, Level = PassLevel.Basic };

        var fold = PassRegistry.Select(options).OfType<FoldConstants>().Single();

        Assert.Equal(64, fold.SizeLimitBytes);
        Assert.Equal(FoldConstants.DefaultSizeLimitBytes, PassRegistry.All.OfType<FoldConstants>().Single().SizeLimitBytes);
    }

    [Fact]
    public void A_pipeline_with_every_pass_keeps_a_real_cnn_equivalent_under_invariant_checks()
    {
        using var original = Model.Load(Fixtures.ResNet18);
        using var model = original.Clone();
        var manager = new PassManager(PassRegistry.All) { CheckInvariants = true };

        var report = manager.Run(model);

        Assert.True(report.NodesAfter < report.NodesBefore, $"{report.NodesBefore} → {report.NodesAfter} nodes");
        Assert.Empty(GraphInvariants.Find(model, allowUnusedInitializers: false));
        var equivalence = ModelEquivalence.Compare(original, model, samples: 2, seed: 7);
        Assert.True(equivalence.IsWithin(1e-4), $"max relative error {equivalence.MaxRelativeError:E2}");
    }

    /// <summary>A test pass: applies <see cref="Edit"/> and reports the next count from <see cref="Rewrites"/> (0 once they run out).</summary>
    private sealed class RecordingPass(string name) : IGraphPass
    {
        private int _run;

        public string Name => name;
        public string Description => "test pass";
        public PassLevel Level => PassLevel.Basic;
        public PassRequirements Needs { get; init; } = PassRequirements.None;
        public PassRequirements Requirements => Needs;
        public PassPostconditions Promise { get; init; }
        public PassPostconditions Ensures => Promise;
        public bool Once { get; init; }
        public bool RunsOnce => Once;
        public int[] Rewrites { get; init; } = [];
        public Action<Model>? Edit { get; init; }

        public PassResult Run(Model model, PassContext context)
        {
            var count = _run < Rewrites.Length ? Rewrites[_run] : 0;
            _run++;
            if (count > 0 || Rewrites.Length == 0) Edit?.Invoke(model);
            return PassResult.Of(count);
        }
    }
}
