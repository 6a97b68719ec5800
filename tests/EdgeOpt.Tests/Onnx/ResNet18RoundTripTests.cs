using EdgeOpt.Onnx;
using EdgeOpt.Onnx.Serialization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeOpt.Tests.Onnx;

public class ResNet18RoundTripTests
{
    [Fact]
    public void Loads_with_expected_structure()
    {
        using var model = Model.Load(Fixtures.ResNet18);
        Assert.Equal(8, model.GetOpset());
        Assert.Equal(22, model.Graph.Nodes.Count(n => n.OpType == "Conv"));
        Assert.Equal(22, model.Graph.Nodes.Count(n => n.OpType == "BatchNormalization"));
        var notMapped = model.Graph.Initializers.Where(v => !v.Initializer!.Data!.IsFileBacked).Select(v => $"{v.Name}:{v.Initializer!.ByteLength}").ToList();
        Assert.True(notMapped.Count == 0, "weights must stay views of the file: " + string.Join(",", notMapped));
    }

    [Fact]
    public void Save_then_load_gives_identical_bytes_and_outputs()
    {
        using var dir = new TempDir();
        using var model = Model.Load(Fixtures.ResNet18);
        var first = dir.File("a.onnx");
        model.Save(first);
        using var reloaded = Model.Load(first);
        Assert.Equal(model.ToBytes(), reloaded.ToBytes());

        var original = Run(Fixtures.ResNet18, seed: 1);
        var saved = Run(first, seed: 1);
        Assert.Equal(original.Length, saved.Length);
        for (var i = 0; i < original.Length; i++) Assert.Equal(original[i], saved[i]);
    }

    [Fact]
    public void External_data_round_trips_through_onnx_runtime()
    {
        using var dir = new TempDir();
        using var model = Model.Load(Fixtures.ResNet18);
        var path = dir.File("ext.onnx");
        model.Save(path, new ModelSaveOptions { ExternalData = true, ExternalDataThreshold = 1024 });
        Assert.True(new FileInfo(path).Length < 1_000_000, "weights should have moved out of the graph file");
        Assert.True(File.Exists(dir.File("ext.onnx.data")));
        using var reloaded = Model.Load(path);
        Assert.NotNull(reloaded.Graph.Initializers.First(v => v.Initializer!.ByteLength > 1024).Initializer!.External);
        var a = Run(Fixtures.ResNet18, seed: 2);
        var b = Run(path, seed: 2);
        Assert.Equal(a, b);
    }

    internal static float[] Run(string path, int seed)
    {
        using var session = new InferenceSession(path);
        var meta = session.InputMetadata.First();
        var dims = meta.Value.Dimensions.Select(d => d <= 0 ? 1 : d).ToArray();
        var rng = new Random(seed);
        var data = new float[dims.Aggregate(1, (x, y) => x * y)];
        for (var i = 0; i < data.Length; i++) data[i] = (float)rng.NextDouble() * 255f;
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(meta.Key, new DenseTensor<float>(data, dims))]);
        return results.First().AsEnumerable<float>().ToArray();
    }
}
