using EdgeOpt.Analysis;
using EdgeOpt.Cli;
using EdgeOpt.Data;
using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Serialization;
using EdgeOpt.Passes;
using EdgeOpt.Progressive;
using EdgeOpt.Quantization;
using EdgeOpt.Quantization.Calibration;
using EdgeOpt.Runtime;

namespace EdgeOpt.Tests;

/// <summary>
/// Options records other than <see cref="Quantization.QuantizerOptions"/> validate themselves the same way: every
/// problem at once, named by member in the library and by flag on the CLI (<see cref="OptionFlags"/>).
/// </summary>
public sealed class OptionRecordValidationTests
{
    [Fact]
    public void Benchmark_options_report_every_problem_at_once()
    {
        var options = new BenchmarkOptions { Runs = 0, Duration = TimeSpan.FromSeconds(-1), Warmup = -1, Batch = 0, Threads = [2, 0, 2], Data = "x.npy",
            Shapes = new Dictionary<string, long[]> { ["x"] = [1] } };

        var problems = options.Validate();

        Assert.Equal(
        [
            "give either a run count (Runs) or a duration (Duration), not both",
            "Runs 0: expected a positive number of measured inferences",
            "Duration -1: expected a positive number of seconds",
            "Warmup -1: expected zero or more warmup inferences",
            "Batch 0: expected a positive batch size",
            "Threads 0: expected positive thread counts, e.g. 1,2,4",
            "Threads 2,0,2: a thread count is repeated",
            "Shapes fixes generated inputs; with Data the data gives the shapes (drop Shapes)",
        ], problems.Select(p => p.Message));
        Assert.Equal("--shape fixes generated inputs; with --data the data gives the shapes (drop --shape)", problems[^1].Format(OptionFlags.Name));
        Assert.Empty(new BenchmarkOptions().Validate());
    }

    [Fact]
    public void Load_plan_options_report_every_problem_at_once()
    {
        var problems = new LoadPlanOptions { BandwidthBytesPerSecond = 0, RequestLatencySeconds = -0.005, MaxMemoryBytes = 0 }.Validate();

        Assert.Equal(
        [
            "BandwidthBytesPerSecond 0 bytes/s must be a positive number",
            "RequestLatencySeconds -0.005 s must be zero or positive",
            "MaxMemoryBytes 0 bytes must be positive",
        ], problems.Select(p => p.Message));
        Assert.Equal("--latency-ms -0.005 s must be zero or positive", problems[1].Format(OptionFlags.Name));
        Assert.Empty(LoadPlanOptions.Fast4G.Validate());
    }

