using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Deployment;
using EdgeOpt.Runtime;

namespace EdgeOpt.Tests.Deployment;

/// <summary>
/// One deployment of the demo model to a Pixel 7 (labelled Fashion-MNIST, keep 99% of FP32 accuracy), shared by the
/// tests that read it, plus a rerun on the same results store.
/// </summary>
public sealed class DemoDeployment : IDisposable
{
    public DemoDeployment()
    {
        Inputs = DemoAssets.WriteTo(Dir.File("inputs"));
        Store = Dir.File("results.db");
        Data = new DeploymentData { Path = Inputs.TestImages, LabelsPath = Inputs.TestLabels, CalibrationSamples = 100 };
        Deployer = EdgeDeployer.Create("pixel-7", new OptimizationConfig { TargetAccuracy = 0.99 }, new DeployerOptions { ResultsStorePath = Store });
        Output = Dir.File("first");
        Result = Deployer.Deploy(Inputs.Model, Data, Output);
        RerunOutput = Dir.File("rerun");
        Rerun = Deployer.Deploy(Inputs.Model, Data, RerunOutput);
    }

    internal TempDir Dir { get; } = new();
    internal DemoAssets.Files Inputs { get; }
    public string Store { get; }
    public DeploymentData Data { get; }
    public EdgeDeployer Deployer { get; }
    public string Output { get; }
    public DeploymentResult Result { get; }
    public string RerunOutput { get; }
    public DeploymentResult Rerun { get; }

    public void Dispose() => Dir.Dispose();
}

public class EdgeDeployerTests(DemoDeployment demo) : IClassFixture<DemoDeployment>
{
    [Fact]
    public void The_demo_deploy_meets_the_accuracy_target_with_a_quantized_model_on_the_front()
    {
        var r = demo.Result;

        Assert.True(r.ConstraintsMet);
        Assert.Equal("accuracy", r.AccuracyMetric);
        Assert.Equal("pixel-7", r.Target.Id);
        var baseline = Assert.IsType<CandidateResult>(r.Baseline);
        Assert.Equal(CandidatePrecision.Fp32, baseline.Spec.Precision);
        Assert.True(baseline.MeasuredAccuracy >= 0.88, $"FP32 top-1 {baseline.MeasuredAccuracy:P1}");
        var chosen = r.Chosen;
        var kept = Assert.Single(r.Checks);
        Assert.True(kept.Met);
        Assert.Equal(chosen.MeasuredAccuracy!.Value / baseline.MeasuredAccuracy!.Value, kept.Value!.Value, 9);
        Assert.Equal(kept.Value.Value - 0.99, kept.Margin!.Value, 9);
        // The fastest among those meeting the target: no evaluated candidate that keeps 99% is faster on the target
        // beyond the 1% an estimate cannot resolve.
        var meeting = r.Candidates.Where(c => c.Status == CandidateStatus.Evaluated && c.MeasuredAccuracy / baseline.MeasuredAccuracy >= 0.99);
        Assert.All(meeting, c => Assert.True(c.EstimatedLatencyMs >= chosen.EstimatedLatencyMs / (1 + DeploymentSelection.TieTolerance),
            $"{c.Label} is faster than the chosen {chosen.Label}"));
        Assert.Contains(r.ParetoFront, k => r.Candidates.Single(c => c.Key == k).Spec.Precision != CandidatePrecision.Fp32);
        // Static INT8 (issue 4's acceptance) is there: within half a point of FP32 at under 30% of the size.
        var int8 = r.Candidates.First(c => c.Status == CandidateStatus.Evaluated && c.Spec.Precision == CandidatePrecision.Int8Static && c.Spec.PerChannel);
        Assert.InRange((baseline.MeasuredAccuracy!.Value - int8.MeasuredAccuracy!.Value) * 100, -0.5, 0.5);
        Assert.True(int8.SizeBytes <= 0.3 * r.OriginalSizeBytes, $"INT8 is {int8.SizeBytes} bytes of {r.OriginalSizeBytes}");
    }

