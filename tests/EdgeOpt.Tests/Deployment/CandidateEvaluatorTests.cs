using EdgeOpt.Cli;
using EdgeOpt.Deployment;
using EdgeOpt.Devices;
using EdgeOpt.Onnx;
using EdgeOpt.Runtime;

namespace EdgeOpt.Tests.Deployment;

/// <summary>
/// The demo model and its labelled Fashion-MNIST test images as files (what a spec points at), and one evaluator over
/// them shared by the tests, so the FP32 baseline and the calibration are measured once, as in a search.
/// </summary>
public sealed class DemoCandidates : IDisposable
{
    public DemoCandidates()
    {
        Folder = Path.Combine(Path.GetTempPath(), "edgeopt-candidates-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        ModelPath = Path.Combine(Folder, DemoAssets.ModelName);
        File.WriteAllBytes(ModelPath, DemoAssets.ModelBytes());
        ImagesPath = Extract("fashion-test-1000-images-idx3-ubyte.gz");
        LabelsPath = Extract("fashion-test-1000-labels-idx1-ubyte.gz");
        Evaluator = new CandidateEvaluator();
    }

    public string Folder { get; }
    public string ModelPath { get; }
    public string ImagesPath { get; }
    public string LabelsPath { get; }
    internal CandidateEvaluator Evaluator { get; }

    private readonly Dictionary<string, CandidateResult> _results = [];

    internal CandidateSpec Spec(CandidatePrecision precision, bool withData = true, string device = "pixel-7") => new()
    {
        ModelPath = ModelPath,
        ModelSha256 = ContentHash.OfFile(ModelPath),
        Device = device,
        DeviceSha256 = ContentHash.OfDevice(device),
        Precision = precision,
        Data = withData
            ? new CandidateData
            {
                Path = ImagesPath, Sha256 = ContentHash.OfData(ImagesPath), LabelsPath = LabelsPath, LabelsSha256 = ContentHash.OfFile(LabelsPath),
                CalibrationSamples = 100, Samples = 300,
            }
            : null,
        MixedMaxAccuracyDrop = precision == CandidatePrecision.Mixed ? 0.5 : null,
        LatencyRuns = 5,
        ToolVersion = CandidateSpec.CurrentToolVersion,
    };

    /// <summary>The result of a spec, evaluated once per test run.</summary>
    internal CandidateResult Evaluate(CandidateSpec spec)
    {
        var key = spec.ComputeKey();
        lock (_results)
        {
            if (!_results.TryGetValue(key, out var result)) _results[key] = result = Evaluator.Evaluate(spec, null, CancellationToken.None);
            return result;
        }
    }

    private string Extract(string name)
    {
        using var stream = typeof(DemoAssets).Assembly.GetManifestResourceStream("EdgeOpt.Demo." + name)!;
        var path = Path.Combine(Folder, name);
        using var file = File.Create(path);
        stream.CopyTo(file);
        return path;
    }

    public void Dispose()
    {
        Evaluator.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}

public sealed class CandidateEvaluatorTests(DemoCandidates demo) : IClassFixture<DemoCandidates>
{
    [Fact]
    public void FP32_is_the_input_model_graph_optimized_with_the_same_outputs()
    {
        var fp32 = demo.Evaluate(demo.Spec(CandidatePrecision.Fp32));
        Assert.True(fp32.Status == CandidateStatus.Evaluated, fp32.Reason);
        Assert.True(fp32.MeasuredCosine >= 0.9999, $"cosine {fp32.MeasuredCosine}");
        Assert.Equal(1.0, fp32.MeasuredTop1Agreement!.Value, 3);
        Assert.Equal(fp32.MeasuredBaselineAccuracy!.Value, fp32.MeasuredAccuracy!.Value, 3);
        Assert.True(fp32.MeasuredAccuracy > 0.8, $"demo FP32 top-1 {fp32.MeasuredAccuracy}");
        Assert.Equal(300, fp32.EvaluationSamples);
        Assert.StartsWith("edgeopt optimize ", fp32.Command, StringComparison.Ordinal);
        // Measured and estimated figures are all there (their values are for docs/benchmarks.md, not for assertions).
        Assert.True(fp32.MeasuredLatencyP50Ms > 0 && fp32.MeasuredLatencyP90Ms >= fp32.MeasuredLatencyP50Ms && fp32.MeasuredBaselineP50Ms > 0);
        Assert.NotNull(fp32.MeasuredPeakMemoryBytes);
        Assert.True(fp32.EstimatedLatencyMs > 0 && fp32.EstimatedMemoryBytes > 0);
        Assert.True(fp32.FitsDeviceClass);
        Assert.Null(fp32.InitialLoadBytes); // a phone: no browser download
        Assert.StartsWith("CPU ", fp32.EstimatedUnit, StringComparison.Ordinal);
        Assert.Equal(fp32.Spec.ComputeKey(), fp32.Key);
        Assert.Contains("ONNX Runtime", fp32.Host, StringComparison.Ordinal);
    }

    [Fact]
    public void Static_INT8_keeps_accuracy_within_two_points_and_sizes_order_int8_fp16_fp32()
    {
        var fp32 = demo.Evaluate(demo.Spec(CandidatePrecision.Fp32));
        var fp16 = demo.Evaluate(demo.Spec(CandidatePrecision.Fp16));
        var int8 = demo.Evaluate(demo.Spec(CandidatePrecision.Int8Static));
        foreach (var r in new[] { fp16, int8 }) Assert.True(r.Status == CandidateStatus.Evaluated, $"{r.Label}: {r.Reason}");

        Assert.True(int8.SizeBytes < fp16.SizeBytes && fp16.SizeBytes < fp32.SizeBytes, $"int8 {int8.SizeBytes}, fp16 {fp16.SizeBytes}, fp32 {fp32.SizeBytes}");
        Assert.True(Math.Abs(fp32.MeasuredAccuracy!.Value - int8.MeasuredAccuracy!.Value) <= 0.02,
            $"int8 top-1 {int8.MeasuredAccuracy:P2} vs fp32 {fp32.MeasuredAccuracy:P2}");
        Assert.True(int8.MeasuredCosine >= 0.99, $"int8 cosine {int8.MeasuredCosine}");
        Assert.True(fp16.MeasuredCosine >= 0.9999, $"fp16 cosine {fp16.MeasuredCosine}");
        Assert.True(fp16.MeasuredTop1Agreement >= 0.99);
        // Held out: the 300 evaluated images are not the 100 calibrated on, so nothing notes an overlap.
        Assert.DoesNotContain(int8.Notes, n => n.Contains("overlaps", StringComparison.Ordinal));
        Assert.Equal(
            $"edgeopt quantize {demo.ModelPath} -o fashion-cnn.int8-static.onnx --type int8 --per-channel --calib {demo.ImagesPath} --samples 100",
            int8.Command);
        Assert.Equal($"edgeopt quantize {demo.ModelPath} -o fashion-cnn.fp16.onnx --type fp16 --keep-io-types", fp16.Command);
    }

    [Fact]
    public void Every_static_variant_reuses_the_one_calibration_pass()
    {
        var perChannel = demo.Evaluate(demo.Spec(CandidatePrecision.Int8Static));
        var perTensor = demo.Evaluate(demo.Spec(CandidatePrecision.Int8Static) with { PerChannel = false });
        var twoThreads = demo.Evaluate(demo.Spec(CandidatePrecision.Int8Static) with { PerChannel = false, Threads = 2 });
        var mixed = demo.Evaluate(demo.Spec(CandidatePrecision.Mixed));
        foreach (var r in new[] { perChannel, perTensor, twoThreads, mixed }) Assert.True(r.Status == CandidateStatus.Evaluated, $"{r.Label}: {r.Reason}");

        Assert.Equal(1, demo.Evaluator.CalibrationPasses);
        Assert.Contains(perTensor.Notes.Concat(perChannel.Notes), n => n.Contains("reused", StringComparison.Ordinal));
        Assert.DoesNotContain("--per-channel", perTensor.Command, StringComparison.Ordinal);
        // The thread variant is the same model: same size and accuracy, its own latency.
        Assert.Equal(perTensor.SizeBytes, twoThreads.SizeBytes);
        Assert.Equal(perTensor.MeasuredAccuracy, twoThreads.MeasuredAccuracy);
        Assert.NotEqual(perTensor.Key, twoThreads.Key);
        Assert.Contains("2 threads", twoThreads.Label, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_runs_stacked_samples_and_the_target_estimate_scales_with_it()
    {
        var one = demo.Evaluate(demo.Spec(CandidatePrecision.Int8Static));
        var four = demo.Evaluate(demo.Spec(CandidatePrecision.Int8Static) with { BatchSize = 4 });
        Assert.True(four.Status == CandidateStatus.Evaluated, four.Reason);
        Assert.Contains("batch 4", four.Label, StringComparison.Ordinal);
        Assert.Equal(one.SizeBytes, four.SizeBytes);
        Assert.True(four.EstimatedLatencyMs > one.EstimatedLatencyMs, $"batch 4 {four.EstimatedLatencyMs} ms, batch 1 {one.EstimatedLatencyMs} ms");
        Assert.True(four.MeasuredLatencyP50Ms > 0);
    }

    [Fact]
    public void Mixed_precision_meets_its_target_and_says_which_layers_matter()
    {
        var fp32 = demo.Evaluate(demo.Spec(CandidatePrecision.Fp32));
        var mixed = demo.Evaluate(demo.Spec(CandidatePrecision.Mixed));
        Assert.True(mixed.Status == CandidateStatus.Evaluated, mixed.Reason);
        Assert.Contains("--eval", mixed.Command, StringComparison.Ordinal);
        Assert.Contains("--max-accuracy-drop 0.5", mixed.Command, StringComparison.Ordinal);
        Assert.Contains($"--labels {demo.LabelsPath}", mixed.Command, StringComparison.Ordinal);
        // The search's target (0.5 points on the whole data) is met, or the note says by how much it was not.
        Assert.True(mixed.Notes.Any(n => n.Contains("target not met", StringComparison.Ordinal))
            || fp32.MeasuredAccuracy!.Value - mixed.MeasuredAccuracy!.Value <= 0.02, $"mixed {mixed.MeasuredAccuracy}, fp32 {fp32.MeasuredAccuracy}");
        Assert.True(mixed.SizeBytes < fp32.SizeBytes);
        foreach (var layer in mixed.Sensitivity) Assert.InRange(layer.Accuracy, 0, 1);
        Assert.All(mixed.FloatNodes, n => Assert.False(string.IsNullOrEmpty(n)));
    }

    [Fact]
    public void Dynamic_INT8_evaluates_and_INT4_fails_with_the_quantizers_reason_on_a_CNN()
    {
        var dynamic = demo.Evaluate(demo.Spec(CandidatePrecision.Int8Dynamic));
        Assert.True(dynamic.Status == CandidateStatus.Evaluated, dynamic.Reason);
        Assert.True(dynamic.MeasuredCosine >= 0.99, $"int8-dynamic cosine {dynamic.MeasuredCosine}");
        Assert.Contains("--type int8-dynamic --per-channel", dynamic.Command, StringComparison.Ordinal);

        var int4 = demo.Evaluate(demo.Spec(CandidatePrecision.Int4WeightOnly));
        using var model = Model.Load(demo.ModelPath);
        // The demo CNN's classifier is a Gemm: INT4 weight-only (MatMulNBits) has nothing to take, and the candidate says so.
        Assert.DoesNotContain(model.Graph.Nodes, n => n.OpType == "MatMul");
        Assert.Equal(CandidateStatus.Failed, int4.Status);
        Assert.Contains("no MatMul", int4.Reason, StringComparison.Ordinal);
        Assert.Null(int4.SizeBytes);
    }

    [Theory]
    [InlineData(CandidatePrecision.Fp32, true)]
    [InlineData(CandidatePrecision.Fp16, true)]
    [InlineData(CandidatePrecision.Int8Static, true)]
    [InlineData(CandidatePrecision.Int8Static, false)] // built from reused calibration ranges; the command calibrates afresh
    [InlineData(CandidatePrecision.Int8Dynamic, true)]
    [InlineData(CandidatePrecision.Mixed, true)]
    public void The_command_reproduces_the_candidates_model_byte_for_byte_in_size(CandidatePrecision precision, bool perChannel)
    {
        demo.Evaluate(demo.Spec(CandidatePrecision.Int8Static)); // the calibration a per-tensor variant reuses
        var result = demo.Evaluate(demo.Spec(precision) with { PerChannel = perChannel });
        Assert.True(result.Status == CandidateStatus.Evaluated, result.Reason);
        var args = result.Command.Split(' ').ToList();
        Assert.Equal("edgeopt", args[0]);
        var output = Path.Combine(demo.Folder, $"reproduced-{precision}-{perChannel}.onnx");
        args[args.IndexOf("-o") + 1] = output;
        var (code, _, err) = Cli.CliHarness.Run([.. args.Skip(1)]);
        Assert.True(code is 0 or 3, $"exit {code}: {err}"); // 3: a mixed target the search could not meet (the model is written)
        Assert.Equal(result.SizeBytes, new FileInfo(output).Length);
    }

    [Fact]
    public void Static_INT8_without_data_fails_with_the_reason_not_an_exception()
    {
        var result = demo.Evaluator.Evaluate(demo.Spec(CandidatePrecision.Int8Static, withData: false), null, CancellationToken.None);
        Assert.Equal(CandidateStatus.Failed, result.Status);
        Assert.Contains("needs calibration data", result.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', result.Reason!);
        Assert.StartsWith("edgeopt quantize", result.Command, StringComparison.Ordinal);

        // Without data the other precisions still measure fidelity, on random inputs, and say so.
        var fp16 = demo.Evaluator.Evaluate(demo.Spec(CandidatePrecision.Fp16, withData: false), null, CancellationToken.None);
        Assert.True(fp16.Status == CandidateStatus.Evaluated, fp16.Reason);
        Assert.Null(fp16.MeasuredAccuracy);
        Assert.True(fp16.MeasuredCosine >= 0.999);
        Assert.Contains(fp16.Notes, n => n.Contains("random inputs", StringComparison.Ordinal));
    }

    [Fact]
    public void A_model_that_changed_since_the_spec_fails_instead_of_measuring_the_wrong_file()
    {
        var spec = demo.Spec(CandidatePrecision.Fp32) with { ModelSha256 = new string('e', 64) };
        var result = demo.Evaluator.Evaluate(spec, null, CancellationToken.None);
        Assert.Equal(CandidateStatus.Failed, result.Status);
        Assert.Contains("changed since the spec was made", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hash_taken_by_the_caller_is_trusted_only_while_the_file_is_unchanged()
    {
        var copy = Path.Combine(demo.Folder, "rewritten.onnx");
        File.Copy(demo.ModelPath, copy, overwrite: true);
        var sha = ContentHash.OfFile(copy);
        using var evaluator = new CandidateEvaluator();
        evaluator.KnowHash(copy, sha);
        // Rewritten after hashing (another length, a later time): the evaluator must hash again and see the change.
        File.AppendAllBytes(copy, [0x0a, 0x00]);
        File.SetLastWriteTimeUtc(copy, DateTime.UtcNow.AddMinutes(1));

        var result = evaluator.Evaluate(demo.Spec(CandidatePrecision.Fp32) with { ModelPath = copy, ModelSha256 = sha }, null, CancellationToken.None);

        Assert.Equal(CandidateStatus.Failed, result.Status);
        Assert.Contains("changed since the spec was made", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_backend_the_device_lacks_fails_the_candidate_but_keeps_the_measurements()
    {
        var result = demo.Evaluator.Evaluate(demo.Spec(CandidatePrecision.Fp32) with { Backend = AccelerationBackend.TensorRt }, null, CancellationToken.None);
        Assert.Equal(CandidateStatus.Failed, result.Status);
        Assert.Contains("TensorRt", result.Reason, StringComparison.Ordinal);
        Assert.NotNull(result.MeasuredCosine);
        Assert.Null(result.EstimatedLatencyMs);
    }

    [Fact]
    public void A_browser_target_gets_its_initial_download_and_the_GPU_estimate_for_WebGPU()
    {
        var wasm = demo.Evaluate(demo.Spec(CandidatePrecision.Fp16, device: "chrome-desktop") with { Backend = AccelerationBackend.Wasm });
        Assert.True(wasm.Status == CandidateStatus.Evaluated, wasm.Reason);
        Assert.Equal(wasm.SizeBytes, wasm.InitialLoadBytes);
        Assert.StartsWith("CPU", wasm.EstimatedUnit, StringComparison.Ordinal);
        Assert.Contains(wasm.Notes, n => n.Contains("estimated at fp32 compute", StringComparison.Ordinal)); // the browser's CPU has no fp16 peak
        var webgpu = demo.Evaluate(demo.Spec(CandidatePrecision.Fp16, device: "chrome-desktop") with { Backend = AccelerationBackend.WebGpu });
        Assert.True(webgpu.Status == CandidateStatus.Evaluated, webgpu.Reason);
        Assert.StartsWith("GPU", webgpu.EstimatedUnit, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pure_entry_takes_spec_JSON_and_gives_result_JSON()
    {
        var spec = demo.Spec(CandidatePrecision.Fp16) with { LatencyRuns = 2 };
        var result = CandidateResult.Parse(CandidateEvaluation.EvaluateJson(spec.ToJson()));
        Assert.True(result.Status == CandidateStatus.Evaluated, result.Reason);
        Assert.Equal(spec.ComputeKey(), result.Key);
        Assert.Equal(demo.Evaluate(demo.Spec(CandidatePrecision.Fp16)).SizeBytes, result.SizeBytes);
    }

    [Fact]
    public void Cancellation_is_the_one_exception_that_leaves_Evaluate()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        using var evaluator = new CandidateEvaluator();
        Assert.ThrowsAny<OperationCanceledException>(() => evaluator.Evaluate(demo.Spec(CandidatePrecision.Int8Static), null, cancelled.Token));
    }
}