    [Fact]
    public void Saving_refuses_a_negative_external_data_threshold_and_writes_nothing()
    {
        using var dir = new TempDir();
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var path = dir.File("m.onnx");

        var e = Assert.Throws<InvalidOptionsException>(() => model.Save(path, new ModelSaveOptions { ExternalData = true, ExternalDataThreshold = -1 }));

        Assert.Equal("ExternalDataThreshold -1: expected a size in bytes, 0 or more", e.Message);
        Assert.Equal("--external-data-threshold -1: expected a size in bytes, 0 or more", e.Format(OptionFlags.Name));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Optimization_options_report_every_problem_at_once()
    {
        var options = new OptimizationOptions
        {
            Passes = ["fold-constants", "fold-everything"],
            SkipPasses = ["nope"],
            TargetOpset = 3,
            FixedShapes = new Dictionary<string, long[]> { ["x"] = [1, 0, 8] },
            Bindings = new Dictionary<string, string> { ["ids"] = "1,,2" },
            MaxIterations = 0,
            FoldSizeLimitBytes = -1,
        };

        var problems = options.Validate();

        var valid = string.Join(", ", PassRegistry.Names);
        Assert.Equal(
        [
            $"Passes: unknown pass 'fold-everything'; valid passes: {valid}",
            $"SkipPasses: unknown pass 'nope'; valid passes: {valid}",
            "TargetOpset: target opset 3 is out of range: EdgeOpt converts to opsets 7 to 21",
            "FixedShapes 'x=1x0x8': dim 1 is 0; sizes must be positive",
            "Bindings 'ids=1,,2': expected NAME=VALUE with a value or a comma-separated list of values",
            "MaxIterations is 0: expected at least 1 round",
            "FoldSizeLimitBytes is -1: expected 0 or more bytes",
        ], problems.Select(p => p.Message));
        Assert.Equal("--target-opset: target opset 3 is out of range: EdgeOpt converts to opsets 7 to 21", problems[2].Format(OptionFlags.Name));
        Assert.Equal("--fixed-shape 'x=1x0x8': dim 1 is 0; sizes must be positive", problems[3].Format(OptionFlags.Name));
        Assert.StartsWith("--skip-passes: unknown pass 'nope'", problems[1].Format(OptionFlags.Name), StringComparison.Ordinal);
        Assert.Empty(new OptimizationOptions().Validate());
    }

    [Fact]
    public void Every_optimizer_entry_point_refuses_through_the_options_record()
    {
        var options = new OptimizationOptions { SkipPasses = ["nope"], MaxIterations = 0 };
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var before = model.ToBytes();

        var optimize = Assert.Throws<InvalidOptionsException>(() => ModelOptimizer.Optimize(model, options));
        var manager = Assert.Throws<InvalidOptionsException>(() => PassManager.FromOptions(options));
        var select = Assert.Throws<InvalidOptionsException>(() => PassRegistry.Select(options));

        foreach (var e in new[] { optimize, manager, select })
            Assert.Equal(["OptimizationOptions.SkipPasses", "OptimizationOptions.MaxIterations"], e.Problems.Select(p => p.Option));
        Assert.Equal(before, model.ToBytes());
    }

    [Fact]
    public void A_fixed_shape_pass_built_directly_applies_the_same_dim_rule()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var input = model.Graph.Inputs[0].Name;

        // The manager rethrows the options error itself (its problems intact, for hosts that name flags) and names the pass.
        var e = Assert.Throws<InvalidOptionsException>(() =>
            new PassManager([new FixInputShapes(new Dictionary<string, long[]> { [input] = [0, 1, 28, 28] })]).Run(model));

        Assert.Equal("OptimizationOptions.FixedShapes", e.Problems.Single().Option);
        Assert.Equal("fix-input-shapes", e.Data["pass"]);
        Assert.Contains($"FixedShapes '{input}=0x1x28x28': dim 0 is 0; sizes must be positive", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluation_and_classification_options_report_every_problem_at_once()
    {
        var evaluation = new EvaluationOptions { Samples = 0 }.Validate();
        var classification = new ClassificationOptions { BatchSize = 0, WarmupRuns = -1 }.Validate();

        Assert.Equal(["Samples must be positive, not 0"], evaluation.Select(p => p.Message));
        Assert.Equal("--samples must be positive, not 0", evaluation[0].Format(OptionFlags.Name));
        Assert.Equal(
        [
            "BatchSize 0: expected a positive number of images per run",
            "WarmupRuns -1: expected 0 or more warm-up runs",
        ], classification.Select(p => p.Message));
        Assert.Empty(new EvaluationOptions().Validate());
        Assert.Empty(ClassificationOptions.Default.Validate());
    }

    [Fact]
    public void Nothing_to_measure_names_the_labels_and_reference_options()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());
        var data = SampleSources.Open("random:2", model);

        var e = Assert.Throws<InvalidOptionsException>(() => ModelEvaluator.Evaluate(model, data));

        Assert.Equal(["EvaluationOptions.Labels", "EvaluationOptions.Reference"], e.Problems.Single().Names);
        Assert.EndsWith("give labels or a reference model (--labels for accuracy, --reference for fidelity)", e.Format(OptionFlags.Name), StringComparison.Ordinal);
    }

    [Fact]
    public void Image_preprocessing_reports_every_problem_at_once()
    {
        var image = new ImagePreprocessing
        {
            Width = 0, Height = 20000, Mean = [0.5f, 0.5f], Std = [0.2f, 0f, float.NaN], Scale = 0, CropFraction = 1.5f,
            Layout = (ImageLayout)7,
        };

        var problems = new SampleSourceOptions { Image = image, RandomSamples = 0 }.Validate();

        Assert.Equal(
        [
            "RandomSamples 0: expected a positive number",
            "Width 0: expected a width of 1 to 16384 pixels",
            "Height 20000: expected a height of 1 to 16384 pixels",
            "Mean '0.5,0.5': expected 1 or 3 values (one per channel)",
            "Std '0.2,0,NaN': expected finite numbers",
            "Scale 0: expected a positive number",
            "CropFraction 1.5: expected the share of the shorter side kept, in (0, 1]",
            "Layout 7: expected Nchw or Nhwc",
        ], problems.Select(p => p.Message));
        Assert.Equal("--size 0: expected a width of 1 to 16384 pixels", problems[1].Format(OptionFlags.Name));
        Assert.Equal("--pixel-scale 0: expected a positive number", problems[5].Format(OptionFlags.Name));
        Assert.Equal(["ImagePreprocessing.Std"], new ImagePreprocessing { Std = [0.2f, 0f, 0.2f] }.Validate().Select(p => p.Option));
        Assert.Equal("--std '0.2,0,0.2': every standard deviation must be positive",
            new ImagePreprocessing { Std = [0.2f, 0f, 0.2f] }.Validate()[0].Format(OptionFlags.Name));
        foreach (var preset in ImagePreprocessing.PresetNames) Assert.Empty(ImagePreprocessing.Preset(preset).Validate());
    }