    [Fact]
    public void The_search_covers_precisions_threads_levels_and_backends_and_says_what_it_left_out()
    {
        var r = demo.Result;
        var evaluated = r.Candidates.Where(c => c.Status == CandidateStatus.Evaluated).ToList();

        Assert.True(evaluated.Count >= 8, $"{evaluated.Count} evaluated");
        Assert.Equal(evaluated.Count, evaluated.Select(c => c.Key).Distinct().Count());
        foreach (var p in new[] { CandidatePrecision.Fp32, CandidatePrecision.Fp16, CandidatePrecision.Int8Static, CandidatePrecision.Int8Dynamic })
            Assert.Contains(r.Candidates, c => c.Spec.Precision == p);
        Assert.Contains(r.Candidates, c => c.Spec.Precision == CandidatePrecision.Mixed); // accuracy target + labels
        // The Pixel 7's accelerator backends take too little of this model (per the compat tables): left out, with why.
        Assert.Contains(r.Notes, n => n.StartsWith("nnapi not searched: it takes", StringComparison.Ordinal));
        Assert.Contains(r.Notes, n => n.StartsWith("xnnpack not searched: it takes", StringComparison.Ordinal));
        Assert.Contains(r.Candidates, c => c.Spec.OptimizationLevel == GraphOptimization.Basic);
        Assert.True(r.Candidates.Select(c => c.Spec.Threads).Distinct().Count() >= Math.Min(2, Environment.ProcessorCount));
        // The demo CNN has no MatMul weights: int4 is left out, and the notes say why.
        Assert.DoesNotContain(r.Candidates, c => c.Spec.Precision == CandidatePrecision.Int4WeightOnly);
        Assert.Contains(r.Notes, n => n.StartsWith("int4 weight-only not searched", StringComparison.Ordinal));
        Assert.All(r.Candidates, c => Assert.StartsWith("edgeopt ", c.Command, StringComparison.Ordinal));
    }

