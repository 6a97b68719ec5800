using System.Text.Json;
using EdgeOpt.Cli;
using EdgeOpt.Onnx;
using EdgeOpt.Quantization;
using EdgeOpt.Runtime;
using EdgeOpt.Tests.BadInput;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Tests.Cli;

/// <summary>
/// <c>edgeopt quantize</c> end to end on the demo model with image folders on disk: every type, plans, the accuracy
/// search (met and not met), the error report, and every refusal (exit 2, one line, nothing written, input untouched).
/// </summary>
public sealed class QuantizeCommandTests(DemoImageFolders demo) : IClassFixture<DemoImageFolders>
{
    private static (int Code, string Out, string Err) Run(params string[] args) => CliHarness.Run(args);

    [Fact]
    public void Int8_with_calibration_and_evaluation_folders_reports_accuracy_size_and_a_model_ort_fuses()
    {
        using var dir = new TempDir();
        var output = dir.File("int8.onnx");
        var before = FolderSnapshot.Take(demo.Root);

        var (code, stdout, stderr) = Run("quantize", demo.Model, "-o", output, "--type", "int8", "--calib", demo.Calibration,
            "--per-channel", "--eval", demo.Evaluation, "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        FolderSnapshot.Take(demo.Root).AssertUnchangedSince(before);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal("int8", root.GetProperty("type").GetString());
        Assert.Equal(new FileInfo(output).Length, root.GetProperty("bytesAfter").GetInt64());
        Assert.True(root.GetProperty("bytesAfter").GetInt64() <= 0.3 * root.GetProperty("bytesBefore").GetInt64());
        Assert.True(root.GetProperty("sizeReductionPercent").GetDouble() >= 70);
        Assert.True(root.GetProperty("nodesQuantized").GetInt32() >= 5);
        var calibration = root.GetProperty("calibration");
        Assert.Equal(100, calibration.GetProperty("samples").GetInt32());
        Assert.Equal("auto", calibration.GetProperty("method").GetString());
        Assert.True(calibration.GetProperty("representative").GetBoolean());

        var result = root.GetProperty("evaluation").GetProperty("result");
        Assert.Equal(300, result.GetProperty("samples").GetInt32());
        var fp32 = result.GetProperty("referenceTop1").GetDouble();
        var int8 = result.GetProperty("top1").GetDouble();
        Assert.True(fp32 >= 0.85, $"float top-1 {fp32:P1} on 300 PNG test images");
        Assert.InRange(Math.Abs(int8 - fp32) * 100, 0, 1.0); // 300 images: 1 point is 3 predictions
        var timings = root.GetProperty("timings");
        Assert.True(timings.GetProperty("calibrationInferenceMs").GetDouble() > 0);
        Assert.True(timings.GetProperty("writeMs").GetDouble() > 0);

        // ORT turns the QDQ model into integer kernels.
        var fusedPath = dir.File("ort.onnx");
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, OptimizedModelFilePath = fusedPath })
        using (new InferenceSession(output, options)) { }
        using var fused = Model.Load(fusedPath);
        Assert.Equal(3, fused.Graph.Nodes.Count(n => n.OpType == "QLinearConv"));
    }

    [Fact]
    public void Table_names_the_type_size_calibration_and_evaluation()
    {
        using var dir = new TempDir();
        var (code, stdout, stderr) = Run("quantize", "--input", demo.Model, "--output", dir.File("q.onnx"), "--calib", demo.Calibration,
            "--samples", "20", "--method", "percentile", "--eval", demo.Evaluation);

        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Contains("Quantized to int8", stdout, StringComparison.Ordinal);
        Assert.Contains("percentile on 20 samples", stdout, StringComparison.Ordinal);
        Assert.Contains("Top-1 accuracy", stdout, StringComparison.Ordinal);
        Assert.Contains("smaller", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Saved_plan_reapplied_gives_the_same_model_bytes()
    {
        using var dir = new TempDir();
        var plan = dir.File("plan.json");
        var first = dir.File("a.onnx");
        var second = dir.File("b.onnx");

        var (code1, _, err1) = Run("quantize", demo.Model, "-o", first, "--calib", demo.Calibration, "--per-channel", "--save-plan", plan, "--json");
        var (code2, _, err2) = Run("quantize", demo.Model, "-o", second, "--plan", plan, "--per-channel", "--json");

        Assert.True(code1 == ExitCodes.Ok, err1);
        Assert.True(code2 == ExitCodes.Ok, err2);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        Assert.NotEmpty(QuantizationPlan.Load(plan).Tensors);
    }

    [Fact]
    public void Accuracy_target_is_met_by_falling_back_the_most_sensitive_nodes()
    {
        // Ranges that keep only 90 % of the values clip hard and lose points: a real job for the search.
        using var dir = new TempDir();
        var output = dir.File("searched.onnx");
        var (code, stdout, stderr) = Run("quantize", demo.Model, "-o", output, "--calib", demo.Calibration, "--method", "percentile",
            "--percentile", "90", "--per-channel", "--eval", demo.Evaluation, "--max-accuracy-drop", "1", "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        using var json = JsonDocument.Parse(stdout);
        var search = json.RootElement.GetProperty("search");
        Assert.True(search.GetProperty("targetMet").GetBoolean());
        Assert.True(search.GetProperty("finalAccuracy").GetDouble() >= search.GetProperty("floatAccuracy").GetDouble() - 1);
        Assert.NotEmpty(search.GetProperty("sensitivity").EnumerateArray());
        var result = json.RootElement.GetProperty("evaluation").GetProperty("result");
        Assert.InRange((result.GetProperty("referenceTop1").GetDouble() - result.GetProperty("top1").GetDouble()) * 100, -100, 1.0 + 1e-9);
        Assert.True(File.Exists(output));
    }

    [Fact]
    public void Unreachable_accuracy_target_writes_the_best_model_and_exits_3()
    {
        using var dir = new TempDir();
        var output = dir.File("best.onnx");
        var (code, stdout, stderr) = Run("quantize", demo.Model, "-o", output, "--calib", demo.Calibration, "--eval", demo.Evaluation,
            "--min-accuracy", "99.9", "--json");

        Assert.Equal(ExitCodes.ConstraintsNotMet, code);
        Assert.Contains("accuracy target not met", stderr, StringComparison.Ordinal);
        Assert.Contains(output, stderr, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(stdout);
        Assert.False(json.RootElement.GetProperty("search").GetProperty("targetMet").GetBoolean());
        using var best = Model.Load(output);
        using var session = SessionFactory.Create(best);
        Assert.Single(session.OutputNames);
    }

    [Fact]
    public void Report_lists_every_quantized_tensor_with_scale_range_clipping_and_sqnr()
    {
        using var dir = new TempDir();
        var report = dir.File("report.json");
        var (code, _, stderr) = Run("quantize", demo.Model, "-o", dir.File("q.onnx"), "--calib", demo.Calibration, "--report", report, "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var tensors = json.RootElement.GetProperty("tensors").EnumerateArray().ToList();
        Assert.Contains(tensors, t => t.GetProperty("kind").GetString() == "weight");
        Assert.Contains(tensors, t => t.GetProperty("kind").GetString() == "activation");
        Assert.All(tensors, t => Assert.True(t.GetProperty("clippedFraction").GetDouble() is >= 0 and <= 1));
    }

    [Theory]
    [InlineData("fp16", "--keep-io-types", 0.55)]
    [InlineData("int8-dynamic", "--per-channel", 0.6)]
    public void Weight_only_types_shrink_the_model_and_keep_predictions(string type, string flag, double maxRatio)
    {
        using var dir = new TempDir();
        var output = dir.File($"{type}.onnx");
        var (code, stdout, stderr) = Run("quantize", demo.Model, "-o", output, "--type", type, flag, "--eval", demo.Evaluation, "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(type, root.GetProperty("type").GetString());
        Assert.True(root.GetProperty("bytesAfter").GetInt64() <= maxRatio * root.GetProperty("bytesBefore").GetInt64());
        var fidelity = root.GetProperty("evaluation").GetProperty("result").GetProperty("fidelity")[0];
        Assert.True(fidelity.GetProperty("top1Agreement").GetDouble() >= 0.97);
    }

    [Fact]
    public void Auto_method_reports_the_range_chosen_per_tensor_in_the_summary_and_the_plan()
    {
        using var dir = new TempDir();
        var plan = dir.File("plan.json");

        var (code, stdout, stderr) = Run("quantize", demo.Model, "-o", dir.File("q.onnx"), "--calib", demo.Calibration, "--samples", "40",
            "--method", "auto", "--per-channel", "--save-plan", plan, "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        using var json = JsonDocument.Parse(stdout);
        var calibration = json.RootElement.GetProperty("calibration");
        Assert.Equal("auto", calibration.GetProperty("method").GetString());
        var chosen = calibration.GetProperty("rangeMethods").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.NotEmpty(chosen);
        Assert.All(chosen.Keys, m => Assert.Matches("^(minmax|percentile-[0-9.]+|entropy|mse)$", m));
        var saved = QuantizationPlan.Load(plan);
        Assert.Equal("auto", saved.CalibrationMethod);
        Assert.Contains(saved.Tensors, t => t.Calibration is not null && chosen.ContainsKey(t.Calibration));
    }

    [Fact]
    public void Bias_correction_and_equalize_run_and_are_reported()
    {
        using var dir = new TempDir();
        var output = dir.File("q.onnx");

        var (code, stdout, stderr) = Run("quantize", demo.Model, "-o", output, "--calib", demo.Calibration, "--samples", "40",
            "--per-channel", "--bias-correction", "--equalize", "--eval", demo.Evaluation, "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        var calibration = root.GetProperty("calibration");
        Assert.True(calibration.GetProperty("biasCorrected").GetArrayLength() >= 3, "every Conv/Gemm with a bias is corrected");
        Assert.Equal(JsonValueKind.Array, calibration.GetProperty("equalizedPairs").ValueKind);
        var result = root.GetProperty("evaluation").GetProperty("result");
        Assert.InRange(Math.Abs(result.GetProperty("top1").GetDouble() - result.GetProperty("referenceTop1").GetDouble()) * 100, 0, 1.0);

        var (tableCode, table, tableErr) = Run("quantize", demo.Model, "-o", dir.File("t.onnx"), "--calib", demo.Calibration, "--samples", "20",
            "--bias-correction");
        Assert.True(tableCode == ExitCodes.Ok, tableErr);
        Assert.Contains("Bias corrected", table, StringComparison.Ordinal);
        Assert.Contains("Ranges chosen", table, StringComparison.Ordinal);
    }

    public static TheoryData<string[], string> BadInvocations => new()
    {
        { ["--type", "int8"], "needs calibration data" },
        { ["--calib", "{root}/no-such-folder"], "no-such-folder" },
        { ["--calib", "{calib}", "--exclude-nodes", "conv_does_not_exist"], "conv_does_not_exist" },
        { ["--calib", "{calib}", "--min-accuracy", "90"], "needs --eval" },
        { ["--calib", "{calib}", "--eval", "{eval}", "--min-accuracy", "90", "--max-accuracy-drop", "1"], "not both" },
        { ["--calib", "{calib}", "--method", "kl"], "--method 'kl'" },
        { ["--type", "int3"], "--type 'int3'" },
        { ["--type", "int4", "--block-size", "48"], "--block-size 48" },
        { ["--calib", "{calib}", "--size", "32x32"], "expects float[" },
        { ["--type", "fp16", "--calib", "{calib}"], "needs no calibration" },
        { ["--type", "fp16", "--bias-correction"], "--bias-correction and --equalize" },
        { ["--type", "int8-dynamic", "--equalize"], "--bias-correction and --equalize" },
        { ["--plan", "{root}/no-plan.json", "--equalize"], "--equalize runs on calibration data" },
        { ["--plan", "{root}/no-plan.json", "--bias-correction"], "--bias-correction runs on calibration data" },
    };

    [Theory]
    [MemberData(nameof(BadInvocations))]
    public void Bad_input_exits_2_with_one_line_and_writes_nothing(string[] flags, string expected)
    {
        using var dir = new TempDir();
        var output = dir.File("out.onnx");
        var before = FolderSnapshot.Take(demo.Root);
        var args = new[] { "quantize", demo.Model, "-o", output }
            .Concat(flags.Select(f => f.Replace("{root}", demo.Root).Replace("{calib}", demo.Calibration).Replace("{eval}", demo.Evaluation))).ToArray();

        var (code, stdout, stderr) = Run(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", stdout);
        Assert.Contains(expected, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
        FolderSnapshot.Take(demo.Root).AssertUnchangedSince(before);
    }

    [Fact]
    public void Empty_calibration_folder_and_an_unreadable_image_are_named()
    {
        using var dir = new TempDir();
        var empty = Directory.CreateDirectory(dir.File("empty")).FullName;
        var broken = Directory.CreateDirectory(dir.File("broken")).FullName;
        File.Copy(Directory.GetFiles(demo.Calibration, "*.png", SearchOption.AllDirectories)[0], Path.Combine(broken, "good.png"));
        File.WriteAllText(Path.Combine(broken, "bad.png"), "this is not a PNG");
        var output = dir.File("out.onnx");

        var (emptyCode, _, emptyErr) = Run("quantize", demo.Model, "-o", output, "--calib", empty);
        var (brokenCode, _, brokenErr) = Run("quantize", demo.Model, "-o", output, "--calib", broken);

        Assert.Equal(ExitCodes.Usage, emptyCode);
        Assert.Contains("empty", emptyErr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, brokenCode);
        Assert.Contains("bad.png", brokenErr, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void A_model_without_quantizable_operators_is_refused()
    {
        using var dir = new TempDir();
        var b = new GraphBuilder("activations-only", opset: 13);
        var x = b.Input("x", DataType.Float, 1, 8);
        var relu = b.AddNode("Relu", [x], name: "relu").Outputs[0];
        b.Output(b.AddNode("Sigmoid", [relu], name: "sigmoid").Outputs[0], "y");
        var path = dir.File("act.onnx");
        using (var model = b.Build()) model.Save(path);

        var (code, _, stderr) = Run("quantize", path, "-o", dir.File("q.onnx"), "--calib", "random");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("no quantizable operators", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("q.onnx")));
    }

    [Fact]
    public void Help_lists_every_option_of_the_issue()
    {
        var (code, stdout, _) = Run("quantize", "--help");

        Assert.Equal(ExitCodes.Ok, code);
        foreach (var option in new[] { "--type", "--calib", "--samples", "--method", "--percentile", "--per-channel", "--activation-type",
                     "--symmetric-activations", "--exclude-nodes", "--exclude-ops", "--keep-io-types", "--block-size", "--eval", "--min-accuracy",
                     "--max-accuracy-drop", "--time-budget", "--report", "--plan", "--save-plan", "--json", "--input", "--preset", "--size",
                     "--mean", "--std", "--layout", "--bias-correction", "--equalize", "auto|minmax|percentile|entropy" })
            Assert.Contains(option, stdout, StringComparison.Ordinal);
    }
}