    [Fact]
    public void Opening_data_refuses_bad_image_settings_before_reading_anything()
    {
        using var model = Model.Parse(DemoAssets.ModelBytes());

        var e = Assert.Throws<InvalidOptionsException>(() => SampleSources.Open("/nonexistent/folder", model,
            new SampleSourceOptions { Image = new ImagePreprocessing { Scale = -1f } }));

        Assert.Equal("ImagePreprocessing.Scale", e.Problems.Single().Option);
    }

    [Fact]
    public void One_percentile_rule_for_the_quantizer_and_the_calibrator_whatever_the_method()
    {
        var quantizer = new QuantizerOptions { Method = CalibrationMethod.MinMax, Percentile = 0 }.Validate(new QuantizationWorkflow { CalibrationData = true });
        var calibrator = new CalibrationOptions { Method = CalibrationMethod.MinMax, Percentile = 0 }.Validate();

        Assert.Equal("Percentile 0: expected a value in (0, 100]", Assert.Single(quantizer).Message);
        Assert.Equal("Percentile 0: expected a value in (0, 100]", Assert.Single(calibrator).Message);
        Assert.Equal("QuantizerOptions.Percentile", quantizer[0].Option);
        Assert.Equal("CalibrationOptions.Percentile", calibrator[0].Option);
        Assert.Empty(new CalibrationOptions { Method = CalibrationMethod.Percentile, Percentile = 100 }.Validate());
    }

    [Fact]
    public void Profile_and_benchmark_thread_rules_live_in_their_records()
    {
        var profile = new ProfileOptions { DimensionValues = new Dictionary<string, long> { ["N"] = 0 }, LargestTensorCount = -1 }.Validate();
        var threads = new BenchmarkOptions { Threads = [0, 2000] }.Validate();

        Assert.Equal(["ProfileOptions.LargestTensorCount", "ProfileOptions.DimensionValues"], profile.Select(p => p.Option));
        Assert.Equal("--dim 'N=0': symbolic dim 'N' must be given a positive size, got 0", profile[1].Format(OptionFlags.Name));
        Assert.Equal(["Threads 0: expected positive thread counts, e.g. 1,2,4", "Threads 2000: expected at most 1024 threads"], threads.Select(p => p.Message));
    }

    [Theory]
    [InlineData(new[] { "inspect", "{model}", "--dim", "N=0" }, "--dim 'N=0': symbolic dim 'N' must be given a positive size")]
    [InlineData(new[] { "benchmark", "{model}", "--threads", "0" }, "--threads 0: expected positive thread counts")]
    [InlineData(new[] { "optimize", "{model}", "-o", "{out}", "--fixed-shape", "x=0x1", "--target-opset", "3" }, "--target-opset: target opset 3 is out of range: EdgeOpt converts to opsets 7 to 21; --fixed-shape 'x=0x1': dim 0 is 0; sizes must be positive")]
    [InlineData(new[] { "evaluate", "{model}", "--data", "random:2", "--std", "0.5,0,1", "--pixel-scale", "0" }, "--std '0.5,0,1': every standard deviation must be positive; --pixel-scale 0: expected a positive number")]
    [InlineData(new[] { "evaluate", "{model}", "--data", "random:2", "--samples", "0" }, "--samples must be positive, not 0")]
    public void The_cli_names_library_problems_by_flag_and_exits_2(string[] args, string expected)
    {
        using var dir = new TempDir();
        var model = dir.File("m.onnx");
        File.WriteAllBytes(model, DemoAssets.ModelBytes());
        var before = Directory.GetFileSystemEntries(dir.Path).Order().ToList();

        var line = Cli.CliHarness.UsageErrorLine(Cli.CliHarness.Run([.. args.Select(a => a.Replace("{model}", model).Replace("{out}", dir.File("out.onnx")))]));

        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFileSystemEntries(dir.Path).Order().ToList());
    }
}