    [Fact]
    public void The_folder_holds_the_chosen_model_that_runs_in_ort_at_its_recorded_size_with_session_options_and_reports()
    {
        var r = demo.Result;

        Assert.Equal(["model.onnx", "session_options.json", "report.json", "report.html"], r.Files);
        Assert.Equal(r.Files.Order(StringComparer.Ordinal), Directory.EnumerateFileSystemEntries(demo.Output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var model = Path.Combine(demo.Output, "model.onnx");
        Assert.Equal(r.Chosen.SizeBytes, new FileInfo(model).Length);
        using (var session = SessionFactory.Create(model))
        {
            var image = DemoAssets.TestSet();
            var pixels = image.Image(0).ToArray().Select(p => p / 255f).ToArray();
            using var input = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(pixels, [1, 1, 28, 28]);
            using var outputs = session.Run(new Microsoft.ML.OnnxRuntime.RunOptions(), ["input"], [input], session.OutputNames);
            var logits = outputs[0].GetTensorDataAsSpan<float>().ToArray();
            Assert.Equal(10, logits.Length);
            Assert.All(logits, v => Assert.True(float.IsFinite(v)));
        }

        using var options = JsonDocument.Parse(File.ReadAllText(Path.Combine(demo.Output, "session_options.json")));
        Assert.Equal(r.Chosen.Spec.Threads, options.RootElement.GetProperty("intraOpNumThreads").GetInt32());
        Assert.Equal("CPUExecutionProvider", options.RootElement.GetProperty("executionProviders").EnumerateArray().Last().GetString());

        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(demo.Output, "report.json")));
        var root = report.RootElement;
        Assert.Equal("edgeopt-deployment", root.GetProperty("format").GetString());
        Assert.Equal(r.ChosenKey, root.GetProperty("chosenKey").GetString());
        Assert.Equal(r.Candidates.Count, root.GetProperty("candidates").GetArrayLength());
        Assert.Equal(64, root.GetProperty("provenance").GetProperty("modelSha256").GetString()!.Length);
        Assert.False(string.IsNullOrEmpty(root.GetProperty("provenance").GetProperty("host").GetString()));
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(demo.Output, "report.html")), StringComparison.Ordinal);
    }

    [Fact]
    public void A_rerun_on_the_same_store_takes_every_evaluated_candidate_from_it_and_chooses_the_same()
    {
        // Failures are stored too (as reproducible as measurements); the demo has none, so this is every evaluated one.
        var evaluated = demo.Result.Candidates.Count(c => c.Status is CandidateStatus.Evaluated or CandidateStatus.Failed);

        Assert.Equal(0, demo.Result.Provenance.CachedCandidates);
        Assert.Equal(evaluated, demo.Rerun.Provenance.CachedCandidates);
        Assert.Equal(demo.Result.ChosenKey, demo.Rerun.ChosenKey);
        Assert.Equal(demo.Result.Chosen.MeasuredAccuracy, demo.Rerun.Chosen.MeasuredAccuracy);
        Assert.Equal(File.ReadAllBytes(Path.Combine(demo.Output, "model.onnx")), File.ReadAllBytes(Path.Combine(demo.RerunOutput, "model.onnx")));
        // The chosen model is kept beside the store, so the rerun wrote it without rebuilding.
        Assert.True(File.Exists(Path.Combine(demo.Dir.Path, "models", demo.Result.ChosenKey + ".onnx")));
    }

    [Fact]
    public void Impossible_constraints_still_write_the_closest_candidate_with_negative_margins()
    {
        using var dir = new TempDir();
        var deployer = EdgeDeployer.Create("pixel-7", new OptimizationConfig { TargetLatencyMs = 1e-6, TargetAccuracy = 0.99 },
            new DeployerOptions { ResultsStorePath = demo.Store });

        var r = deployer.Deploy(demo.Inputs.Model, demo.Data, dir.File("out"));

        Assert.False(r.ConstraintsMet);
        var latency = r.Checks.Single(c => c.Constraint == "target latency");
        Assert.False(latency.Met);
        Assert.Equal(1e-6 - r.Chosen.EstimatedLatencyMs!.Value, latency.Margin!.Value, 9);
        Assert.True(File.Exists(dir.File("out/model.onnx")));
        // The closest: no evaluated candidate has a smaller total violation.
        var reference = new DeploymentSelection.Reference(r.Baseline!, r.OriginalSizeBytes, HasLabels: true);
        var best = DeploymentSelection.TotalViolation(r.Checks);
        Assert.All(r.Candidates.Where(c => c.Status == CandidateStatus.Evaluated),
            c => Assert.True(DeploymentSelection.TotalViolation(DeploymentSelection.Check(c, reference, r.Config)) >= best));
    }

    [Fact]
    public void An_accuracy_constraint_without_data_is_refused_naming_what_to_add()
    {
        using var dir = new TempDir();
        var deployer = EdgeDeployer.Create("pixel-7", new OptimizationConfig { MaxAccuracyDrop = 1 });

        var e = Assert.Throws<InvalidOptionsException>(() => deployer.Deploy(demo.Inputs.Model, null, dir.File("out")));

        var problem = Assert.Single(e.Problems);
        Assert.Equal(["OptimizationConfig.MaxAccuracyDrop", "DeploymentData.Path"], problem.Names);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void A_folder_edgeopt_did_not_write_is_refused_and_left_untouched()
    {
        using var dir = new TempDir();
        var output = dir.File("mine");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "notes.txt"), "keep me");

        var e = Assert.Throws<UsageException>(() => EdgeDeployer.Create("pixel-7", new OptimizationConfig(), new DeployerOptions { Force = true })
            .Deploy(demo.Inputs.Model, demo.Data, output));

        Assert.Contains("'notes.txt'", e.Message, StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(output).Select(Path.GetFileName));
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(output, "notes.txt")));
        Assert.Equal(["mine"], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void An_earlier_deployment_is_replaced_only_with_force()
    {
        using var dir = new TempDir();
        var output = dir.File("out");
        var options = new DeployerOptions { ResultsStorePath = demo.Store };
        var config = new OptimizationConfig { TargetAccuracy = 0.99 };
        EdgeDeployer.Create("pixel-7", config, options).Deploy(demo.Inputs.Model, demo.Data, output);

        var e = Assert.Throws<UsageException>(() => EdgeDeployer.Create("pixel-7", config, options).Deploy(demo.Inputs.Model, demo.Data, output));
        Assert.Contains("--force", e.Message, StringComparison.Ordinal);

        var again = EdgeDeployer.Create("pixel-7", config, options with { Force = true }).Deploy(demo.Inputs.Model, demo.Data, output);
        Assert.True(File.Exists(Path.Combine(output, "report.json")));
        Assert.Equal(again.Candidates.Count(c => c.Status == CandidateStatus.Evaluated), again.Provenance.CachedCandidates);
    }

    [Fact]
    public void A_budget_too_small_for_the_baseline_is_a_constraint_failure_that_writes_nothing()
    {
        using var dir = new TempDir();
        var deployer = EdgeDeployer.Create("pixel-7", new OptimizationConfig { TimeBudget = TimeSpan.FromMilliseconds(1) });

        var e = Assert.Throws<ConstraintException>(() => deployer.Deploy(demo.Inputs.Model, demo.Data, dir.File("out")));

        Assert.Contains("FP32 baseline", e.Message, StringComparison.Ordinal);
        Assert.Contains("--time-budget", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void A_fixed_precision_chooses_only_that_precision()
    {
        using var dir = new TempDir();
        var deployer = EdgeDeployer.Create("pixel-7", new OptimizationConfig { Quantization = EdgeOpt.Quantization.QuantizationType.Float16 },
            new DeployerOptions { ResultsStorePath = demo.Store });

        var r = deployer.Deploy(demo.Inputs.Model, demo.Data, dir.File("out"));

        Assert.Equal(CandidatePrecision.Fp16, r.Chosen.Spec.Precision);
        Assert.All(r.Candidates, c => Assert.Contains(c.Spec.Precision, new[] { CandidatePrecision.Fp32, CandidatePrecision.Fp16 }));
    }
}

/// <summary>A real model the search was not developed against, deployed to a browser without data: fidelity, a web bundle.</summary>
public class EdgeDeployerWebTests
{
    [Fact]
    public void BlazeFace_deploys_to_a_browser_without_labels_as_fidelity_with_a_web_bundle()
    {
        using var dir = new TempDir();
        var deployer = EdgeDeployer.Create("chrome-desktop", new OptimizationConfig { MinFidelity = 0.99 },
            new DeployerOptions { ResultsStorePath = dir.File("results.db") });

        var r = deployer.Deploy(Fixtures.BlazeFace, null, dir.File("out"));

        Assert.Equal("fidelity", r.AccuracyMetric);
        Assert.Contains(r.Notes, n => n.StartsWith("no data: quality is fidelity to the FP32 model", StringComparison.Ordinal));
        Assert.Contains(r.Notes, n => n.StartsWith("int8 static not searched: it needs calibration data", StringComparison.Ordinal));
        Assert.DoesNotContain(r.Candidates, c => c.Spec.Precision is CandidatePrecision.Int8Static or CandidatePrecision.Mixed);
        Assert.All(r.Candidates, c => Assert.Contains(c.Spec.Backend, new[] { EdgeOpt.Devices.AccelerationBackend.Wasm, EdgeOpt.Devices.AccelerationBackend.WebGpu }));
        Assert.True(r.ConstraintsMet);
        var fidelity = Assert.Single(r.Checks);
        Assert.Equal(r.Chosen.MeasuredCosine!.Value - 0.99, fidelity.Margin!.Value, 9);
        Assert.Null(r.Chosen.MeasuredAccuracy);

        Assert.Equal(["model.onnx", "web", "report.json", "report.html"], r.Files);
        Assert.True(File.Exists(dir.File("out/web/bundle.json")));
        Assert.True(File.Exists(dir.File("out/web/index.html")));
        Assert.Equal(r.Chosen.SizeBytes, new FileInfo(dir.File("out/model.onnx")).Length);
        using var session = SessionFactory.Create(dir.File("out/model.onnx"));
        Assert.NotEmpty(session.OutputNames);
    }
}
