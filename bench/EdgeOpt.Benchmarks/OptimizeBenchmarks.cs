using BenchmarkDotNet.Attributes;
using EdgeOpt.Onnx;
using EdgeOpt.Passes;
using EdgeOpt.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeOpt.Benchmarks;

/// <summary>
/// ResNet18 inference latency (batch 1) in ONNX Runtime for three files side by side: the original (opset 8,
/// 74 nodes), EdgeOpt's result (<c>optimize --level extended --target-opset 17</c>) and ONNX Runtime's own offline
/// optimizer (<c>SessionOptions.OptimizedModelFilePath</c> at ORT_ENABLE_BASIC). Each runs with ORT's load-time
/// optimizations off (<see cref="GraphOptimization.None"/>) and on (<see cref="GraphOptimization.All"/>); the ratio
/// column compares with the original under the same ORT setting. Node counts are printed during setup.
/// </summary>
[MedianColumn]
public class OptimizeBenchmarks
{
    private string _folder = "";
    private InferenceSession? _original, _optimized, _ortOffline;
    private OrtValue? _input;
    private string _inputName = "";
    private string[] _outputNames = [];

    [Params(GraphOptimization.None, GraphOptimization.All)]
    public GraphOptimization OrtOptimization { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = BenchmarkFixtures.CreateScratchFolder();
        var source = BenchmarkFixtures.ResNet18;
        var optimizedPath = Path.Combine(_folder, "edgeopt.onnx");
        var ortPath = Path.Combine(_folder, "ort-basic.onnx");
        using (var model = Model.Load(source))
        {
            var result = ModelOptimizer.Optimize(model, new OptimizationOptions { Level = PassLevel.Extended, TargetOpset = 17 });
            model.Save(optimizedPath);
            Console.WriteLine($"// EdgeOpt: {result.NodesBefore} → {result.NodesAfter} nodes in {result.Elapsed.TotalMilliseconds:F0} ms");
        }
        using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC, OptimizedModelFilePath = ortPath })
        using (new InferenceSession(source, options))
        {
        }
        using (var ortModel = Model.Load(ortPath))
            Console.WriteLine($"// ORT offline (basic): {PassManager.CountNodes(ortModel)} nodes, ops {string.Join(",", ortModel.Graph.Nodes.Select(n => n.OpType).Distinct())}");

        var settings = new SessionSettings { Optimization = OrtOptimization };
        _original = SessionFactory.Create(source, settings);
        _optimized = SessionFactory.Create(optimizedPath, settings);
        _ortOffline = SessionFactory.Create(ortPath, settings);
        _inputName = _original.InputNames[0];
        _outputNames = [.. _original.OutputNames];
        var rng = new Random(42);
        // Mean-subtracted 0..255 pixels: what ResNet18's preprocessing hands it.
        var pixels = new float[3 * 224 * 224];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (float)((rng.NextDouble() * 255) - 128);
        _input = OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, 224, 224]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _original?.Dispose();
        _optimized?.Dispose();
        _ortOffline?.Dispose();
        _input?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "Original (opset 8)")]
    public float Original() => Run(_original!);

    [Benchmark(Description = "EdgeOpt optimized")]
    public float EdgeOpt() => Run(_optimized!);

    [Benchmark(Description = "ORT offline (basic)")]
    public float OrtOffline() => Run(_ortOffline!);

    private float Run(InferenceSession session)
    {
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [_inputName], [_input!], _outputNames);
        return outputs[0].GetTensorDataAsSpan<float>()[0];
    }
}
