using EdgeOpt.Analysis;
using EdgeOpt.Onnx;

namespace EdgeOpt.Tests.Analysis;

/// <summary>
/// Profiles the ONNX conformance suite (Debian libonnx-testdata). The MACs of every single-node Conv, ConvTranspose,
/// MatMul and Gemm test are recomputed from the shapes of its stored input and reference output tensors — what the
/// op really produced — so a wrong inferred shape shows up as a wrong count.
/// </summary>
public class ConformanceProfileTests
{
    private static IEnumerable<string> Models(params string[] suites) =>
        suites.SelectMany(s => Directory.EnumerateFiles(Path.Combine(Fixtures.OnnxTestData, s), "model.onnx", SearchOption.AllDirectories)).Order(StringComparer.Ordinal);

    [Fact]
    public void Macs_match_the_shapes_of_the_reference_tensors()
    {
        var failures = new List<string>();
        var checkedModels = 0;
        foreach (var path in Models("node", "pytorch-converted", "pytorch-operator"))
        {
            using var model = Model.Load(path);
            if (model.Graph.Nodes is not [{ OpType: "Conv" or "ConvTranspose" or "MatMul" or "Gemm" } node]) continue;
            var data = Path.Combine(Path.GetDirectoryName(path)!, "test_data_set_0");
            if (!File.Exists(Path.Combine(data, "output_0.pb"))) continue;

            var inputs = model.Graph.Inputs.Where(v => !v.IsInitializer).Select(v => v.Name).ToList();
            long[] Dims(Value v) => v.Initializer is { } t
                ? [.. t.Dims]
                : [.. OnnxTensorFile.Load(Path.Combine(data, $"input_{inputs.IndexOf(v.Name)}.pb")).Dims];
            var y = OnnxTensorFile.Load(Path.Combine(data, "output_0.pb")).Dims.ToArray();
            long Product(IEnumerable<long> d) => d.Aggregate(1L, (a, b) => a * b);
            var expected = node.OpType switch
            {
                "Conv" => Product(y) * Product(Dims(node.Inputs[1]!).Skip(1)),
                "ConvTranspose" => Product(Dims(node.Inputs[0]!)) * Product(Dims(node.Inputs[1]!).Skip(1)),
                "MatMul" => Product(y) * Dims(node.Inputs[0]!)[^1],
                _ => Product(y) * Dims(node.Inputs[0]!)[node.Attributes.GetInt("transA", 0) != 0 ? 0 : 1],
            };

            var profile = ModelProfile.Analyze(model);
            checkedModels++;
            if (profile.NotCounted.Count > 0) failures.Add($"{Name(path)}: not counted ({profile.NotCounted[0].Reason})");
            else if (profile.Macs != expected) failures.Add($"{Name(path)}: {profile.Macs} MACs, reference shapes give {expected}");
        }
        Assert.True(checkedModels >= 40, $"only {checkedModels} single-node conv/matmul models found under {Fixtures.OnnxTestData}");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Every_model_profiles_and_only_training_ops_are_flagged()
    {
        var unexpected = new List<string>();
        var count = 0;
        foreach (var path in Models("node", "pytorch-converted", "pytorch-operator", "simple", "real"))
        {
            using var model = Model.Load(path);
            var profile = ModelProfile.Analyze(model);
            count++;
            unexpected.AddRange(profile.FlaggedOps.Where(f => f.Reason != FlagReason.Training).Select(f => $"{Name(path)}: {f.Domain}.{f.OpType} {f.Detail}"));
        }
        Assert.True(count > 1000, $"only {count} conformance models found");
        Assert.True(unexpected.Count == 0, string.Join("\n", unexpected));
    }

    private static string Name(string modelPath) => Path.GetFileName(Path.GetDirectoryName(modelPath))!;
}
